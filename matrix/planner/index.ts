// The planner: a config and the catalog in, a deterministic list of cells out (plan.json).
// Strategies only propose combinations; completing a combination into a cell (its era, the
// versions the era fixes, the constraints it breaks) is done once, here.
import type { Catalog, ComponentId } from '../catalog/index.js';
import { component, normalizeDeclared } from '../catalog/index.js';
import { type Cell, type Origin, type Versions, type Violation, blockedAhead, eraOf, makeCell, cellTitle } from '../cell.js';
import { UNDER_TEST_SUITE, type LoadedConfig, type MatrixConfig, type Sources } from '../config.js';
import { needs, violations } from '../constraints.js';
import { isFloating, lastRelease, resolveSelector, tags, type Selector } from '../versions.js';
import { UserError } from '../../lib/errors.js';
import { isCell, type Axes, type Exclusion, type Proposal } from './proposal.js';
import { strategies } from './strategies.js';

export { isCell, type Axes, type Exclusion, type Proposal, type StrategyInput, type StrategyOutput } from './proposal.js';

export const PLAN_SCHEMA = 1;
/** Excluded combinations kept as examples per rule. */
const EXAMPLES = 50;

export type Plan = {
  schema: typeof PLAN_SCHEMA;
  name: string;
  config: { path: string; hash: string };
  strategy: MatrixConfig['strategy'];
  provider: MatrixConfig['provider'];
  cells: Cell[];
  /**
   * The stacks cells are judged against that are not cells of the plan (Cell.baseline): not rows of
   * the matrix; a run runs one only with the tests that failed in the cells it is the baseline of.
   */
  baselines: Cell[];
  /** Excluded combinations: the first few of each rule (a whole-catalog product excludes millions). */
  excluded: Exclusion[];
  /** How many combinations each rule excluded. */
  excludedCount: Record<string, number>;
  /** pairwise: value pairs no valid cell can hold (each with the reason). */
  uncoverable: string[];
  run: Pick<MatrixConfig, 'suites' | 'retries' | 'parallelism' | 'timeouts' | 'nodes' | 'workers' | 'context'> & {
    /** run --repeat N: each test N times. */
    repeat?: number;
    /** run --rerun-failed: per cell, only these tests (titles as results.json has them); a cell not named runs whole. */
    only?: Record<string, string[]>;
  };
  /** Git repositories the run takes components from (the config's over the user-level file's). */
  sources: Sources;
};

/** Resolves every axis of the config to concrete versions (tags or floating references). */
export function resolveAxes(config: MatrixConfig, catalog: Catalog): Axes {
  const axes: Axes = {};
  const one = (id: ComponentId, spec: Selector | Selector[], where: string) => {
    const list = Array.isArray(spec) ? spec : [spec];
    axes[id] = [...new Set(list.flatMap((s, i) => resolveSelector(catalog, id, s, Array.isArray(spec) ? `${where}[${i}]` : where)))];
  };
  one('kubernetes', config.kubernetes, 'kubernetes');
  for (const [id, spec] of Object.entries(config.components)) one(id as ComponentId, spec!, `components.${id}`);
  return axes;
}

/**
 * Completes a combination into a cell: finds its era, drops components the era does not have,
 * fills the ones the operator fixes (bundles) or its published row pairs with it, and checks
 * the constraints. Returns an Exclusion (with reasons) when it cannot be a valid cell.
 */
export function completer(catalog: Catalog, axisIds: string[] = [], sources: Sources = {}) {
  const published = (op: string | undefined) => catalog.published.find((r) => r.operator === op);
  return (p: Proposal, partial = false): Cell | Exclusion => {
    const era = eraOf(catalog, p.versions);
    const title = cellTitle(era?.id ?? '?', p.versions, p.upgradeFrom);
    if (!era) {
      // A partial combination whose era is not known yet (no operator chosen so far) can still become one.
      const eraComing = !p.versions['codeflare-operator'] && (axisIds.includes('codeflare-operator') || !p.versions['codeflare-sdk']);
      if (partial && eraComing) {
        return { title, versions: p.versions, reasons: violations(catalog, p.versions, { partial }) };
      }
      const op = p.versions['codeflare-operator'];
      const reason = op
        ? `operator ${op} belongs to no era of the catalog`
        : 'without an operator only era E applies, which needs codeflare-sdk >= 0.35';
      return { title, versions: p.versions, reasons: [{ id: 'no-era', reason }] };
    }
    const versions: Versions = {};
    const origin: Partial<Record<ComponentId, Origin>> = {};
    const missing: Violation[] = [];
    const op = p.versions['codeflare-operator'];
    const bundles = component(catalog, 'codeflare-operator').versions.find((v) => v.tag === op)?.bundles ?? {};
    for (const id of ['kubernetes', ...era.components] as ComponentId[]) {
      const given = p.versions[id];
      const derived = bundles[id] ? ([bundles[id], 'bundled'] as const) : published(op)?.declared[id] ? ([normalizeDeclared(published(op)!.declared[id]!), 'paired'] as const) : undefined;
      if (given) {
        versions[id] = given;
        origin[id] = p.origin?.[id] ?? 'axis';
      } else if (derived && !(partial && axisIds.includes(id))) {
        // In a partial check a derived version is filled only where no axis will set it later.
        // (The pairwise oracle must be exact on complete rows.)
        versions[id] = derived[0];
        origin[id] = derived[1];
      } else if (!partial) {
        missing.push({ id: 'missing-component', reason: `era ${era.id} needs ${id}: add an axis components.${id}` });
      }
    }
    for (const id of era.optional) {
      if (p.versions[id]) (versions[id] = p.versions[id]), (origin[id] = p.origin?.[id] ?? 'axis');
    }
    for (const [id, v] of Object.entries(p.versions) as [ComponentId, string][]) {
      if (!['kubernetes', ...era.components, ...era.optional].includes(id)) {
        // A published row may still name components its era no longer has (stale rows).
        if (p.keepViolations) missing.push({ id: 'not-in-era', reason: `${id} ${v} is named, but era ${era.id} has no ${id}` });
      } else if (!isFloating(v) && !tags(catalog, id).includes(v)) {
        missing.push({ id: 'unknown-version', reason: `${id} ${v} is not a release the catalog knows` });
      }
    }
    const overridden = (Object.keys(origin) as ComponentId[]).filter((id) => origin[id] === 'under-test' || origin[id] === 'chain-dev');
    const broken = [...missing, ...violations(catalog, versions, { partial, overridden })];
    if (broken.length > 0 && !p.keepViolations) return { title: cellTitle(era.id, versions, p.upgradeFrom), versions, reasons: broken };
    // What the registries here refuse comes from the component's git source, where one is named.
    const unavailable = (Object.entries(versions) as [ComponentId, string][]).flatMap(([id, v]) => {
      const refused = v === 'dev' ? goBranchRefused(catalog, id) : catalog.availability?.versions.find((x) => x.component === id && x.tag === v && x.status === 'missing')?.detail;
      // a PyPI component's dev is built from its git source's tree, as a Go component's
      if (!refused || sources[id]) return [];
      if (component(catalog, id).source.kind === 'pypi') return [`${id} ${v}: ${refused}; fix: pin it (components.${id}: a release), or name a git repository of ${component(catalog, id).repo} under sources: to build it from`];
      return [`${id} ${v}: ${refused}; fix: name a git repository of ${component(catalog, id).repo} under sources: (~/.config/codeflare-matrix/sources.yaml or the config)`];
    });
    // An upgrade's starting stack: what the proposal names, the earlier operator's own bundles, else the cell's.
    const fromOp = p.upgradeFrom?.['codeflare-operator'];
    const fromBundles = fromOp && fromOp !== op ? (component(catalog, 'codeflare-operator').versions.find((v) => v.tag === fromOp)?.bundles ?? {}) : {};
    const upgradeFrom = p.upgradeFrom && (Object.fromEntries(Object.keys(versions).map((id) => [id, p.upgradeFrom![id as ComponentId] ?? fromBundles[id as ComponentId] ?? versions[id as ComponentId]])) as Versions);
    return makeCell(era, versions, origin, { upgradeFrom, needs: needs(catalog, versions), violations: broken, unavailable, ...(p.notes?.length ? { notes: p.notes } : {}) });
  };
}

/** The proxy here answers no branch query (`dev`) of a Go component (recorded beside availability). */
function goBranchRefused(catalog: Catalog, id: ComponentId): string | undefined {
  const c = component(catalog, id);
  if (c.source.kind === 'pypi') return `PyPI publishes releases only, no ${id} dev`;
  return c.source.kind === 'go' && catalog.availability?.branches === 'refused' ? `the Go module proxy answers no branch query (${c.source.branch})` : undefined;
}

/**
 * The config's suites with `upstream:under-test` made the own e2e suite of the chain's component
 * under test (catalog data: upstream.yaml), so one PR config serves every component. A component
 * the catalog has no suite of runs the rest, and its cells say so.
 */
function runSuites(config: MatrixConfig, catalog: Catalog): { suites: string[]; note?: string } {
  if (!config.suites.includes(UNDER_TEST_SUITE)) return { suites: config.suites };
  const under = config.strategy === 'chain' ? config.chain?.component : undefined;
  if (!under) throw new UserError(`suite "${UNDER_TEST_SUITE}" names the component under test, which only the chain strategy has`, 'suites', 'use strategy: chain with chain: {component, ref}, pass --chain COMPONENT=PATH, or name upstream:<component>');
  const rest = config.suites.filter((s) => s !== UNDER_TEST_SUITE);
  if (!catalog.upstream.some((u) => u.component === under)) {
    if (!rest.length) throw new UserError(`the catalog has no e2e suite of ${under}, the component under test, and the config selects no other suite`, 'suites', 'add suites of ours ("*") beside upstream:under-test');
    return { suites: rest, note: `the catalog has no e2e suite of ${under} (upstream.yaml): its own suite is not run` };
  }
  // in its place, so a selector's error still names its entry of the config
  return { suites: config.suites.map((s) => (s === UNDER_TEST_SUITE ? `upstream:${under}` : s)) };
}

const list = (v: Versions) => (Object.entries(v) as [ComponentId, string][]).map(([id, x]) => `${id} ${x}`).join(', ');

/**
 * A cell's baseline: the config's versions for the components it names (baseline: {kuberay: v1.1.0});
 * else the strategy's (release, published: the row before, or the nearest earlier one that can run
 * here); else the same cell with each component under test (chain), or at a floating version (a `dev`
 * axis, a ref, a checkout), at its last release. None where nothing in the cell is under test.
 */
function baselineOf(config: MatrixConfig, catalog: Catalog, complete: (p: Proposal) => Cell | Exclusion, cell: Cell, p: Proposal): { cell?: Cell; why: string } | undefined {
  const made = (b: Cell | Exclusion, why: string) => (!isCell(b) ? { why: `none: ${why} makes no valid stack (${b.reasons.map((r) => r.reason).join('; ')})` } : b.id === cell.id ? undefined : { cell: b, why });
  const given: Versions | undefined = typeof config.baseline === 'object' ? config.baseline : undefined;
  const named = (Object.keys(given ?? {}) as ComponentId[]).filter((id) => cell.versions[id]);
  if (named.length) {
    const v: Versions = Object.fromEntries(named.map((id) => [id, resolveSelector(catalog, id, given![id]!, `baseline.${id}`).at(-1)!]));
    return made(complete({ ...p, versions: { ...p.versions, ...v }, ...(p.upgradeFrom ? { upgradeFrom: { ...p.upgradeFrom, ...v } } : {}), baseline: undefined }), `the config's baseline (${list(v)})`);
  }
  if (p.baseline) {
    const skipped: string[] = [];
    for (let q: Proposal['baseline'] = p.baseline; q; q = q.proposal.baseline) {
      const b = complete(q.proposal);
      if (isCell(b) && !blockedAhead(b)) return { cell: b, why: `${q.why}${skipped.length ? `; ${skipped.join(' and ')} ${skipped.length === 1 ? 'is' : 'are'} blocked ahead` : ''}` };
      skipped.push(`operator ${q.proposal.versions['codeflare-operator']}`);
    }
    return { why: `none: ${p.baseline.why} and every row before it are blocked ahead` };
  }
  const moved = (Object.keys(cell.versions) as ComponentId[]).filter((id) => (config.strategy === 'chain' ? cell.origin[id] === 'under-test' : isFloating(cell.versions[id]!)));
  const v: Versions = Object.fromEntries(moved.flatMap((id) => (lastRelease(catalog, id) ? [[id, lastRelease(catalog, id)!]] : [])));
  if (!Object.keys(v).length) return undefined;
  const versions: Versions = { ...p.versions, ...v };
  // The operator at its release comes with what that release compiles in, as it shipped.
  const op = v['codeflare-operator'];
  for (const id of Object.keys(op ? (component(catalog, 'codeflare-operator').versions.find((x) => x.tag === op)?.bundles ?? {}) : {}) as ComponentId[]) delete versions[id], delete v[id];
  const one = Object.keys(v).length === 1;
  const why = `${list(v)}: ${one ? 'its' : 'their'} last release${one ? '' : 's'}, the rest as here`;
  return made(complete({ ...p, versions, baseline: undefined }), why);
}

type Override = { strategy?: MatrixConfig['strategy']; sources?: Sources; maxCells?: number; chain?: MatrixConfig['chain'] };

/** Past the cell limit the planner goes on counting, to say how many, up to this many. */
const COUNTED = 100_000;

export function plan(loaded: LoadedConfig, catalog: Catalog, override: Override = {}): Plan {
  try {
    return planOf(loaded, catalog, override);
  } catch (e) {
    // A selector's error names its place in the config (components.kuberay[0]): say file:line.
    // (a chain given on the command line has no place in the file: the error names --chain)
    if (e instanceof UserError && override.chain && e.where?.startsWith('chain')) throw new UserError(e.message, '--chain', e.fix);
    const at = e instanceof UserError && e.where ? loaded.place?.(e.where) : undefined;
    if (at && e instanceof UserError) throw new UserError(`${e.where}: ${e.message}`, at, e.fix);
    throw e;
  }
}

function planOf(loaded: LoadedConfig, catalog: Catalog, override: Override): Plan {
  const config = { ...loaded.config, ...(override.strategy ? { strategy: override.strategy } : {}), ...(override.chain ? { strategy: 'chain' as const, chain: override.chain } : {}) };
  const axes = resolveAxes(config, catalog);
  const sources = override.sources ?? {};
  const complete = completer(catalog, Object.keys(axes), sources);
  const out = strategies[config.strategy]({ config, catalog, axes, complete, sources });
  const suites = runSuites(config, catalog);
  const cells = new Map<string, Cell>();
  const excluded = new Map<string, Exclusion>();
  const excludedCount: Record<string, number> = {};
  const included = config.include.map(({ from, ...versions }, i): Proposal => {
    const resolve = (vs: Versions, where: string): Versions =>
      Object.fromEntries((Object.entries(vs) as [ComponentId, string][]).map(([id, v]) => [id, resolveSelector(catalog, id, v, `${where}.${id}`)[0]!]));
    const resolved = resolve(versions, `include[${i}]`);
    return { versions: resolved, ...(from ? { upgradeFrom: { ...resolved, ...resolve(from, `include[${i}].from`) } } : {}) };
  });
  const max = override.maxCells ?? config.maxCells;
  const over = new Set<string>();
  const proposalOf = new Map<string, Proposal>();
  // the strategy's proposals stream (a full product can be huge): never spread into an array
  const proposals = (function* () {
    yield* out.proposals;
    yield* included;
  })();
  for (const p of proposals) {
    const r = complete(p);
    if (isCell(r)) {
      if (cells.size < max || cells.has(r.id)) {
        cells.set(r.id, r);
        if (!proposalOf.has(r.id)) proposalOf.set(r.id, p);
      } else if (over.add(r.id).size >= COUNTED) break;
      continue;
    }
    const rule = r.reasons[0]!.id;
    if (excluded.has(r.title)) continue;
    excludedCount[rule] = (excludedCount[rule] ?? 0) + 1;
    if (excludedCount[rule]! <= EXAMPLES) excluded.set(r.title, r);
  }
  if (over.size) {
    const n = cells.size + over.size;
    throw new UserError(`the plan has ${over.size >= COUNTED ? 'more than ' : ''}${n} cells, over the ${max} allowed`, override.maxCells ? '--max-cells' : (loaded.place?.('maxCells') ?? loaded.path), `narrow the axes, use strategy: pairwise, or raise ${override.maxCells ? '--max-cells' : 'maxCells in the config (or pass --max-cells)'}`);
  }
  if (cells.size === 0) {
    const total = Object.values(excludedCount).reduce((a, b) => a + b, 0);
    const first = [...excluded.values()].slice(0, 3).map((e) => `${e.title}: ${e.reasons.map((r) => r.reason).join('; ')}`);
    throw new UserError(`the constraints leave no valid cell (${total} excluded; e.g. ${first.join(' | ')})`, loaded.path, 'widen the axes or pick versions that fit together (npx codeflare-matrix catalog lists them)');
  }
  const baselines = new Map<string, Cell>();
  for (const cell of cells.values()) {
    const b = baselineOf(config, catalog, complete, cell, proposalOf.get(cell.id)!);
    if (!b) continue;
    cell.baseline = { ...(b.cell ? { cell: b.cell.id } : {}), why: b.why };
    if (b.cell && !cells.has(b.cell.id)) baselines.set(b.cell.id, b.cell);
  }
  return {
    schema: PLAN_SCHEMA,
    name: config.name,
    config: { path: loaded.path, hash: loaded.hash },
    strategy: config.strategy,
    provider: config.provider,
    cells: suites.note ? [...cells.values()].map((c) => ({ ...c, notes: [...(c.notes ?? []), suites.note!] })) : [...cells.values()],
    baselines: [...baselines.values()],
    excluded: [...excluded.values()],
    excludedCount,
    uncoverable: out.uncoverable ?? [],
    run: { suites: suites.suites, retries: config.retries, parallelism: config.parallelism, timeouts: config.timeouts, nodes: config.nodes, ...(config.workers !== undefined ? { workers: config.workers } : {}), context: config.context },
    sources,
  };
}
