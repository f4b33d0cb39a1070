// --rerun-failed: what did not pass runs again (blocked cells whole, failed and flaky cells their
// tests that did not pass), merged into the earlier results; --repeat's pass rates in the gate.
import { test, expect } from '@playwright/test';
import { loadCatalog } from '../../matrix/catalog/index.js';
import type { Plan } from '../../matrix/planner/index.js';
import { gate } from '../../reports/gate.js';
import { readResults, type Results } from '../../model/results.js';
import { AT, CELLS, data } from '../../reports/testing.js';
import { mergeRerun, rerunSelection } from './rerun.js';

const nightly = readResults(data('nightly.json'));
const planOf = (r: Results) => ({ config: { hash: r.config.hash }, cells: r.cells.map((c) => ({ id: c.id })) }) as unknown as Plan;

test('the selection: blocked cells whole, failed and flaky cells only their tests that did not pass; another config is refused', () => {
  const only = rerunSelection(nightly, 'nightly.json', planOf(nightly));
  expect(Object.keys(only).sort()).toEqual([CELLS.failed, CELLS.flaky, CELLS.blocked].sort());
  expect(only[CELLS.blocked]).toEqual([]);
  expect(only[CELLS.failed]).toEqual(['an AppWrapper larger than the fake nodes stays queued and is dispatched once a node is added']);
  expect(only[CELLS.flaky]!.length).toBe(1);
  expect(() => rerunSelection(nightly, 'nightly.json', { ...planOf(nightly), config: { hash: 'other' } } as Plan)).toThrow(/results are of another config/);
});

test('the merge: a rerun test replaces the earlier one, the cell is judged again, the run says what it reran', () => {
  const only = rerunSelection(nightly, 'nightly.json', planOf(nightly));
  const failed = nightly.cells.find((c) => c.id === CELLS.failed)!;
  const title = only[CELLS.failed]![0]!;
  // the rerun's cell: only the rerun test, and it passed this time
  const again = { ...failed, status: 'passed' as const, suites: [{ name: 'mcad', status: 'passed' as const, tests: [{ ...failed.suites.find((s) => s.name === 'mcad')!.tests.find((t) => t.title === title)!, status: 'passed' as const, errors: [] }] }] };
  const next: Results = { ...nightly, runs: [{ id: 'rerun-1', startedAt: AT, finishedAt: AT, interrupted: false }], cells: [again] };
  const merged = mergeRerun(nightly, 'nightly.json', next, only);
  const cell = merged.cells.find((c) => c.id === CELLS.failed)!;
  expect(cell.status).toBe('passed');
  expect(cell.suites.find((s) => s.name === 'mcad')!.tests).toHaveLength(3); // the two that passed before are kept
  expect(merged.runs.map((r) => r.id)).toEqual([...nightly.runs.map((r) => r.id), 'rerun-1']);
  expect(merged.runs.at(-1)!.rerun).toEqual({ of: 'nightly.json', cells: only });
  expect(merged.cells.find((c) => c.id === CELLS.blocked)!.status).toBe('blocked'); // not in this rerun's results: as before
});

test('--repeat pass rates: a test that failed 1 of 4 runs fails the gate, unless --min-pass-rate allows it', () => {
  const passed = nightly.cells.find((c) => c.id === CELLS.passed)!;
  const suites = passed.suites.map((s, i) => (i === 0 ? { ...s, status: 'failed' as const, tests: s.tests.map((t, j) => (j === 0 ? { ...t, status: 'failed' as const, errors: ['timed out'], repeats: { runs: 4, passed: 3 } } : { ...t, repeats: { runs: 4, passed: 4 } })) } : s));
  const results: Results = { ...nightly, cells: [{ ...passed, status: 'failed', suites }] };
  const o = { release: 'v1.2.0', maxAge: '7d', allowFlaky: false, now: new Date(AT) };
  const strict = gate(results, 'r.json', loadCatalog(), o);
  expect(strict.failures.join('\n')).toMatch(/\[passed 3 of 4 runs\]/);
  expect(gate(results, 'r.json', loadCatalog(), { ...o, minPassRate: 0.75 }).failures).toEqual([]);
  expect(gate(results, 'r.json', loadCatalog(), { ...o, minPassRate: 0.8 }).failures.length).toBeGreaterThan(0);
});

test('--repeat pass rates in the report', async () => {
  const { supportMatrix } = await import('../../reports/support-matrix.js');
  const { markdownReport } = await import('../../reports/markdown.js');
  const passed = nightly.cells.find((c) => c.id === CELLS.passed)!;
  const suites = passed.suites.map((s, i) => ({ ...s, tests: s.tests.map((t, j) => ({ ...t, repeats: { runs: 4, passed: i === 0 && j === 0 ? 3 : 4 } })) }));
  const catalog = loadCatalog();
  const md = markdownReport(supportMatrix({ ...nightly, cells: [{ ...passed, suites }] }, catalog), catalog);
  // a test not applicable to the cell has no rate (the fixture's InstaScale test needs a machine API)
  const n = suites.flatMap((s) => s.tests).filter((t) => t.status !== 'not-applicable').length;
  expect(md).toContain(`Pass rates (each test 4 times): ${n - 1} of ${n} tests passed every run:`);
  expect(md).toContain(`- \`${CELLS.passed}\` ${suites[0]!.name} › ${suites[0]!.tests[0]!.title}: 3 of 4 (75%)`);
});

test('a baseline stack runs once the last cell it is the baseline of is done, with only the tests that failed there; none failed, it does not run', async () => {
  const { baselineRuns, failedTitles } = await import('./rerun.js');
  const failed = nightly.cells.find((c) => c.id === CELLS.failed)!;
  const passed = nightly.cells.find((c) => c.id === CELLS.passed)!;
  const flaky = nightly.cells.find((c) => c.id === CELLS.flaky)!;
  const stack = { id: 'stack-1', title: 'the stack', versions: {}, origin: {}, era: 'A', needs: [], violations: [], unavailable: [] };
  const ahead = { ...stack, id: 'stack-2', violations: [{ id: 'x', reason: 'a row that names no release' }] };
  const plan = {
    cells: [
      { id: failed.id, baseline: { cell: 'stack-1', why: '' } },
      { id: passed.id, baseline: { cell: 'stack-1', why: '' } },
      { id: flaky.id, baseline: { cell: passed.id, why: '' } }, // a cell of the run: its results are there already
    ],
    baselines: [stack, ahead],
  } as unknown as Plan;
  const due = baselineRuns(plan);
  expect(due(failed)).toEqual([]); // the other cell judged against stack-1 has not finished
  expect(due(flaky)).toEqual([]);
  expect(due(passed)).toEqual([{ cell: stack, tests: failedTitles(failed), of: [failed.id] }]);
  expect(failedTitles(failed)).toEqual(['an AppWrapper larger than the fake nodes stays queued and is dispatched once a node is added']);
  expect(failedTitles(flaky)).toEqual([]); // flaky: labelled from its own retries, nothing to run again
  // every cell passed: the stack does not run; one blocked ahead never does
  const quiet = baselineRuns({ ...plan, cells: [{ id: passed.id, baseline: { cell: 'stack-1', why: '' } }, { id: failed.id, baseline: { cell: 'stack-2', why: '' } }] } as unknown as Plan);
  expect([...quiet(passed), ...quiet(failed)]).toEqual([]);
});

test('--repeat pass rates: a test not applicable or blocked is listed as such, never as 0 of N', async () => {
  const { supportMatrix, testLine } = await import('../../reports/support-matrix.js');
  const { markdownReport } = await import('../../reports/markdown.js');
  const passed = nightly.cells.find((c) => c.id === CELLS.passed)!;
  // results written before the fix gave a skipped test repeats of 0 passed
  const suites = passed.suites.map((s, i) => ({ ...s, tests: s.tests.map((t, j) => (i === 0 && j === 0 ? { ...t, status: 'not-applicable' as const, reason: 'needs real pods', repeats: { runs: 2, passed: 0 } } : { ...t, repeats: { runs: 2, passed: 2 } })) }));
  const catalog = loadCatalog();
  const m = supportMatrix({ ...nightly, cells: [{ ...passed, suites }] }, catalog);
  const md = markdownReport(m, catalog);
  const n = suites.flatMap((s) => s.tests).filter((t) => t.status !== 'not-applicable').length;
  const skipped = suites[0]!.tests[0]!;
  expect(md).toContain(`Pass rates (each test 2 times): ${n} of ${n} tests passed every run.`);
  expect(md).toContain(`Not run, so no rate (${suites.flatMap((s) => s.tests).length - n}):`);
  expect(md).toContain(`- \`${CELLS.passed}\` ${suites[0]!.name} › ${skipped.title}: not applicable — needs real pods`);
  expect(md).not.toMatch(/: 0 of 2/);
  expect(m.passRates!.find((r) => r.test === skipped.title)).toMatchObject({ status: 'not-applicable' });
  expect(testLine(skipped)).not.toContain('[passed');
});
