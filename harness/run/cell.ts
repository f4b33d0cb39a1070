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
import { clientTools, withTools } from '../components/tools.js';
import { resolveSource } from '../components/source.js';
import type { Sources } from '../../matrix/config.js';
import { installStack, noteDrops, uninstallStack, upgradeComponent, type InstallContext } from '../components/install/index.js';
import { readPlayed } from '../components/install/player.js';
import type { Built } from '../components/types.js';
import { providerFor } from '../providers/index.js';
import type { Cluster, Provider } from '../providers/provider.js';
import { readState, saveState } from '../providers/state.js';
import { kubectlFor } from '../toolchain/index.js';
import { clients } from '../kube.js';
import { cellDir, cellFailed, readCellState, saveCellState, setStep, type CellState, type RunOptions } from './layout.js';
import { give, poolKey, take } from './pool.js';

/** Components the cell installs itself (standalone in its era); the others come with the operator or are clients. */
export function installedComponents(cell: Cell, catalog: Catalog = loadCatalog()): ComponentId[] {
  const era = catalog.eras.find((e) => e.id === cell.era)!;
  return (Object.keys(cell.versions) as ComponentId[]).filter((id) => era.install[id] === 'standalone');
}

/** The cell's clients: what its era marks `client` (run by the suites, not installed in the cluster). */
function clientsOf(catalog: Catalog, cell: Cell): ComponentId[] {
  const era = catalog.eras.find((e) => e.id === cell.era)!;
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

type Builds = Partial<Record<ComponentId, Built>>;

async function buildAll(g: Given, versions: Versions, ids: ComponentId[]): Promise<Builds> {
  const out: Builds = {};
  const overrides = await embeddedOverrides(g.catalog, g.cell, versions, g.sources);
  for (const id of ids) {
    // what an era marks embedded-in-operator is compiled into the operator's build (the catalog's `role: operator`)
    const ov = component(g.catalog, id).role === 'operator' ? overrides : {};
    g.progress(`build ${id} ${versions[id]}${Object.keys(ov).length ? ` with ${Object.entries(ov).map(([m, v]) => `${m.split('/').pop()}@${v}`).join(', ')}` : ''}`);
    out[id] = await buildComponent(await resolveSource(id, versions[id]!, g.sources), { sources: g.sources, overrides: ov });
  }
  return out;
}

const elapsed = (t0: number) => Date.now() - t0;

/**
 * What the suites bring to a cell's setup (fixtures/cell.setup.ts passes them): the engine knows no
 * test objects. `beforeUpgrade` makes what an upgrade cell's stack must keep; `images`, what the
 * suites' pods run, made where the provider loads images.
 */
export type CellHooks = { beforeUpgrade?: (cluster: Cluster, from: Versions) => Promise<CellState['preUpgrade']>; images?: string[]; /** of those, the ones the stack's code pulls with Always */ pulledAlways?: readonly string[]; workers?: { workers: number; why: string[] } };

/** What every setup step is given: the cell and its run, resolved once by the runner. */
type Given = {
  run: string;
  plan: Plan;
  cell: Cell;
  opts: RunOptions;
  hooks: CellHooks;
  catalog: Catalog;
  provider: Provider;
  sources: Sources;
  /** The components the cell installs itself, in the catalog's order. */
  ids: ComponentId[];
  /** The detail of the current step, for the run's progress display. */
  progress: (s: string) => void;
  log: (l: string) => void;
  /** Counts time the install waited for readiness (the phase `ready`, within `install`). */
  waited: (ms: number) => void;
  /** Records part of what the step has made so far, before it returns: a teardown after a failure later in the step undoes it. */
  keep: (made: Partial<Saved>) => void;
};

/** What steps make that teardown reads (in another process): written to the cell's state. */
type Saved = Required<Pick<CellState, 'cluster' | 'installed' | 'preUpgrade' | 'sdk' | 'sdkError' | 'serverVersion'>>;
/** What steps make, by name: the saved part, and the builds, which live only in setup's process. */
type Made = Saved & {
  builds: Builds;
  /** An upgrade cell's first versions, where they differ from the cell's. */
  previous: Builds;
};
const inProcess: readonly (keyof Made)[] = ['builds', 'previous'];

/** What teardown's undos are given: the saved state only. `clean`: the stack came off cleanly, so the cluster may go back to the pool. */
type TeardownContext = { run: string; cell: Cell; opts: RunOptions; provider: Provider; state: CellState & { cluster: {} }; notes: string[]; clean: boolean };

/**
 * One step of a cell's setup: it reads what earlier steps made (`reads`, handed to it by the
 * runner, checked present) and returns what it makes, which the runner records under its key.
 * The runner (setupCell) gives each its progress line and its time in its phase, and records it in
 * the state once done; teardown runs the `undo` of every step done, in reverse, in another
 * process: so an undo reads only the saved state. A step has an undo where it leaves something of
 * the cell's own; what it adds to a cache shared by cells (builds, SDKs, images) stays.
 */
type Step<R extends keyof Made = keyof Made> = {
  name: string;
  phase: 'build' | 'install' | 'provision';
  reads: readonly R[];
  run: (g: Given, got: Pick<Made, R>) => Promise<Partial<Made> | void>;
  undo?: (c: TeardownContext) => Promise<void>;
};
/** Each step is typed by what it reads; the list holds them as one type. */
const step = <R extends keyof Made>(s: Step<R>): Step => s as unknown as Step;

const steps: Step[] = [
  step({
    name: 'check',
    phase: 'install',
    reads: [],
    run: async ({ cell }) => {
      const why = blockedAhead(cell);
      if (why) throw new Error(why);
    },
  }),
  step({
    name: 'build',
    phase: 'build',
    reads: [],
    run: async (g) => {
      const builds = await buildAll(g, g.cell.versions, g.ids);
      const from = g.cell.upgradeFrom;
      const previous = from ? await buildAll(g, from, g.ids.filter((id) => from[id] && from[id] !== g.cell.versions[id])) : {};
      return { builds, previous };
    },
  }),
  step({
    // The cell's clients (the era marks them `client`), installed by their catalog source's kind:
    // on the host, and on a provider that loads images, made into the image the suites run them in.
    name: 'clients',
    phase: 'build',
    reads: [],
    run: async (g) => {
      const made: Partial<Pick<Made, 'sdk' | 'sdkError'>> = {};
      for (const id of clientsOf(g.catalog, g.cell)) {
        const version = g.cell.versions[id]!;
        const kind = component(g.catalog, id).source.kind;
        if (kind !== 'pypi') throw new Error(`${id}: no client installer for source kind ${kind}`);
        g.progress(`install ${id} ${version}${/^v?\d/.test(version) ? ' (PyPI)' : ' (built from its tree)'}`);
        // A client no Python of this machine installs or imports (none its pins have wheels for, or
        // each breaks it) blocks the tests that use it, with the reason and the Python to get; the
        // rest of the stack is still tested. It says nothing of the stack, only of this machine.
        // On a provider that loads images the SDK's image is Debian's, so there it takes the host's
        // python3 (Debian's 3.11) where the SDK runs on it, else the newest other Python it runs on
        // (copied into its image); elsewhere the newest Python it runs on.
        const images = g.provider.images;
        const unfit = (e: Error) => e instanceof NoPython || /does not (install|import) on Python/.test(e.message);
        const on = (python?: string) => ensureSdk(version, { log: g.log, sources: g.sources, ...(python ? { python } : {}) });
        let installed = on(images ? 'python3' : undefined);
        if (images) installed = installed.catch((e: Error) => (unfit(e) ? on() : Promise.reject(e)));
        made.sdk = await installed.catch((e: Error) => {
          if (!unfit(e)) throw e;
          made.sdkError = e.message;
          g.log(`${id} ${version}: ${e.message}`);
          return undefined;
        });
        if (made.sdk) {
          // The tools this release drives, as they run beside the cell's cluster: a stand-in is recorded as one.
          const tools = await clientTools(id, made.sdk.version, g.cell.versions.kubernetes!, { inContainer: !!images });
          made.sdk = { ...made.sdk, tools, provenance: withTools(made.sdk.provenance, tools) };
        }
        if (images && made.sdk) {
          g.progress(`make the image of ${id} ${made.sdk.version}`);
          await images.client(made.sdk, g.log);
        }
      }
      return made;
    },
  }),
  step({
    // Real pods run real images: on a provider that loads them (kind), the suites' images are made here.
    name: 'images',
    phase: 'build',
    reads: [],
    run: async (g) => {
      const images = g.provider.images;
      for (const image of images ? (g.hooks.images ?? []) : []) {
        g.progress(`make image ${image}`);
        await images!.workload(image, g.log);
      }
    },
  }),
  step({
    name: 'cluster',
    phase: 'provision',
    reads: [],
    run: async (g) => ({ cluster: await acquireCluster(g) }),
    undo: async ({ run, cell, opts, provider, state, notes, clean }) => {
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
  }),
  step({
    name: 'install',
    phase: 'install',
    reads: ['cluster', 'builds', 'previous'],
    run: async (g, { cluster, builds, previous }) => {
      const { cell } = g;
      const ctx = { ...installContext(cluster, g.log, seconds(g.plan.run.timeouts.install) * 1000, g.sources), chosen: chosenBy(cell), waited: g.waited };
      if (!cell.upgradeFrom) {
        g.progress(`install ${g.ids.map((id) => `${id} ${cell.versions[id]}`).join(', ')}`);
        return { installed: await installStack(ctx, builds) };
      }
      g.progress('install the previous stack');
      const installed = await installStack(ctx, { ...builds, ...previous });
      g.keep({ installed });
      const preUpgrade = await g.hooks.beforeUpgrade?.(cluster, cell.upgradeFrom);
      g.keep({ preUpgrade });
      for (const id of Object.keys(previous) as ComponentId[]) {
        g.progress(`upgrade ${id} ${cell.upgradeFrom[id]} → ${cell.versions[id]}`);
        const i = installed.findIndex((x) => x.component === id);
        installed[i] = await upgradeComponent(ctx, installed[i]!, builds[id]!);
        g.keep({ installed });
      }
      await noteDrops(ctx, installed);
      g.keep({ installed });
      return { installed, preUpgrade };
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
  }),
  step({
    // Loaded into the cluster's nodes: they go with the cluster.
    name: 'load images',
    phase: 'install',
    reads: ['cluster'],
    run: async (g, { cluster }) => {
      for (const image of g.provider.images ? (g.hooks.images ?? []) : []) {
        g.progress(`load image ${image}`);
        await g.provider.loadImage(cluster.name, image, g.hooks.pulledAlways?.includes(image) ? 'Always' : undefined);
      }
    },
  }),
  step({
    name: 'server version',
    phase: 'install',
    reads: ['cluster'],
    run: async (_g, { cluster }) => ({ serverVersion: (await clients(cluster.kubeconfig).version.getCode()).gitVersion }),
  }),
];

/** Runs the cell's setup steps in order; the state on disk says, after each, what is done. */
export async function setupCell(run: string, plan: Plan, cell: Cell, opts: RunOptions, hooks: CellHooks = {}): Promise<CellState> {
  const state: CellState = readCellState(run, cell.id) ?? { cell: cell.id, installed: [], phases: {}, done: [] };
  const made: Partial<Made> = {};
  const record = (out: Partial<Made>) => {
    for (const [k, v] of Object.entries(out) as [keyof Made, never][]) {
      made[k] = v;
      if (!inProcess.includes(k)) (state as Record<string, unknown>)[k] = v;
    }
    saveCellState(run, state);
  };
  const catalog = loadCatalog();
  const g: Given = {
    run, plan, cell, opts, hooks, catalog,
    provider: providerFor(plan.provider),
    sources: plan.sources ?? {},
    ids: installedComponents(cell, catalog),
    progress: (s) => setStep(run, cell.id, s),
    log: (line) => console.log(`[${cell.id}] ${line}`),
    waited: (ms) => (state.phases.ready = (state.phases.ready ?? 0) + ms),
    keep: record,
  };
  try {
    for (const s of steps) {
      g.progress(s.name);
      const t0 = Date.now();
      const missing = s.reads.filter((k) => made[k] === undefined);
      if (missing.length) throw new Error(`setup step ${s.name} reads ${missing.join(', ')}, which no step before it made`);
      const out = await s.run(g, made as Made);
      state.phases[s.phase] = (state.phases[s.phase] ?? 0) + elapsed(t0);
      state.done = [...(state.done ?? []), s.name];
      record(out ?? {});
    }
    g.progress('suites');
    return state;
  } catch (e) {
    // One line, with the first line of what followed it (an "exited at start" says why on the next).
    const [head, ...rest] = (e as Error).message.split('\n');
    const why = rest.map((l) => l.trim()).find(Boolean);
    state.error = why ? `${head} ${why}` : head;
    saveCellState(run, state);
    throw e;
  }
}

function installContext(cluster: Cluster, log: (l: string) => void, timeoutMs?: number, sources: Sources = {}): InstallContext {
  return { cluster, kubectl: kubectlFor(cluster.kubernetes), log, sources, ...(timeoutMs ? { timeoutMs } : {}) };
}

async function acquireCluster({ run, plan, cell, opts, provider, progress, log, hooks }: Given): Promise<Saved['cluster']> {
  const kubernetes = cell.versions.kubernetes!;
  // the shape the selected suites' own clusters have, where the provider gives nodes
  const workers = provider.workers ? (hooks.workers?.workers ?? 0) : 0;
  const key = poolKey(plan.provider, kubernetes, cell.era) + (workers ? `-w${workers}` : '');
  if (opts.reuseClusters) {
    for (let c = take(run, key, cell.id); c; c = take(run, key, cell.id)) {
      const healthy = (await provider.list()).find((s) => s.name === c!.name)?.healthy;
      if (healthy) {
        progress(`reuse cluster ${c.name}`);
        return { ...c, reused: true, poolKey: key };
      }
      log(`cluster ${c.name} from the pool is not healthy: destroying it`);
      await provider.destroy(c.name);
    }
  }
  const name = `cm-${cell.id.slice(-8)}-${Date.now().toString(36).slice(-5)}`;
  progress(`provision ${plan.provider} cluster ${name} (Kubernetes ${kubernetes}${workers ? `, ${workers} workers: ${hooks.workers!.why.join('; ')}` : ''})`);
  const cluster = await provider.create(
    { name, kubernetes, owner: opts.owner, ...(plan.run.nodes ? { nodes: plan.run.nodes } : {}), ...(plan.run.context ? { context: plan.run.context } : {}), ...(workers ? { workers } : {}) },
    log,
  );
  return { ...cluster, reused: false, poolKey: key, ...(workers ? { workers, workersWhy: hooks.workers!.why } : {}) };
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
  const provider = providerFor(state.cluster.provider);
  await collect(run, cell, provider, state as TeardownContext['state'], notes);
  // A cell whose cluster was made before steps were recorded (an older run folder) undoes the cluster.
  const done = state.done ?? ['cluster'];
  const c: TeardownContext = { run, cell, opts, provider, state: state as TeardownContext['state'], notes, clean: false };
  for (const s of [...steps].reverse()) if (s.undo && done.includes(s.name)) await s.undo(c);
  state.phases.teardown = Date.now() - t0;
  state.notes = notes;
  saveCellState(run, state);
  setStep(run, cell.id, 'done');
  return notes;
}

/** The cell's logs into its folder, and what its pod players ran (its provenance goes into the results), before anything goes. */
async function collect(run: string, cell: Cell, provider: Provider, state: TeardownContext['state'], notes: string[]): Promise<void> {
  const logs = join(cellDir(run, cell.id), 'logs');
  mkdirSync(logs, { recursive: true });
  await provider.exportLogs(state.cluster.name, join(logs, 'cluster')).catch((e) => notes.push(`logs of ${state.cluster.name}: ${(e as Error).message}`));
  for (const i of state.installed) if (i.process && existsSync(i.process.log)) copyFileSync(i.process.log, join(logs, `${i.component}-${basename(i.process.log)}`));
  state.played = state.installed.flatMap((i) => (i.player ? readPlayed(i.player) : []));
  for (const p of state.played) if (p.log && existsSync(p.log)) copyFileSync(p.log, join(logs, `played-${p.deployment.replace('/', '-')}-${basename(p.log)}`));
  for (const i of state.installed) if (i.player && existsSync(i.player.log)) copyFileSync(i.player.log, join(logs, `${i.component}-player.log`));
  saveCellState(run, state);
}
