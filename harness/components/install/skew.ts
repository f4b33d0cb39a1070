// Client skew that changes what the cluster stores. A controller with a mutating webhook for another
// component's kind decodes each object into the Go types it was compiled with, defaults it, and
// answers with a patch from its re-encoding. Before controller-runtime v0.20 that patch removes every
// field its copy of the other component's API lacks (v0.20.0 pkg/webhook/admission/defaulter_custom.go
// keeps them unless DefaulterRemoveUnknownOrOmitableFields). Seen on a cell: Kueue v0.6.2, built with
// KubeRay's API at v1.1.0-alpha.0, removes spec.submissionMode and spec.activeDeadlineSeconds from
// every RayJob, so KubeRay v1.1.0's own RayJob tests fail beside it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { parseAllDocuments } from 'yaml';
import { component, loadCatalog, type ComponentId } from '../../../matrix/catalog/index.js';
import { satisfies } from '../../../matrix/versions.js';
import { embedded, type Drop } from '../../../model/results.js';
import type { Sources } from '../../../matrix/config.js';
import { resolveSource } from '../source.js';
import type { Installed, Obj } from './common.js';

type Schema = { properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean };
type Crd = { kind: string; metadata: { name: string }; spec: { group: string; names: { kind: string; plural: string }; versions: { name: string; storage?: boolean; schema?: { openAPIV3Schema?: Schema } }[] } };
type Rule = { apiGroups?: string[]; apiVersions?: string[]; resources?: string[]; operations?: string[] };
type Hook = { name: string; rules?: Rule[] };

/** Webhook defaulting in controller-runtime keeps unknown fields from this version on. */
const KEEPS_UNKNOWN = '0.20.0';

/** Every property path of a schema (`spec.submissionMode`; list items as `[]`). */
function paths(s: Schema | undefined, at = ''): string[] {
  if (!s) return [];
  const own = Object.entries(s.properties ?? {}).flatMap(([k, v]) => [`${at}${k}`, ...paths(v, `${at}${k}.`)]);
  return [...own, ...paths(s.items, `${at}[].`), ...(typeof s.additionalProperties === 'object' ? paths(s.additionalProperties, `${at}*.`) : [])];
}

/** The fields a schema has and an older one lacks, each named once at its highest new level. */
export function added(now: Schema | undefined, then: Schema | undefined): string[] {
  const old = new Set(paths(then));
  const fresh = paths(now).filter((p) => !old.has(p));
  return fresh.filter((p) => !fresh.some((q) => p.startsWith(`${q}.`)));
}

/**
 * Fields of the other component's own types: status is written through its subresource, which no
 * such webhook takes; Kubernetes' own types inside (pod templates, resource requirements) are
 * decoded with the controller's own k8s.io/api, not the other component's API, so left out.
 */
const own = (field: string) => !field.startsWith('status') && !/(^|\.)(template|resources)\./.test(field);

const schemaOf = (crd: Crd | undefined, version: string | undefined) => (crd?.spec.versions.find((v) => v.name === version) ?? crd?.spec.versions.find((v) => v.storage))?.schema?.openAPIV3Schema;

const docs = (file: string): Obj[] => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Obj).filter((o) => o?.kind);

/** The CRDs of a component's tree at a version, where its catalog layout keeps them. */
function treeCrds(id: ComponentId, version: string, dir: string): Crd[] {
  const catalog = loadCatalog();
  const layout = component(catalog, id).layouts.find((l) => satisfies(catalog, id, version, l.range));
  const files = (layout?.crds ?? []).map((p) => join(dir, p)).filter((p) => existsSync(p)).flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(p, f)) : [p]));
  return files.flatMap(docs).filter((o) => o.kind === 'CustomResourceDefinition') as unknown as Crd[];
}

/**
 * For each installed controller with such a webhook (controller-runtime before v0.20) for a kind
 * another installed component serves, whose API it compiles at another version than the cell runs:
 * the fields that version lacks, which the webhook removes from every object it admits. `owned(id)`
 * is the file of the objects the install applied for a component.
 */
export async function fieldsDropped(stack: Installed[], owned: (id: ComponentId) => string, sources: Sources = {}): Promise<Map<ComponentId, Drop[]>> {
  const catalog = loadCatalog();
  const out = new Map<ComponentId, Drop[]>();
  for (const a of stack) {
    const cr = embedded(a.provenance, 'sigs.k8s.io/controller-runtime')?.replace(/^v/, '');
    if (!cr || !semver.valid(cr) || semver.gte(cr, KEEPS_UNKNOWN)) continue;
    const hooks = docs(owned(a.component)).filter((o) => o.kind === 'MutatingWebhookConfiguration').flatMap((o) => ((o as Obj & { webhooks?: Hook[] }).webhooks ?? []));
    for (const b of stack) {
      const src = component(catalog, b.component).source;
      if (b === a || src.kind !== 'go') continue;
      const compiled = embedded(a.provenance, src.module);
      const runs = embedded(b.provenance, src.module);
      if (!compiled || !runs || compiled === runs) continue;
      const crds = docs(owned(b.component)).filter((o) => o.kind === 'CustomResourceDefinition') as unknown as Crd[];
      let then: Crd[] | undefined;
      for (const hook of hooks) {
        for (const rule of hook.rules ?? []) {
          if (!(rule.operations ?? []).some((op) => ['CREATE', 'UPDATE', '*'].includes(op))) continue;
          for (const crd of crds.filter((c) => rule.apiGroups?.includes(c.spec.group) && rule.resources?.includes(c.spec.names.plural))) {
            // that version's tree, as a build takes it (a fork's version no source has: nothing to compare)
            then ??= await resolveSource(b.component, compiled, sources).then((t) => treeCrds(b.component, compiled, t.dir), () => []);
            const before = then.find((c) => c.metadata.name === crd.metadata.name);
            const version = rule.apiVersions?.find((v) => crd.spec.versions.some((x) => x.name === v));
            const gone = before ? added(schemaOf(crd, version), schemaOf(before, version)).filter(own) : [];
            if (!gone.length) continue;
            const list = out.get(a.component) ?? [];
            list.push({ webhook: hook.name, kind: crd.spec.names.kind, api: { component: b.component, version: compiled }, controllerRuntime: `v${cr}`, runs, fields: gone });
            out.set(a.component, list);
          }
        }
      }
    }
  }
  return out;
}
