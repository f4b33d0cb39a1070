// Kubernetes objects in a file, as an install writes them for kubectl and reads them back: one v1
// List in JSON, which kubectl flattens as it does a YAML stream. KubeRay's CRDs alone are 3 MB of
// YAML, and the yaml library takes over a second to write and read them again on every install;
// JSON takes milliseconds. A file in YAML (a stream of documents) still reads.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { writeAtomic } from './files.js';
import { home } from './paths.js';

const list = (objs: readonly object[]) => ({ apiVersion: 'v1', kind: 'List', items: objs });

/** Writes objects as one v1 List, indented to stay readable. */
export function writeObjects(file: string, objs: readonly object[], mode = 0o644): void {
  writeFileSync(file, `${JSON.stringify(list(objs), null, 1)}\n`, { mode });
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

/** Where the harness's home keeps what `parts` names: <home>/<group>/<hash of parts>.json. */
export function keptFile(group: string, parts: unknown[]): string {
  return join(home(), group, `${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16)}.json`);
}

/**
 * Objects made once for what `parts` names, for what cannot change (a tree at a fixed version), and
 * kept as JSON under the harness's home: rendered/<group>/<hash of parts>.json. A kept file that
 * does not read is made again.
 */
export async function kept<T extends { kind?: unknown }>(group: string, parts: unknown[], make: () => Promise<T[]> | T[]): Promise<T[]> {
  const file = keptFile(join('rendered', group), parts);
  try {
    return readObjects<T>(file);
  } catch {
    // not kept yet, or not readable: made again
  }
  const objs = await make();
  writeAtomic(file, `${JSON.stringify(list(objs))}\n`);
  return objs;
}
