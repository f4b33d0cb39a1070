// run --rerun-failed RESULTS: only what did not pass runs again — blocked cells whole, failed and
// flaky cells only their tests that did not pass — and the outcome is merged into a new results file
// that keeps the earlier runs and says what this one reran.
import type { Plan } from '../../matrix/planner/index.js';
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
  return { ...prev, runs: [...prev.runs, run], cells };
}
