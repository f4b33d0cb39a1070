// Kubernetes objects in a file, as an install writes them for kubectl and reads them back: one v1
// List in JSON, which kubectl flattens as it does a YAML stream. KubeRay's CRDs alone are 3 MB of
// YAML, and the yaml library takes over a second to write and read them again on every install;
// JSON takes milliseconds. A file in YAML (a stream of documents) still reads.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

/** Writes objects as one v1 List, indented to stay readable. */
export function writeObjects(file: string, objs: readonly object[], mode = 0o644): void {
  writeFileSync(file, `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }, null, 1)}\n`, { mode });
}

/** The objects of a file written by writeObjects, or of a YAML stream (documents without a kind left out). */
export function readObjects<T extends { kind?: unknown }>(file: string): T[] {
  return parseObjects<T>(readFileSync(file, 'utf8'));
}

/** The objects of a text: a JSON object or List, or a YAML stream. */
export function parseObjects<T extends { kind?: unknown }>(text: string): T[] {
  if (text.trimStart().startsWith('{')) {
    const o = JSON.parse(text) as T & { items?: T[] };
    return (o.kind === 'List' ? (o.items ?? []) : [o]).filter((x) => x?.kind);
  }
  return parseAllDocuments(text)
    .map((d) => d.toJS() as T)
    .filter((o) => o?.kind);
}
