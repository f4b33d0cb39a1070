// Every test that did not pass, labelled against a baseline, as britney labels a reverse
// dependency's failure REGRESSION or ALWAYSFAIL: a regression passes on the baseline, an
// already-failing test fails there too (since the first run of its streak, from a history of
// results), a flaky one passed on a retry or in some of its repeats, a new one has no result there.
// The baseline of a cell is the plan's (matrix/planner: the row before, the component under test at
// its last release, the config's versions), run in the same run; else, given a baseline file, its
// cell of the plan's id, or the one with the same identity but for the components under test: those
// the cell puts under test (chain), else the operator and what comes with it.
import { withRole, type Catalog, type ComponentId } from '../matrix/catalog/index.js';
import type { CellResult, Results, TestLabel, TestResult } from '../model/results.js';

export type Labelled = { cell: string; suite: string; test: string; status: TestResult['status']; label: TestLabel };
type File = { path: string; results: Results };

/** Components whose version is what the cell tests, and those that only follow from them. */
function underTest(c: CellResult, given: string[], operator: ComponentId): Set<string> {
  const explicit = Object.entries(c.origin).filter(([, why]) => why === 'under-test' || why === 'chain-dev').map(([id]) => id);
  const out = new Set([...given, ...explicit]);
  // No component is named: the operator is (a release's row), with what it bundles or its row pairs with it.
  if (!out.size && c.requested[operator]) {
    out.add(operator);
    for (const [id, why] of Object.entries(c.origin)) if (why === 'bundled' || why === 'paired' || why === 'published') out.add(id);
  }
  return out;
}

/** The baseline's cell for `c`: same Kubernetes, same versions of everything not under test; the closest if several. */
export function baselineCell(c: CellResult, baseline: CellResult[], catalog: Catalog, given: string[] = []): CellResult | undefined {
  const skip = underTest(c, given, withRole(catalog, 'operator').id);
  const fixed = Object.keys(c.requested).filter((id) => !skip.has(id));
  const same = baseline.filter((b) => b.provider === c.provider && !!b.upgradeFrom === !!c.upgradeFrom && fixed.every((id) => b.requested[id] === c.requested[id]));
  // A release's previous row may be of another era: the same era and the same components count first.
  const score = (b: CellResult) => (b.era === c.era ? 100 : 0) + Object.keys(c.requested).filter((id) => b.requested[id] === c.requested[id] || (id in b.requested && skip.has(id))).length;
  return same.sort((a, b) => score(b) - score(a))[0];
}

const find = (c: CellResult | undefined, suite: string, title: string) => c?.suites.find((s) => s.name === suite)?.tests.find((t) => t.title === title);

/** The oldest run of the unbroken streak of runs (newest first) in which this test failed in one of `cells`. */
function failingSince(history: File[], cells: string[], suite: string, title: string): string | undefined {
  const at = (f: File) => f.results.runs.map((r) => r.finishedAt).sort().at(-1) ?? '';
  let since: string | undefined;
  for (const f of [...history].sort((a, b) => at(b).localeCompare(at(a)))) {
    const t = f.results.cells.filter((c) => cells.includes(c.id)).map((c) => find(c, suite, title)).find(Boolean);
    if (!t) continue;
    if (t.status !== 'failed' && t.status !== 'flaky') break;
    since = `${at(f).slice(0, 16).replace('T', ' ')} (${f.results.runs.map((r) => r.id).join('+')}, ${f.path})`;
  }
  return since;
}

/** Where a cell's tests are looked up: its baseline's cell and the results file it is in (none: the results being labelled). */
export type Source = { cell?: CellResult; file?: File };

/**
 * A cell's baseline: the plan's baseline stack where these results hold it (the run ran it, or ran
 * its failed tests on it again), else the baseline file's cell (the plan's, else the one like it).
 */
export function sourceOf(c: CellResult, results: Results, catalog: Catalog, file?: File, given: string[] = []): Source | undefined {
  const id = c.baseline?.cell;
  const byId = (r: Results) => (id ? [...r.cells, ...(r.baselines ?? [])].find((x) => x.id === id) : undefined);
  const here = byId(results);
  if (here && here.id !== c.id) return { cell: here };
  if (!file) return undefined;
  return { cell: byId(file.results) ?? baselineCell(c, file.results.cells, catalog, given), file };
}

/** The label of one test that did not pass; none without a baseline to look it up in. */
export function labelOf(c: CellResult, suite: string, t: TestResult, src: Source | undefined, history: File[] = []): TestLabel | undefined {
  if (!src) return undefined;
  if (t.status === 'flaky') return { kind: 'flaky', evidence: t.repeats ? `passed ${t.repeats.passed} of ${t.repeats.runs} runs (--repeat)` : `passed on retry ${t.retries} in this cell` };
  if (t.repeats && t.repeats.passed > 0 && t.repeats.passed < t.repeats.runs) return { kind: 'flaky', evidence: `passed ${t.repeats.passed} of ${t.repeats.runs} runs (--repeat)` };
  if (t.status !== 'failed') return undefined;
  const b = src.cell;
  const where = b ? { baseline: { cell: b.id, ...(src.file ? { file: src.file.path } : {}) } } : {};
  const bt = find(b, suite, t.title);
  if (!b) return { kind: 'new', evidence: `the baseline has no cell like this one (${src.file?.path ?? 'this run'})` };
  if (!bt && b.status === 'blocked') return { kind: 'new', evidence: `the baseline (${b.title}) did not run: ${(b.reason ?? 'blocked').split('\n')[0]}`, ...where };
  if (!bt || bt.status === 'blocked' || bt.status === 'not-applicable') return { kind: 'new', evidence: bt ? `${bt.status} on the baseline: never ran there` : 'the baseline has no such test', ...where };
  if (bt.status === 'passed') return { kind: 'regression', evidence: `passes on the baseline (${b.title})`, ...where };
  if (bt.status === 'flaky') return { kind: 'flaky', evidence: `flaky on the baseline too (${b.title}: passed on retry ${bt.retries})`, ...where };
  const since = failingSince([...(src.file ? [src.file] : []), ...history], [c.id, b.id], suite, t.title);
  return { kind: 'already-failing', evidence: `fails on the baseline too (${b.title}): ${(bt.errors[0] ?? bt.reason ?? '').split('\n')[0]}`, ...where, ...(since ? { since } : {}) };
}

/**
 * A copy of `results` with every test that did not pass labelled: against the cell's baseline in
 * these results where it is there (the plan's, run by the run), else in the baseline file.
 */
export function labelResults(results: Results, catalog: Catalog, baseline?: File, o: { history?: File[]; underTest?: ComponentId[] } = {}): Results {
  const copy = structuredClone(results);
  for (const c of copy.cells) {
    const src = sourceOf(c, results, catalog, baseline, o.underTest);
    for (const s of c.suites) {
      for (const t of s.tests) {
        const label = labelOf(c, s.name, t, src, o.history);
        if (label) t.label = label;
        else delete t.label;
      }
    }
  }
  return copy;
}

/** Every labelled test, regressions first. */
export function labelled(results: Results): Labelled[] {
  const order = ['regression', 'new', 'already-failing', 'flaky'];
  return results.cells
    .flatMap((c) => c.suites.flatMap((s) => s.tests.flatMap((t) => (t.label ? [{ cell: c.id, suite: s.name, test: t.title, status: t.status, label: t.label }] : []))))
    .sort((a, b) => order.indexOf(a.label.kind) - order.indexOf(b.label.kind));
}

/** The Markdown section the report opens with: regressions, then the rest by kind, each with its evidence. */
export function regressionsSection(results: Results): string[] {
  const all = labelled(results);
  if (!all.length) return [];
  const n = (k: string) => all.filter((x) => x.label.kind === k).length;
  const line = (x: Labelled) => `- **${x.label.kind}** \`${x.cell}\` ${x.suite} › ${x.test} — ${x.label.evidence}${x.label.since ? `; failing since ${x.label.since}` : ''}`;
  return [
    '## Regressions',
    '',
    `${n('regression')} regression${n('regression') === 1 ? '' : 's'}, ${n('new')} new, ${n('already-failing')} already failing, ${n('flaky')} flaky (against the baseline).`,
    '',
    ...all.map(line),
    '',
  ];
}
