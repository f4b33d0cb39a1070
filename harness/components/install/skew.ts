// Client skew that changes what the cluster stores. A controller with a mutating webhook for another
// component's kind decodes each object into the Go types it was compiled with, defaults it, and
// answers with a patch from its re-encoding. Before controller-runtime v0.20 that patch removes every
// field its copy of the other component's API lacks (v0.20.0 pkg/webhook/admission/defaulter_custom.go
// keeps them unless DefaulterRemoveUnknownOrOmitableFields). Seen on a cell: Kueue v0.6.2, built with
// KubeRay's API at v1.1.0-alpha.0, removes spec.submissionMode and spec.activeDeadlineSeconds from
// every RayJob, so KubeRay v1.1.0's own RayJob tests fail beside it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { kept, readObjects } from '../../../lib/objects.js';
import { component, loadCatalog, type ComponentId } from '../../../matrix/catalog/index.js';
import { satisfies } from '../../../matrix/versions.js';
import { embedded, type Drop } from '../../../model/results.js';
import type { Sources } from '../../../matrix/config.js';
import { resolveSource } from '../source.js';
import type { Installed, Obj } from './common.js';
import { admits, dropsUnknown, webhookDrops, type Crd, type Hook } from '../../../lib/crd.js';

/**
 * The CRDs of a component's tree at a version, where its catalog layout keeps them. A tree at a
 * version does not change: its CRDs are kept as JSON (reading them as YAML takes most of a second).
 */
export function treeCrds(id: ComponentId, version: string, dir: string): Promise<Crd[]> {
  const catalog = loadCatalog();
  const layout = component(catalog, id).layouts.find((l) => satisfies(catalog, id, version, l.range));
  return kept<Crd>(id, ['crds', version, dir, layout?.crds], () => {
    const files = (layout?.crds ?? []).map((p) => join(dir, p)).filter((p) => existsSync(p)).flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(p, f)) : [p]));
    return files.flatMap((f) => readObjects<Crd>(f)).filter((o) => o.kind === 'CustomResourceDefinition');
  });
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
    const cr = embedded(a.provenance, 'sigs.k8s.io/controller-runtime');
    if (!dropsUnknown(cr)) continue;
    const hooks = readObjects<Obj>(owned(a.component)).filter((o) => o.kind === 'MutatingWebhookConfiguration').flatMap((o) => ((o as Obj & { webhooks?: Hook[] }).webhooks ?? []));
    for (const b of stack) {
      const src = component(catalog, b.component).source;
      if (b === a || src.kind !== 'go' || !hooks.length) continue;
      const compiled = embedded(a.provenance, src.module);
      const runs = embedded(b.provenance, src.module);
      if (!compiled || !runs || compiled === runs) continue;
      const now = readObjects<Obj>(owned(b.component)).filter((o) => o.kind === 'CustomResourceDefinition') as unknown as Crd[];
      if (!admits(hooks, now)) continue;
      // that version's tree, as a build takes it (a fork's version no source has: nothing to compare)
      const then = await resolveSource(b.component, compiled, sources).then((t) => treeCrds(b.component, compiled, t.dir), () => []);
      const drops = webhookDrops(hooks, now, then).map((d) => ({ ...d, api: { component: b.component, version: compiled }, controllerRuntime: cr!, runs }));
      if (drops.length) out.set(a.component, [...(out.get(a.component) ?? []), ...drops]);
    }
  }
  return out;
}
