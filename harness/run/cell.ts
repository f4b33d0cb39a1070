// One cell's life outside the tests: setup (build what the cell names, provision or reuse a
// cluster, install the stack in the catalog's order, upgrade cells from their previous stack) and
// teardown (export logs, uninstall and give the cluster back, or destroy it). Both run as
// Playwright setup/teardown projects; every step is written to the cell's state as it completes, so
// a teardown after a half-built setup knows exactly what to undo.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { component, loadCatalog, type Catalog, type ComponentId } from '../../matrix/catalog/index.js';
import { isFloating } from '../../matrix/versions.js';
import { blockedAhead, type Cell, type Versions } from '../../matrix/cell.js';
import type { Plan } from '../../matrix/planner/index.js';
import { seconds } from '../../matrix/config.js';
import { buildComponent } from '../components/build.js';
import { ensureSdk, NoPython } from '../components/sdk.js';
import { resolveSource } from '../components/source.js';
import type { Sources } from '../../matrix/config.js';
import { installStack, uninstallStack, upgradeProcess, type InstallContext } from '../components/install/index.js';
import { readPlayed } from '../components/install/player.js';
import type { Built } from '../components/types.js';
import { providerFor } from '../providers/index.js';
import type { Cluster } from '../providers/provider.js';
import { readState, saveState } from '../providers/state.js';
import { kubectlFor } from '../toolchain/index.js';
import { clients } from '../kube.js';
import { cellDir, cellFailed, readCellState, saveCellState, setStep, type CellState, type RunOptions } from './layout.js';
import { give, poolKey, take } from './pool.js';

/** Components the cell installs itself (standalone in its era); the others come with the operator or are clients. */
export function installedComponents(cell: Cell): ComponentId[] {
  const era = loadCatalog().eras.find((e) => e.id === cell.era)!;
  return (Object.keys(cell.versions) as ComponentId[]).filter((id) => era.install[id] === 'standalone');
}

/** The cell's clients: what its era marks `client` (run by the suites, not installed in the cluster). */
function clientsOf(cell: Cell): ComponentId[] {
  const era = loadCatalog().eras.find((e) => e.id === cell.era)!;
  return (Object.keys(cell.versions) as ComponentId[]).filter((id) => era.install[id] === 'client');
}

/**
 * Components compiled into the operator at another version than its go.mod's (a cell's axis, a
 * chain's `dev`): module overrides for the operator's build, `dev` and refs resolved first.
 */
async function embeddedOverrides(catalog: Catalog, cell: Cell, versions: Versions, sources: Sources): Promise<Record<string, string>> {
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
  const catalog = loadCatalog();
  const overrides = await embeddedOverrides(catalog, cell, versions, sources);
  for (const id of ids) {
    // what an era marks embedded-in-operator is compiled into the operator's build (the catalog's `role: operator`)
    const ov = component(catalog, id).role === 'operator' ? overrides : {};
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

/** What setup's steps share: the cell and its run, the state they write, and what earlier steps made. */
type SetupContext = {
  run: string;
  plan: Plan;
  cell: Cell;
  opts: RunOptions;
  hooks: CellHooks;
  state: CellState;
  save: () => void;
  /** The detail of the current step, for the run's progress display. */
  progress: (s: string) => void;
  log: (l: string) => void;
  sources: Sources;
  /** The components the cell installs itself, in the catalog's order. */
  ids: ComponentId[];
  builds: Partial<Record<ComponentId, Built>>;
  /** An upgrade cell's first versions, where they differ from the cell's. */
  previous: Partial<Record<ComponentId, Built>>;
};

/** What teardown's undos share. `clean`: the stack came off cleanly, so the cluster may go back to the pool. */
type TeardownContext = { run: string; cell: Cell; opts: RunOptions; state: CellState & { cluster: {} }; notes: string[]; clean: boolean };

/**
 * One step of a cell's setup. The runner (setupCell) gives each its progress line and its time in
 * its phase, and records it in the state once done; teardown runs the `undo` of every step done, in
 * reverse (from the state, in another process: so an undo reads only the state).
 */
type Step = { name: string; phase: 'build' | 'install' | 'provision'; run: (c: SetupContext) => Promise<void>; undo?: (c: TeardownContext) => Promise<void> };

const steps: Step[] = [
  {
    name: 'check',
    phase: 'install',
    run: async ({ cell }) => {
      const why = blockedAhead(cell);
      if (why) throw new Error(why);
    },
  },
  {
    name: 'build',
    phase: 'build',
    run: async (c) => {
      c.builds = await buildAll(c.cell, c.cell.versions, c.ids, c.progress, c.sources);
      const from = c.cell.upgradeFrom;
      if (from) c.previous = await buildAll(c.cell, from, c.ids.filter((id) => from[id] && from[id] !== c.cell.versions[id]), c.progress, c.sources);
    },
  },
  {
    // The cell's clients (the era marks them `client`), installed by their catalog source's kind:
    // on the host, and on a provider that loads images, made into the image the suites run them in.
    name: 'clients',
    phase: 'build',
    run: async (c) => {
      for (const id of clientsOf(c.cell)) {
        const version = c.cell.versions[id]!;
        const kind = component(loadCatalog(), id).source.kind;
        if (kind !== 'pypi') throw new Error(`${id}: no client installer for source kind ${kind}`);
        c.progress(`install ${id} ${version} (PyPI)`);
        // A client no Python of this machine installs or imports (none its pins have wheels for, or
        // each breaks it) blocks the tests that use it, with the reason and the Python to get; the
        // rest of the stack is still tested. It says nothing of the stack, only of this machine.
        // On a provider that loads images the SDK's image installs its wheels on Debian's Python
        // (3.11), so there it stays on the host's python3; elsewhere the newest Python it runs on.
        const images = providerFor(c.plan.provider).images;
        c.state.sdk = await ensureSdk(version, { log: c.log, ...(images ? { python: 'python3' } : {}) }).catch((e: Error) => {
          if (!(e instanceof NoPython) && !/does not (install|import) on Python/.test(e.message)) throw e;
          c.state.sdkError = e.message;
          c.log(`${id} ${version}: ${e.message}`);
          return undefined;
        });
        if (images && c.state.sdk) {
          c.progress(`make the image of ${id} ${c.state.sdk.version}`);
          await images.client(c.state.sdk, c.log);
        }
      }
    },
  },
  {
    // Real pods run real images: on a provider that loads them (kind), the suites' images are made here.
    name: 'images',
    phase: 'build',
    run: async (c) => {
      const images = providerFor(c.plan.provider).images;
      for (const image of images ? (c.hooks.images ?? []) : []) {
        c.progress(`make image ${image}`);
        await images!.workload(image, c.log);
      }
    },
  },
  {
    name: 'cluster',
    phase: 'provision',
    run: async (c) => {
      c.state.cluster = await acquireCluster(c.run, c.plan, c.cell, c.opts, c.progress, c.log);
    },
    undo: async ({ run, cell, opts, state, notes, clean }) => {
      const provider = providerFor(state.cluster.provider);
      if ((cellFailed(run, cell.id) || !!state.error) && opts.keepOnFailure) {
        // Kept for a person to look at: no owner, so neither the janitor nor the run's end removes it.
        const s = readState(state.cluster.name);
        if (s) saveState({ ...s, owner: undefined, ownerStart: undefined });
        notes.push(`kept cluster ${state.cluster.name} (kubeconfig ${state.cluster.kubeconfig}); remove it with: npx codeflare-matrix cluster down ${state.cluster.name}`);
        return;
      }
      const { reused: _r, poolKey: key, ...cluster } = state.cluster;
      if (clean) give(run, key, cluster);
      else await provider.destroy(state.cluster.name);
    },
  },
  {
    name: 'install',
    phase: 'install',
    run: async (c) => {
      const { cell, state } = c;
      const waited = (ms: number) => (state.phases.ready = (state.phases.ready ?? 0) + ms);
      const ctx = { ...installContext(state.cluster!, c.log, seconds(c.plan.run.timeouts.install) * 1000, c.sources), chosen: chosenBy(cell), waited };
      if (!cell.upgradeFrom) {
        c.progress(`install ${c.ids.map((id) => `${id} ${cell.versions[id]}`).join(', ')}`);
        state.installed = await installStack(ctx, c.builds);
        return;
      }
      c.progress('install the previous stack');
      state.installed = await installStack(ctx, { ...c.builds, ...c.previous });
      c.save();
      state.preUpgrade = await c.hooks.beforeUpgrade?.(state.cluster!, cell.upgradeFrom);
      c.save();
      for (const id of Object.keys(c.previous) as ComponentId[]) {
        c.progress(`upgrade ${id} ${cell.upgradeFrom[id]} → ${cell.versions[id]}`);
        const i = state.installed.findIndex((x) => x.component === id);
        state.installed[i] = await upgradeProcess(ctx, state.installed[i]!, c.builds[id]!);
        c.save();
      }
    },
    // Only to give the cluster to the next cell: otherwise it goes whole.
    undo: async (c) => {
      if (!c.opts.reuseClusters || c.state.error || (c.opts.keepOnFailure && cellFailed(c.run, c.cell.id))) return;
      try {
        await uninstallStack(installContext(c.state.cluster, () => {}), c.state.installed);
        if (c.state.preUpgrade) await clients(c.state.cluster.kubeconfig).core.deleteNamespace({ name: c.state.preUpgrade.namespace });
        c.clean = true;
      } catch (e) {
        c.notes.push(`uninstall failed, destroying the cluster instead: ${(e as Error).message.split('\n')[0]}`);
      }
    },
  },
  {
    name: 'load images',
    phase: 'install',
    run: async (c) => {
      for (const image of providerFor(c.plan.provider).images ? (c.hooks.images ?? []) : []) {
        c.progress(`load image ${image}`);
        await providerFor(c.plan.provider).loadImage(c.state.cluster!.name, image);
      }
    },
  },
  {
    name: 'server version',
    phase: 'install',
    run: async ({ state }) => {
      state.serverVersion = (await clients(state.cluster!.kubeconfig).version.getCode()).gitVersion;
    },
  },
];

/** Runs the cell's setup steps in order; the state on disk says, after each, what is done. */
export async function setupCell(run: string, plan: Plan, cell: Cell, opts: RunOptions, hooks: CellHooks = {}): Promise<CellState> {
  const state: CellState = readCellState(run, cell.id) ?? { cell: cell.id, installed: [], phases: {}, done: [] };
  const save = () => saveCellState(run, state);
  const c: SetupContext = {
    run, plan, cell, opts, hooks, state, save,
    progress: (s) => setStep(run, cell.id, s),
    log: (line) => console.log(`[${cell.id}] ${line}`),
    sources: plan.sources ?? {},
    ids: installedComponents(cell),
    builds: {},
    previous: {},
  };
  try {
    for (const step of steps) {
      c.progress(step.name);
      const t0 = Date.now();
      await step.run(c);
      state.phases[step.phase] = (state.phases[step.phase] ?? 0) + elapsed(t0);
      state.done = [...(state.done ?? []), step.name];
      save();
    }
    c.progress('suites');
    return state;
  } catch (e) {
    // One line, with the first line of what followed it (an "exited at start" says why on the next).
    const [head, ...rest] = (e as Error).message.split('\n');
    const why = rest.map((l) => l.trim()).find(Boolean);
    state.error = why ? `${head} ${why}` : head;
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
    { name, kubernetes, owner: opts.owner, ...(plan.run.nodes ? { nodes: plan.run.nodes } : {}), ...(plan.run.context ? { context: plan.run.context } : {}) },
    log,
  );
  return { ...cluster, reused: false, poolKey: key };
}

/**
 * Teardown tolerates a half-built cell: what the cell made is collected first (logs, what the pod
 * players ran), then every step setup finished is undone, last first. A cluster whose stack
 * uninstalled cleanly goes back to the pool (with --reuse-clusters); a failed cell's cluster stays
 * with --keep-on-failure; anything else is destroyed.
 */
export async function teardownCell(run: string, cell: Cell, opts: RunOptions): Promise<string[]> {
  const state = readCellState(run, cell.id);
  const notes: string[] = [];
  if (!state?.cluster) return notes;
  const t0 = Date.now();
  setStep(run, cell.id, 'teardown');
  await collect(run, cell, state as TeardownContext['state'], notes);
  // A cell whose cluster was made before steps were recorded (an older run folder) undoes the cluster.
  const done = state.done ?? ['cluster'];
  const c: TeardownContext = { run, cell, opts, state: state as TeardownContext['state'], notes, clean: false };
  for (const step of [...steps].reverse()) if (step.undo && done.includes(step.name)) await step.undo(c);
  state.phases.teardown = Date.now() - t0;
  state.notes = notes;
  saveCellState(run, state);
  setStep(run, cell.id, 'done');
  return notes;
}

/** The cell's logs into its folder, and what its pod players ran (its provenance goes into the results), before anything goes. */
async function collect(run: string, cell: Cell, state: TeardownContext['state'], notes: string[]): Promise<void> {
  const logs = join(cellDir(run, cell.id), 'logs');
  mkdirSync(logs, { recursive: true });
  await providerFor(state.cluster.provider).exportLogs(state.cluster.name, join(logs, 'cluster')).catch((e) => notes.push(`logs of ${state.cluster.name}: ${(e as Error).message}`));
  for (const i of state.installed) if (i.process && existsSync(i.process.log)) copyFileSync(i.process.log, join(logs, `${i.component}-${basename(i.process.log)}`));
  state.played = state.installed.flatMap((i) => (i.player ? readPlayed(i.player) : []));
  for (const p of state.played) if (p.log && existsSync(p.log)) copyFileSync(p.log, join(logs, `played-${p.deployment.replace('/', '-')}-${basename(p.log)}`));
  for (const i of state.installed) if (i.player && existsSync(i.player.log)) copyFileSync(i.player.log, join(logs, `${i.component}-player.log`));
  saveCellState(run, state);
}
