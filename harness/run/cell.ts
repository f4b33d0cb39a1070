// One cell's life outside the tests: setup (build what the cell names, provision or reuse a
// cluster, install the stack in the catalog's order, upgrade cells from their previous stack) and
// teardown (export logs, uninstall and give the cluster back, or destroy it). Both run as
// Playwright setup/teardown projects; every step is written to the cell's state as it completes, so
// a teardown after a half-built setup knows exactly what to undo.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { component, loadCatalog, type ComponentId } from '../../matrix/catalog/index.js';
import { isFloating } from '../../matrix/versions.js';
import type { Cell, Versions } from '../../matrix/cell.js';
import type { Plan } from '../../matrix/planner/index.js';
import { seconds } from '../../matrix/config.js';
import { buildComponent } from '../components/build.js';
import { ensureSdk } from '../components/sdk.js';
import { resolveSource } from '../components/source.js';
import type { Sources } from '../components/git.js';
import { installStack, uninstallStack, upgradeProcess, type InstallContext } from '../components/install/index.js';
import { readPlayed } from '../components/install/player.js';
import type { Built } from '../components/types.js';
import { providerFor } from '../providers/index.js';
import { sdkImage, workloadImage } from '../providers/kind/workloads.js';
import type { Cluster } from '../providers/provider.js';
import { readState, saveState } from '../providers/state.js';
import { defaultNodes } from '../providers/local/provision.js';
import { kubectlFor } from '../toolchain/index.js';
import { clients } from '../testing.js';
import { cellDir, cellFailed, readCellState, saveCellState, setStep, type CellState, type RunOptions } from './layout.js';
import { give, poolKey, take } from './pool.js';

/** Components the cell installs itself (standalone in its era); the others come with the operator or are clients. */
export function installedComponents(cell: Cell): ComponentId[] {
  const era = loadCatalog().eras.find((e) => e.id === cell.era)!;
  return (Object.keys(cell.versions) as ComponentId[]).filter((id) => era.install[id] === 'standalone');
}

/**
 * Components compiled into the operator at another version than its go.mod's (a cell's axis, a
 * chain's `dev`): module overrides for the operator's build, `dev` and refs resolved first.
 */
async function embeddedOverrides(cell: Cell, versions: Versions, sources: Sources): Promise<Record<string, string>> {
  const catalog = loadCatalog();
  const era = catalog.eras.find((e) => e.id === cell.era)!;
  const out: Record<string, string> = {};
  for (const id of Object.keys(versions) as ComponentId[]) {
    const src = component(catalog, id).source;
    // Only what the cell itself chose (an axis, a chain's dev); a published row is tested as released.
    if (era.install[id] !== 'embedded-in-operator' || !chosenBy(cell).includes(id) || src.kind !== 'go' || versions !== cell.versions) continue;
    const v = versions[id]!;
    out[src.module] = isFloating(v) ? (await resolveSource(id, v, sources)).resolved : v;
  }
  return out;
}

/** What the cell itself chose, rather than took from the operator or its row. */
const chosenBy = (cell: Cell): ComponentId[] => (Object.keys(cell.origin) as ComponentId[]).filter((id) => ['axis', 'chain-dev', 'under-test'].includes(cell.origin[id] ?? ''));

async function buildAll(cell: Cell, versions: Versions, ids: ComponentId[], step: (s: string) => void, sources: Sources): Promise<Partial<Record<ComponentId, Built>>> {
  const out: Partial<Record<ComponentId, Built>> = {};
  const overrides = await embeddedOverrides(cell, versions, sources);
  for (const id of ids) {
    const ov = id === 'codeflare-operator' ? overrides : {};
    step(`build ${id} ${versions[id]}${Object.keys(ov).length ? ` with ${Object.entries(ov).map(([m, v]) => `${m.split('/').pop()}@${v}`).join(', ')}` : ''}`);
    out[id] = await buildComponent(await resolveSource(id, versions[id]!, sources), { sources, overrides: ov });
  }
  return out;
}

const elapsed = (t0: number) => Date.now() - t0;

/**
 * What the suites bring to a cell's setup (fixtures/cell.setup.ts passes them): the engine knows no
 * test objects. `beforeUpgrade` makes what an upgrade cell's stack must keep; `images`, what the
 * suites' pods run, made where the provider loads images.
 */
export type CellHooks = { beforeUpgrade?: (cluster: Cluster, from: Versions) => Promise<CellState['preUpgrade']>; images?: string[] };

export async function setupCell(run: string, plan: Plan, cell: Cell, opts: RunOptions, hooks: CellHooks = {}): Promise<CellState> {
  const state: CellState = readCellState(run, cell.id) ?? { cell: cell.id, installed: [], phases: {} };
  const save = () => saveCellState(run, state);
  const step = (s: string) => setStep(run, cell.id, s);
  const log = (line: string) => console.log(`[${cell.id}] ${line}`);
  try {
    // Known before anything starts: what the registries here do not serve cannot be built.
    if (cell.unavailable.length) throw new Error(`not buildable here: ${cell.unavailable.join('; ')}`);
    const ids = installedComponents(cell);
    const t0 = Date.now();
    const sources = plan.sources ?? {};
    const builds = await buildAll(cell, cell.versions, ids, step, sources);
    const previous = cell.upgradeFrom ? await buildAll(cell, cell.upgradeFrom, ids.filter((id) => cell.upgradeFrom![id] && cell.upgradeFrom![id] !== cell.versions[id]), step, sources) : {};
    // A provider that loads images made here (kind) runs real pods: their images are made in setup.
    const loads = providerFor(plan.provider).capabilities.includes('load-images');
    const sdkVersion = cell.versions['codeflare-sdk'];
    if (sdkVersion) {
      step(`install codeflare-sdk ${sdkVersion} (PyPI)`);
      // An SDK this machine's Python cannot install or import (an old one: its pins have no wheel
      // for this Python, or break on it) blocks the tests that use it, with the reason; the rest
      // of the stack is still tested. It says nothing of the stack, only of this machine.
      state.sdk = await ensureSdk(sdkVersion, { log }).catch((e: Error) => {
        if (!/does not (install|import) on Python/.test(e.message)) throw e;
        state.sdkError = e.message;
        log(`codeflare-sdk ${sdkVersion}: ${e.message}`);
        return undefined;
      });
      // On kind the suites run the SDK in a container beside the cluster: its image, from this virtualenv.
      if (loads && state.sdk) {
        step(`make image codeflare-matrix/codeflare-sdk:${state.sdk.version}`);
        await sdkImage(state.sdk, log);
      }
    }
    // Real pods run real images: on a provider that loads them (kind), the suites' images are made here.
    const images = loads ? (hooks.images ?? []) : [];
    for (const image of images) {
      step(`make image ${image}`);
      await workloadImage(image, log);
    }
    state.phases.install = elapsed(t0); // builds count as install; provision is timed alone below

    const t1 = Date.now();
    state.cluster = await acquireCluster(run, plan, cell, opts, step, log);
    state.phases.provision = elapsed(t1);
    save();

    const t2 = Date.now();
    const ctx = { ...installContext(state.cluster, log, seconds(plan.run.timeouts.install) * 1000, sources), chosen: chosenBy(cell) };
    if (cell.upgradeFrom) {
      step('install the previous stack');
      const first = { ...builds, ...previous };
      state.installed = await installStack(ctx, first);
      save();
      state.preUpgrade = await hooks.beforeUpgrade?.(state.cluster, cell.upgradeFrom);
      save();
      for (const id of Object.keys(previous) as ComponentId[]) {
        step(`upgrade ${id} ${cell.upgradeFrom[id]} → ${cell.versions[id]}`);
        const i = state.installed.findIndex((x) => x.component === id);
        state.installed[i] = await upgradeProcess(ctx, state.installed[i]!, builds[id]!);
        save();
      }
    } else {
      step(`install ${ids.map((id) => `${id} ${cell.versions[id]}`).join(', ')}`);
      state.installed = await installStack(ctx, builds);
    }
    for (const image of images) {
      step(`load image ${image}`);
      await providerFor(plan.provider).loadImage(state.cluster.name, image);
    }
    state.phases.install = (state.phases.install ?? 0) + elapsed(t2);
    const v = await clients(state.cluster.kubeconfig).version.getCode();
    state.serverVersion = v.gitVersion;
    step('suites');
    save();
    return state;
  } catch (e) {
    state.error = (e as Error).message.split('\n')[0];
    save();
    throw e;
  }
}

function installContext(cluster: Cluster, log: (l: string) => void, timeoutMs?: number, sources: Sources = {}): InstallContext {
  return { cluster, kubectl: kubectlFor(cluster.kubernetes), log, sources, ...(timeoutMs ? { timeoutMs } : {}) };
}

async function acquireCluster(run: string, plan: Plan, cell: Cell, opts: RunOptions, step: (s: string) => void, log: (l: string) => void): Promise<CellState['cluster'] & {}> {
  const provider = providerFor(plan.provider);
  const kubernetes = cell.versions.kubernetes!;
  const key = poolKey(plan.provider, kubernetes, cell.era);
  if (opts.reuseClusters) {
    for (let c = take(run, key, cell.id); c; c = take(run, key, cell.id)) {
      const healthy = (await provider.list()).find((s) => s.name === c!.name)?.healthy;
      if (healthy) {
        step(`reuse cluster ${c.name}`);
        return { ...c, reused: true, poolKey: key };
      }
      log(`cluster ${c.name} from the pool is not healthy: destroying it`);
      await provider.destroy(c.name);
    }
  }
  const name = `cm-${cell.id.slice(-8)}-${Date.now().toString(36).slice(-5)}`;
  step(`provision ${plan.provider} cluster ${name} (Kubernetes ${kubernetes})`);
  const cluster = await provider.create(
    { name, kubernetes, owner: opts.owner, nodes: plan.run.nodes ?? defaultNodes, ...(plan.run.context ? { context: plan.run.context } : {}) },
    log,
  );
  return { ...cluster, reused: false, poolKey: key };
}

/**
 * Teardown tolerates a half-built cell: whatever the state says was made is exported and undone.
 * A cluster whose stack uninstalled cleanly goes back to the pool (with --reuse-clusters); a failed
 * cell's cluster stays with --keep-on-failure; anything else is destroyed.
 */
export async function teardownCell(run: string, cell: Cell, opts: RunOptions): Promise<string[]> {
  const state = readCellState(run, cell.id);
  const notes: string[] = [];
  if (!state?.cluster) return notes;
  const t0 = Date.now();
  setStep(run, cell.id, 'teardown');
  const provider = providerFor(state.cluster.provider);
  const logs = join(cellDir(run, cell.id), 'logs');
  mkdirSync(logs, { recursive: true });
  await provider.exportLogs(state.cluster.name, join(logs, 'cluster')).catch((e) => notes.push(`logs of ${state.cluster!.name}: ${(e as Error).message}`));
  for (const i of state.installed) if (i.process && existsSync(i.process.log)) copyFileSync(i.process.log, join(logs, `${i.component}-${basename(i.process.log)}`));
  // What the pod players ran (its provenance goes into the results), before the cluster goes.
  state.played = state.installed.flatMap((i) => (i.player ? readPlayed(i.player) : []));
  for (const p of state.played) if (p.log && existsSync(p.log)) copyFileSync(p.log, join(logs, `played-${p.deployment.replace('/', '-')}-${basename(p.log)}`));
  for (const i of state.installed) if (i.player && existsSync(i.player.log)) copyFileSync(i.player.log, join(logs, `${i.component}-player.log`));
  saveCellState(run, state);

  const failed = cellFailed(run, cell.id) || !!state.error;
  if (failed && opts.keepOnFailure) {
    // Kept for a person to look at: no owner, so neither the janitor nor the run's end removes it.
    const s = readState(state.cluster.name);
    if (s) saveState({ ...s, owner: undefined, ownerStart: undefined });
    notes.push(`kept cluster ${state.cluster.name} (kubeconfig ${state.cluster.kubeconfig}); remove it with: npx codeflare-matrix cluster down ${state.cluster.name}`);
  } else {
    let clean = false;
    if (opts.reuseClusters && !state.error) {
      try {
        await uninstallStack(installContext(state.cluster, () => {}), state.installed);
        if (state.preUpgrade) await clients(state.cluster.kubeconfig).core.deleteNamespace({ name: state.preUpgrade.namespace });
        clean = true;
      } catch (e) {
        notes.push(`uninstall failed, destroying the cluster instead: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    const { reused: _r, poolKey: key, ...cluster } = state.cluster;
    if (clean) give(run, key, cluster);
    else await provider.destroy(state.cluster.name);
  }
  state.phases.teardown = Date.now() - t0;
  saveCellState(run, state);
  setStep(run, cell.id, 'done');
  return notes;
}
