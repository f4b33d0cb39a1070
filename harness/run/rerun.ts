// run --rerun-failed RESULTS: only what did not pass runs again — blocked cells whole, failed and
// flaky cells only their tests that did not pass — and the outcome is merged into a new results file
// that keeps the earlier runs and says what this one reran. And a cell's failed tests run again on
// its baseline stack where the run has no results of it (baselineRuns).
import type { Plan } from '../../matrix/planner/index.js';
import { blockedAhead, type Cell } from '../../matrix/cell.js';
import { cellStatus, suiteStatus, type CellResult, type Results } from '../../model/results.js';
import { UserError } from '../../lib/errors.js';

const AGAIN = new Set(['failed', 'flaky', 'blocked']);

/** Per cell to run again: the titles of its tests that did not pass, or [] for the whole cell. */
export function rerunSelection(prev: Results, where: string, plan: Plan): Record<string, string[]> {
  if (prev.config.hash !== plan.config.hash) throw new UserError(`the results are of another config (hash ${prev.config.hash}, this config's is ${plan.config.hash})`, where, 'pass the config those results ran, with -c');
  const out: Record<string, string[]> = {};
  for (const c of prev.cells.filter((x) => AGAIN.has(x.status) && plan.cells.some((p) => p.id === x.id))) {
    const tests = c.suites.flatMap((s) => s.tests);
    // a blocked cell (or one whose every test is blocked) never ran its tests: all of it again
    // an upstream suite's tests run again as their suite does: by its name (the Playwright test that runs them)
    const again = c.suites.flatMap((s) => s.tests.filter((t) => AGAIN.has(t.status)).map((t) => (s.code ? s.name : t.title)));
    out[c.id] = c.status === 'blocked' || tests.some((t) => t.status === 'blocked') ? [] : [...new Set(again)];
  }
  return out;
}

/** The earlier results with the rerun's cells merged in: a rerun test replaces the earlier one; a whole-cell rerun replaces the cell. */
export function mergeRerun(prev: Results, prevPath: string, next: Results, selection: Record<string, string[]>): Results {
  const run = { ...next.runs[0]!, rerun: { of: prevPath, cells: selection } };
  const cells = prev.cells.map((old): CellResult => {
    const now = next.cells.find((c) => c.id === old.id);
    if (!now) return old;
    const only = selection[old.id] ?? [];
    if (!only.length || now.status === 'blocked') return now;
    const suites = old.suites.map((s) => {
      const tests = s.tests.map((t) => now.suites.find((x) => x.name === s.name)?.tests.find((x) => x.title === t.title) ?? t);
      return { ...s, status: suiteStatus(tests), tests };
    });
    return { ...now, suites, status: cellStatus(suites), startedAt: old.startedAt, phases: now.phases };
  });
  const baselines = [...(next.baselines ?? []), ...(prev.baselines ?? []).filter((b) => !next.baselines?.some((n) => n.id === b.id))];
  return { ...prev, runs: [...prev.runs, run], cells, ...(baselines.length ? { baselines } : {}) };
}

/** The tests of a cell to run again on its baseline: those that failed (an upstream test by its suite), not those some repeats passed (flaky). */
export function failedTitles(c: CellResult): string[] {
  return [...new Set(c.suites.flatMap((s) => s.tests.filter((t) => t.status === 'failed' && !t.repeats?.passed).map((t) => (s.code ? s.name : t.title))))];
}

/**
 * As the run's cells finish, the baseline stacks that are due: a stack of the plan's baselines (not a
 * cell of this run, and not blocked ahead) runs once the last cell it is the baseline of has
 * finished, with only the tests that failed in them; where none failed it does not run.
 */
export function baselineRuns(p: Plan): (done: CellResult) => { cell: Cell; tests: string[]; of: string[] }[] {
  const inRun = new Set(p.cells.map((c) => c.id));
  const stacks = new Map((p.baselines ?? []).filter((b) => !inRun.has(b.id) && !blockedAhead(b)).map((b) => [b.id, b]));
  const waiting = new Map<string, Set<string>>();
  const failed = new Map<string, { tests: Set<string>; of: string[] }>();
  for (const c of p.cells) {
    const b = c.baseline?.cell;
    if (b && stacks.has(b)) waiting.set(b, (waiting.get(b) ?? new Set()).add(c.id));
  }
  return (done) => {
    const b = p.cells.find((c) => c.id === done.id)?.baseline?.cell;
    const w = b ? waiting.get(b) : undefined;
    if (!b || !w?.delete(done.id)) return [];
    const f = failed.get(b) ?? { tests: new Set<string>(), of: [] };
    failed.set(b, f);
    const titles = failedTitles(done);
    for (const t of titles) f.tests.add(t);
    if (titles.length) f.of.push(done.id);
    if (w.size) return [];
    waiting.delete(b);
    return f.tests.size ? [{ cell: stacks.get(b)!, tests: [...f.tests], of: f.of }] : [];
  };
}
