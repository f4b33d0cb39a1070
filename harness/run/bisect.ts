// A regression a cell found, bisected over the history of the component that moved: from a run's
// results (and the plan.json beside them), the cell, its baseline, the component whose version
// differs between them and that comes from git, and the two revisions of its git source. Each probe
// is one run through the engine — its own run folder — of the cell's stack with that component at
// a commit, and only the test (the plan's `only`, as --rerun-failed runs it).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { component, type Catalog, type ComponentId } from '../../matrix/catalog/index.js';
import { makeCell, type Cell } from '../../matrix/cell.js';
import type { Sources } from '../../matrix/config.js';
import type { Plan } from '../../matrix/planner/index.js';
import { UserError } from '../../lib/errors.js';
import type { CellResult, Results } from '../../model/results.js';
import { findTest, judge, names, testOf, type Judged, type TestRef } from '../../reports/bisect.js';
import { readPlan } from './layout.js';
import { runMatrix } from './index.js';

/** What a cell's bisection works on, all read from the results, their plan and the catalog. */
export type Target = {
  plan: Plan;
  cell: Cell;
  result: CellResult;
  baseline?: CellResult;
  test: TestRef;
  component: ComponentId;
  repo: string;
  /** A revision of the component's git source, and the cell version it stands for. */
  good: { version: string; rev: string };
  bad: { version: string; rev: string };
  /**
   * Why GOOD must be probed before the bisection trusts it (none: the baseline ran the same stack
   * but the component, and the test passed there).
   */
  checkGood?: string;
  sources: Sources;
};

/** What the cell itself chose (an axis, a chain's under-test or dev), rather than took from the operator or its row. */
const CHOSEN = ['axis', 'under-test', 'chain-dev'];

/**
 * Components whose version in the cell follows another's (deployed or compiled in by the operator,
 * the era says) unless the cell chose them: they move with the component, not on their own.
 */
function follows(catalog: Catalog, cell: CellResult, id: ComponentId): boolean {
  const how = catalog.eras.find((e) => e.id === cell.era)?.install[id];
  return (how === 'deployed-by-operator' || how === 'embedded-in-operator') && !CHOSEN.includes(cell.origin[id] ?? '');
}

/** The revision of the git source a cell version names: the commit that ran (provenance), else its tag, branch or ref. */
function revision(catalog: Catalog, id: ComponentId, version: string, ran: CellResult | undefined, where: string): string {
  const commit = ran?.provenance.find((p) => p.component === id && p.requested === version && p.commit)?.commit;
  if (commit) return commit;
  const s = component(catalog, id).source;
  if (s.kind !== 'go') throw new UserError(`${id} is not built from Go modules`, where);
  if (version === 'dev') return s.branch;
  if (version.startsWith('ref:')) return version.slice(4);
  if (version.startsWith('path:')) throw new UserError(`${id} ${version} is a checkout, not a revision of its git source`, where, 'pass --good REV (a tag or commit of the git source)');
  return `${s.tagPrefix}${version}`;
}

/** `sources`: the user's (the run's own, in its plan, come first). */
export type TargetOptions = { results: string; cell?: string; test: string; component?: ComponentId; good?: string; sources: Sources };

/** The bisection a cell's failed test asks for, or a UserError saying what is missing and how to give it. */
export function cellTarget(results: Results, catalog: Catalog, o: TargetOptions): Target {
  const planFile = join(dirname(o.results), 'plan.json');
  if (!existsSync(planFile)) throw new UserError(`no plan.json beside the results (a bisection runs the cell's stack as its run planned it)`, o.results, 'pass the results.json of a run folder (out/runs/…), whose plan.json is beside it');
  const plan = readPlan(dirname(o.results));
  const failedIn = results.cells.filter((c) => c.suites.some((s) => s.tests.some((t) => t.status === 'failed' && names(s.name, t.title, o.test))));
  const cellId = o.cell ?? (failedIn.length === 1 ? failedIn[0]!.id : undefined);
  if (!cellId) throw new UserError(failedIn.length ? `"${o.test}" failed in ${failedIn.length} cells` : `"${o.test}" failed in no cell of the results`, o.results, failedIn.length ? `choose one with --cell: ${failedIn.map((c) => c.id).join(', ')}` : 'name a test that failed (its title as the report shows it), or pass --cell');
  const result = results.cells.find((c) => c.id === cellId);
  const cell = plan.cells.find((c) => c.id === cellId);
  if (!result || !cell) throw new UserError(`no cell ${cellId} in the results`, '--cell', `one of: ${results.cells.map((c) => c.id).join(', ')}`);
  const test = findTest(result, o.test, '--test');
  const status = testOf(result, test)!.status;
  if (status !== 'failed') throw new UserError(`"${test.title}" is ${status} in ${cellId}: there is no regression to bisect`, '--test', 'name a test that failed in the cell');
  const baseline = [...results.cells, ...(results.baselines ?? [])].find((c) => c.id === result.baseline?.cell);
  // the sources the run took code from, and the user's for what it named none of
  const sources = { ...o.sources, ...plan.sources };
  let id = o.component;
  if (!id) {
    if (!baseline) throw new UserError(`${cellId} has no baseline in the results${result.baseline ? ` (${result.baseline.why})` : ''}`, o.results, 'pass --component ID and --good REV');
    const moved = (Object.keys(result.requested) as ComponentId[]).filter((c) => baseline.requested[c] !== result.requested[c]);
    const fromGit = moved.filter((c) => catalog.components.some((k) => k.id === c && k.source.kind === 'go') && sources[c] && !follows(catalog, result, c));
    if (fromGit.length !== 1) {
      const which = moved.map((c) => `${c} ${baseline.requested[c] ?? '(none)'} → ${result.requested[c]}`).join(', ');
      throw new UserError(fromGit.length ? `${fromGit.length} components with a git source moved between ${baseline.id} and ${cellId}: ${which}` : `no component with a git source moved on its own between ${baseline.id} and ${cellId} (${which || 'none moved'})`, o.results, fromGit.length ? `choose one with --component: ${fromGit.join(', ')}` : 'name its git repository in the sources file, or pass --component ID --good REV');
    }
    id = fromGit[0]!;
  }
  const goIds = (Object.keys(result.requested) as ComponentId[]).filter((x) => catalog.components.some((k) => k.id === x && k.source.kind === 'go'));
  if (!goIds.includes(id)) throw new UserError(`${id} is no Go component of cell ${cellId}`, '--component', `one of: ${goIds.join(', ')}`);
  const c = component(catalog, id);
  const repo = sources[id]?.git;
  if (!repo) throw new UserError(`no git source of ${id}`, '--component', `name a clone of ${c.repo} in ~/.config/codeflare-matrix/sources.yaml (sources: {${id}: PATH})`);
  const goodVersion = o.good ? `ref:${o.good}` : baseline?.requested[id];
  if (!goodVersion) throw new UserError(`the baseline ${baseline?.id ?? ''} has no ${id}`, o.results, 'pass --good REV');
  const good = { version: goodVersion, rev: o.good ?? revision(catalog, id, goodVersion, baseline, o.results) };
  const bad = { version: result.requested[id]!, rev: revision(catalog, id, result.requested[id]!, result, o.results) };
  // The bisection holds the rest of the cell's stack; the baseline's result vouches for GOOD only where it ran that stack.
  const others = (Object.keys(result.requested) as ComponentId[]).filter((x) => x !== id && !follows(catalog, result, x) && baseline?.requested[x] !== result.requested[x]);
  const there = testOf(baseline, test)?.status;
  const checkGood = o.good
    ? 'GOOD was named (--good)'
    : there !== 'passed'
      ? `the test is ${there ?? 'absent'} on the baseline ${baseline!.id}`
      : others.length
        ? `the baseline ran another stack: ${others.map((x) => `${x} ${baseline!.requested[x] ?? '(none)'}, not ${result.requested[x]}`).join('; ')}`
        : undefined;
  return { plan, cell, result, ...(baseline ? { baseline } : {}), test, component: id, repo, good, bad, ...(checkGood ? { checkGood } : {}), sources };
}

/** The cell's stack with the component at this version (a tag, or a commit's pseudo-version): a cell of its own id. */
export function probeCell(catalog: Catalog, t: Target, version: string): Cell {
  const era = catalog.eras.find((e) => e.id === t.cell.era)!;
  const { upgradeFrom, needs, notes } = t.cell;
  return makeCell(era, { ...t.cell.versions, [t.component]: version }, t.cell.origin, { ...(upgradeFrom ? { upgradeFrom } : {}), needs, ...(notes ? { notes } : {}) });
}

/** The plan of one probe: that cell alone (no baseline stack), only the test, one lane. */
export function probePlan(t: Target, cell: Cell): Plan {
  return { ...t.plan, cells: [cell], baselines: [], excluded: [], excludedCount: {}, run: { ...t.plan.run, parallelism: 1, only: { [cell.id]: [t.test.only] } }, sources: t.sources };
}

export type Probe = Judged & { commit: string; version: string; cell: string; dir: string; ms: number };

/** One probe: a run of the probe's plan into `dir` (its own run folder), judged by the test's result there. */
export async function runProbe(catalog: Catalog, t: Target, commit: string, version: string, dir: string, log: (line: string) => void): Promise<Probe> {
  const cell = probeCell(catalog, t, version);
  const t0 = Date.now();
  const r = await runMatrix({ config: t.plan.config.path, plan: probePlan(t, cell), out: dir, reuseClusters: false, keepOnFailure: false, log });
  if (r.exitCode === 130) throw new Interrupted(dir);
  return { ...judge(r.results, cell.id, t.test), commit, version, cell: cell.id, dir, ms: Date.now() - t0 };
}

/** Ctrl-C during a probe: the bisection stops (its run has removed its cluster). */
export class Interrupted extends Error {
  constructor(readonly dir: string) {
    super(`interrupted during the probe in ${dir}`);
  }
}
