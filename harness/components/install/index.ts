// Installing a component or a stack, in the mode the provider runs controllers in: `process`
// (process.ts: host processes standing for the controllers' pods, local) or `image` (image.ts: the
// built binary in an image the cluster runs, kind; release images it pulls, existing). Both prepare
// and apply the manifests the same way (common.ts); uninstall and upgrade are one each, with the
// mode's own part from the table of modes.
import { join } from 'node:path';
import { readObjects, writeObjects } from '../../../lib/objects.js';
import { loadCatalog, type ComponentId } from '../../../matrix/catalog/index.js';
import { providerFor } from '../../providers/index.js';
import type { Built } from '../types.js';
import { COMPONENT_LABEL } from './pod.js';
import { apply, kubectlIn, render, type Installed, type Obj } from './common.js';
import type { InstallContext } from './context.js';
import { installImage } from './image.js';
import { stopPlayer } from './player.js';
import { installProcess, stopProcess, uninstallProcess } from './process.js';
import { fieldsDropped } from './skew.js';
import { dropLine } from '../../../model/results.js';

export { apply, render, type Installed, type Obj } from './common.js';
export { COMPONENT_LABEL } from './pod.js';
export type { InstallContext } from './context.js';
export { installProcess } from './process.js';

/**
 * Removes what the install made, in the order a controller needs: its custom resources while it
 * still runs (it removes their finalizers), then its webhook configurations, then what the mode
 * runs outside the objects (the host process), then every other object (CRDs, RBAC, namespaces it created).
 */
export async function uninstall(ctx: InstallContext, installed: Installed): Promise<void> {
  const dir = join(ctx.cluster.dir, 'components', installed.component);
  const owned = readObjects<Obj>(join(dir, `${installed.component}-owned.yaml`));
  const step = async (what: string, args: string[]) => {
    const r = await kubectlIn(ctx, ['delete', '--ignore-not-found', '--wait=true', '--timeout=120s', ...args]);
    if (!r.ok) throw new Error(`uninstalling ${installed.component} ${installed.version}: ${what} left behind: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  };
  const crds = owned.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name);
  if (crds.length) await step('custom resources', [crds.join(','), '--all', '--all-namespaces']);
  const hooks = owned.filter((o) => o.kind.endsWith('WebhookConfiguration')).map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`);
  if (hooks.length) await step('webhook configurations', hooks);
  await modes[installed.mode].uninstall(ctx, installed);
  await step('objects', ['-f', join(dir, `${installed.component}-owned.yaml`)]);
}

const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * Upgrade in place from an installed version to another build of the same component: the new
 * CRDs first (existing custom resources must survive them), then the old controller stops (as its
 * mode says), the new one is installed and started, and objects of the old version the new one no
 * longer ships (a namespace it moved from, say) are removed. Custom resources stay and are reconciled by the new one.
 */
export async function upgradeComponent(ctx: InstallContext, from: Installed, built: Built): Promise<Installed> {
  const id = from.component;
  const dir = join(ctx.cluster.dir, 'components', id);
  const old = readObjects<Obj>(join(dir, `${id}-owned.yaml`));
  const crds = (await render(ctx, id, built)).filter((o) => o.kind === 'CustomResourceDefinition');
  ctx.log?.(`${id}: upgrading ${from.version} → ${built.source.requested}, CRDs first`);
  await apply(ctx, dir, crds.map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [COMPONENT_LABEL]: id } } })), `${id}-upgrade`);
  await modes[from.mode].upgrade(ctx, from);
  const next = await modes[from.mode].install(ctx, id, built);
  const now = new Set(readObjects<Obj>(join(dir, `${id}-owned.yaml`)).map(key));
  const stale = old.filter((o) => !now.has(key(o)) && o.kind !== 'CustomResourceDefinition');
  if (stale.length) {
    const file = join(dir, `${id}-stale.yaml`);
    writeObjects(file, stale);
    ctx.log?.(`${id}: removing ${stale.length} objects ${from.version} shipped and ${built.source.requested} does not`);
    await kubectlIn(ctx, ['delete', '--ignore-not-found', '--wait=true', '--timeout=120s', '-f', file]);
  }
  return next;
}

/**
 * The install modes, by the name a provider gives (Provider.installMode) and an install records
 * (Installed.mode): how each installs a component, and its own part of uninstall and upgrade —
 * what it takes down once the custom resources and webhooks are gone, and what it stops before
 * the new version installs. The rest of both is the same for every mode (above).
 */
const modes: Record<Installed['mode'], { install: typeof installProcess; uninstall: (ctx: InstallContext, installed: Installed) => Promise<void>; upgrade: (ctx: InstallContext, from: Installed) => Promise<void> }> = {
  process: { install: installProcess, uninstall: uninstallProcess, upgrade: stopProcess },
  // The Deployment goes with the objects; on upgrade, the new one rolls out over the old.
  image: { install: installImage, uninstall: async (_ctx, installed) => (installed.player ? stopPlayer(installed.player) : undefined), upgrade: async () => {} },
};

/**
 * Controllers run as the provider says: in pods where it loads images made here (kind: what runs
 * is the binary built and recorded) or where the cluster pulls release images (existing: its
 * apiserver cannot call webhooks on this host); as host processes on the local provider.
 */
export function installComponent(ctx: InstallContext, id: ComponentId, built: Built): Promise<Installed> {
  return modes[providerFor(ctx.cluster.provider).installMode].install(ctx, id, built);
}

/**
 * Installs a stack: the given components in the catalog's install order (KubeRay before Kueue, so
 * Kueue activates its Ray integration), each from its own build. Returns what was installed, in order.
 */
export async function installStack(ctx: InstallContext, builds: Partial<Record<ComponentId, Built>>): Promise<Installed[]> {
  const order = loadCatalog().installOrder.filter((id) => builds[id]);
  const done: Installed[] = [];
  for (const id of order) done.push(await installComponent(ctx, id, builds[id]!));
  await noteDrops(ctx, done);
  return done;
}

/**
 * What a controller's webhook removes from another component's objects (skew.ts), in its
 * provenance: read for a stack once installed, and again once a component of it is upgraded (the
 * other side of a skew may be the one that changed), replacing what was read before.
 */
export async function noteDrops(ctx: InstallContext, stack: Installed[]): Promise<void> {
  const dropped = await fieldsDropped(stack, (id) => join(ctx.cluster.dir, 'components', id, `${id}-owned.yaml`), ctx.sources).catch((e: Error) => {
    ctx.log?.(`the webhooks' client skew was not read: ${e.message}`);
    return undefined;
  });
  if (!dropped) return;
  for (const i of stack) {
    const before = new Set((i.provenance.drops ?? []).map((d) => dropLine(i.provenance, d)));
    i.provenance.differences = i.provenance.differences.filter((l) => !before.has(l));
    delete i.provenance.drops;
    const drops = dropped.get(i.component);
    if (!drops) continue;
    i.provenance.drops = drops;
    for (const d of drops) {
      i.provenance.differences.push(dropLine(i.provenance, d));
      ctx.log?.(dropLine(i.provenance, d));
    }
  }
}

/** Uninstalls a stack in reverse install order. */
export async function uninstallStack(ctx: InstallContext, stack: Installed[]): Promise<void> {
  for (const installed of [...stack].reverse()) await uninstall(ctx, installed);
}
