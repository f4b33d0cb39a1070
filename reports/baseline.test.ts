// Every test that did not pass, labelled against a baseline results file the test makes: a cell whose
// baseline passes (regression), one whose baseline fails too (already failing, since the first run
// of the streak in a history folder), a flaky one, a test the baseline has not got (new); and the
// gate on each label.
import { test, expect } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../matrix/catalog/index.js';
import { finishAllure } from './allure.js';
import { baselineCell, labelResults } from './baseline.js';
import { renderHtml } from './html.js';
import { supportMatrix } from './support-matrix.js';
import { Results, type CellResult, type TestResult } from '../model/results.js';
import { AT, cli, data, expectUserError, scratch } from './testing.js';

const catalog = loadCatalog();

type T = Partial<TestResult> & { title: string; status: TestResult['status'] };
const tests = (ts: T[]) => ts.map((t) => ({ durationMs: 1000, retries: 0, tags: [], errors: t.status === 'failed' ? [`Error: ${t.title} broke`] : [], attachments: [], ...t }));

/** A results file of one run: cells of the chain strategy with KubeRay under test at `kuberay`. */
function results(run: string, finishedAt: string, kuberay: string, suite: T[]): Results {
  const cell: CellResult = Results.shape.cells.element.parse({
    id: `e-k1.31-kr${kuberay}`,
    title: `era E · kr ${kuberay} · kq v0.13.4 · sdk v0.35.0 · k v1.31.13`,
    era: 'e',
    provider: 'local',
    kubernetes: 'v1.31.13',
    requested: { kubernetes: 'v1.31.13', kuberay, kueue: 'v0.13.4', 'codeflare-sdk': 'v0.35.0' },
    origin: { kubernetes: 'axis', kuberay: 'under-test', kueue: 'axis', 'codeflare-sdk': 'axis' },
    status: suite.some((t) => t.status === 'failed') ? 'failed' : 'passed',
    suites: [{ name: 'kuberay', status: 'passed', tests: tests(suite) }],
    finishedAt,
  });
  return Results.parse({ schema: 1, harness: { name: 'codeflare-matrix', version: '0.1.0' }, config: { name: 'pr', path: 'matrix-pr.yaml', hash: 'abc' }, strategy: 'chain', provider: 'local', runs: [{ id: run, startedAt: finishedAt, finishedAt }], cells: [cell] });
}

const now = results('pr-1', '2025-06-20T10:00:00Z', 'v1.4.0', [
  { title: 'scaling workers', status: 'failed' }, // passes on the baseline
  { title: 'deletion cleans up', status: 'failed' }, // fails there too
  { title: 'the dashboard answers', status: 'flaky', retries: 1 },
  { title: 'a new check', status: 'failed' }, // the baseline has no such test
  { title: 'head reaches Running', status: 'passed' },
]);
const base = (run: string, at: string, deletion: TestResult['status']) =>
  results(run, at, 'v1.3.2', [
    { title: 'scaling workers', status: 'passed' },
    { title: 'deletion cleans up', status: deletion },
    { title: 'the dashboard answers', status: 'passed' },
    { title: 'head reaches Running', status: 'passed' },
  ]);

test('each failed test labelled: regression, already failing (since the first run of its streak), flaky, new', () => {
  const history = [base('n-1', '2025-06-17T02:00:00Z', 'passed'), base('n-2', '2025-06-18T02:00:00Z', 'failed')].map((r, i) => ({ path: `h${i}.json`, results: r }));
  const labelled = labelResults(now, catalog, { path: 'base.json', results: base('n-3', '2025-06-19T02:00:00Z', 'failed') }, { history });
  const label = (title: string) => labelled.cells[0]!.suites[0]!.tests.find((t) => t.title === title)!.label;
  expect(label('scaling workers')).toMatchObject({ kind: 'regression', baseline: { cell: 'e-k1.31-krv1.3.2', file: 'base.json' } });
  expect(label('deletion cleans up')).toMatchObject({ kind: 'already-failing', evidence: expect.stringContaining('Error: deletion cleans up broke') });
  // n-3 (the baseline) and n-2 failed, n-1 passed: failing since n-2
  expect(label('deletion cleans up')!.since).toMatch(/^2025-06-18 02:00 \(n-2, h1\.json\)$/);
  expect(label('the dashboard answers')).toEqual({ kind: 'flaky', evidence: 'passed on retry 1 in this cell' });
  expect(label('a new check')).toMatchObject({ kind: 'new', evidence: 'the baseline has no such test' });
  expect(label('head reaches Running')).toBeUndefined();
  expect(now.cells[0]!.suites[0]!.tests[0]!.label).toBeUndefined(); // the input is left as it was
  // a pass rate under --repeat is flaky too
  const repeated = structuredClone(now);
  repeated.cells[0]!.suites[0]!.tests[0]!.repeats = { runs: 5, passed: 3 };
  expect(labelResults(repeated, catalog, { path: 'base.json', results: base('n-3', '2025-06-19T02:00:00Z', 'failed') }).cells[0]!.suites[0]!.tests[0]!.label).toEqual({ kind: 'flaky', evidence: 'passed 3 of 5 runs (--repeat)' });
});

test('the baseline cell: same identity but the component under test; none when something else differs', () => {
  const b = base('n', '2025-06-19T02:00:00Z', 'passed');
  expect(baselineCell(now.cells[0]!, b.cells, catalog)?.id).toBe('e-k1.31-krv1.3.2');
  const other = structuredClone(b);
  other.cells[0]!.requested.kueue = 'v0.11.6'; // Kueue is not under test: another cell
  expect(baselineCell(now.cells[0]!, other.cells, catalog)).toBeUndefined();
  expect(labelResults(now, catalog, { path: 'o.json', results: other }).cells[0]!.suites[0]!.tests[0]!.label).toMatchObject({ kind: 'new', evidence: 'the baseline has no cell like this one (o.json)' });
});

test('report --baseline: a Regressions section first, the labels in JUnit and JSON; an old results file still reads', async () => {
  const dir = scratch();
  const hist = join(dir, 'history', 'n-2');
  mkdirSync(hist, { recursive: true });
  writeFileSync(join(hist, 'results.json'), JSON.stringify(base('n-2', '2025-06-18T02:00:00Z', 'failed')));
  writeFileSync(join(dir, 'now.json'), JSON.stringify(now));
  writeFileSync(join(dir, 'base.json'), JSON.stringify(base('n-3', '2025-06-19T02:00:00Z', 'failed')));
  const md = await cli(['report', join(dir, 'now.json'), '--baseline', join(dir, 'base.json'), '--history', join(dir, 'history')]);
  expect(md.exitCode, md.all).toBe(0);
  const lines = md.stdout.split('\n');
  expect(lines.slice(0, 3)).toEqual(['## Regressions', '', '1 regression, 1 new, 1 already failing, 1 flaky (against the baseline).']);
  expect(lines[4]).toMatch(/^- \*\*regression\*\* `e-k1\.31-krv1\.4\.0` kuberay › scaling workers — passes on the baseline/);
  expect(md.stdout).toMatch(/\*\*already-failing\*\* .* deletion cleans up — fails on the baseline too .*; failing since 2025-06-18 02:00 \(n-2, /);
  const junit = await cli(['report', join(dir, 'now.json'), '--baseline', join(dir, 'base.json'), '-f', 'junit']);
  expect(junit.stdout).toMatch(/<testcase[^>]*name="scaling workers"[^>]*>\s*<properties>\s*<property name="label" value="regression"\/>/);
  const json = JSON.parse((await cli(['report', join(dir, 'now.json'), '--baseline', join(dir, 'base.json'), '-f', 'json'])).stdout) as { labelled: { test: string; label: { kind: string } }[] };
  expect(json.labelled.map((x) => [x.test, x.label.kind])).toEqual([['scaling workers', 'regression'], ['a new check', 'new'], ['deletion cleans up', 'already-failing'], ['the dashboard answers', 'flaky']]);
  // a results file written before labels existed reads, and reports without a section
  const plain = await cli(['report', data('nightly.json')]);
  expect(plain.exitCode).toBe(0);
  expect(plain.stdout).not.toMatch(/## Regressions/);
});

test('the gate: a regression in a cell of the release or of no other published row fails it; another row\'s is listed, as are already-failing and flaky tests, with their evidence; --strict fails on any failure', async () => {
  // nightly.json's v0.2.3 cell fails "an AppWrapper larger than the fake nodes…"; the gate is v1.2.0's.
  const dir = scratch();
  const nightly = data('nightly.json');
  const passing = join(dir, 'passing.json');
  const text = readFileSync(nightly, 'utf8');
  const r = JSON.parse(text) as Results;
  const failedTest = r.cells.find((c) => c.id === 'a-k1.27-op0.2.3-6a8a7a3a')!.suites.find((s) => s.name === 'mcad')!.tests.find((t) => t.status === 'failed')!;
  failedTest.status = 'passed';
  writeFileSync(passing, JSON.stringify(r));
  // Its baseline passed it: a regression of v0.2.3's row, listed; v1.2.0's own cell passed, so its gate passes.
  const other = await cli(['gate', '--release', 'v1.2.0', nightly, '--at', AT, '--baseline', passing]);
  expect(other.exitCode, other.all).toBe(0);
  expect(other.stderr).toMatch(/· regression: cell a-k1\.27-op0\.2\.3-6a8a7a3a: mcad › an AppWrapper larger than the fake nodes .* — passes on the baseline/);
  // A regression in a cell of no published row (era E: no operator) fails v1.2.0's gate.
  const eraE = JSON.parse(text) as Results;
  const cellE = eraE.cells.find((c) => c.id === 'e-k1.31-opnone-508fc819')!;
  const broken = cellE.suites.flatMap((s) => s.tests.map((t) => ({ s, t }))).find(({ t }) => t.status === 'passed')!;
  broken.t.status = 'failed';
  broken.t.errors = ['Error: it broke'];
  cellE.status = 'failed';
  const brokenFile = join(dir, 'era-e-broken.json');
  writeFileSync(brokenFile, JSON.stringify(eraE));
  const reg = await cli(['gate', '--release', 'v1.2.0', brokenFile, '--at', AT, '--baseline', nightly]);
  expect(reg.exitCode, reg.all).toBe(1);
  expect(reg.stdout).toMatch(new RegExp(`✗ regression: cell e-k1\\.31-opnone-508fc819: ${broken.s.name} › .* — passes on the baseline`));
  // Failing on the baseline too: listed, not failing; the flaky v1.1.0 test is listed with its retry.
  const same = await cli(['gate', '--release', 'v1.2.0', nightly, '--at', AT, '--baseline', nightly]);
  expect(same.exitCode, same.all).toBe(0);
  expect(same.stderr).toMatch(/· already-failing: cell a-k1\.27-op0\.2\.3-6a8a7a3a: mcad › .* — fails on the baseline too/);
  expect(same.stderr).toMatch(/· flaky: cell b-k1\.27-op1\.1\.0-504615bd: sdk › .* — passed on retry 1 in this cell/);
  const strict = await cli(['gate', '--release', 'v1.2.0', nightly, '--at', AT, '--baseline', nightly, '--strict']);
  expect(strict.exitCode).toBe(1);
  expect(strict.stdout).toMatch(/✗ cell a-k1\.27-op0\.2\.3-6a8a7a3a: mcad › .* failed \(--strict\)/);
  // A failure of the release's own cell fails the gate whatever its label, and says which.
  const own = await cli(['gate', '--release', 'v0.2.3', nightly, '--at', AT, '--baseline', nightly]);
  expect(own.exitCode).toBe(1);
  expect(own.stdout).toMatch(/✗ cell a-k1\.27-op0\.2\.3-6a8a7a3a: suite mcad failed \(already-failing\)/);
});

test('Allure: a labelled failure opens its message with its label, and categories.json sorts by it; the HTML grid carries a badge', async () => {
  const dir = scratch();
  const labelled = labelResults(now, catalog, { path: 'base.json', results: base('n-3', '2025-06-19T02:00:00Z', 'failed') });
  const cell = labelled.cells[0]!.id;
  mkdirSync(join(dir, 'allure-results'));
  const result = (title: string) => ({ name: title, status: 'failed', statusDetails: { message: `Error: ${title} broke` }, parameters: [{ name: 'Project', value: cell }], labels: [{ name: 'parentSuite', value: 'x' }] });
  writeFileSync(join(dir, 'allure-results', 'a-result.json'), JSON.stringify(result('scaling workers')));
  writeFileSync(join(dir, 'allure-results', 'b-result.json'), JSON.stringify(result('deletion cleans up')));
  finishAllure(dir, labelled);
  finishAllure(dir, labelled); // once only
  const message = (f: string) => (JSON.parse(readFileSync(join(dir, 'allure-results', f), 'utf8')) as { statusDetails: { message: string } }).statusDetails.message;
  expect(message('a-result.json')).toMatch(/^regression: passes on the baseline \(.*\)\nError: scaling workers broke$/);
  expect(message('b-result.json')).toMatch(/^already-failing: fails on the baseline too/);
  const categories = JSON.parse(readFileSync(join(dir, 'allure-results', 'categories.json'), 'utf8')) as { name: string; messageRegex?: string }[];
  const first = categories.find((c) => c.messageRegex && new RegExp(c.messageRegex).test(message('a-result.json')));
  expect(first?.name).toBe('Regressions: pass on the baseline');
  const page = renderHtml(labelled, supportMatrix(labelled, catalog), catalog);
  expect(page).toContain('"label":"regression"');
  expect(page).toContain("'label label-' + t.label");
});

test('a config names its baseline (relative to the config); an unreadable one is refused before anything runs', async () => {
  const dir = scratch();
  writeFileSync(join(dir, 'matrix.yaml'), 'kubernetes: ["1.31"]\nbaseline: last/results.json\n');
  const r = await cli(['run', '-c', join(dir, 'matrix.yaml'), '-o', join(dir, 'run')]);
  expectUserError(r, new RegExp(`${join(dir, 'last/results.json').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot read the results file`));
  expect(existsSync(join(dir, 'run'))).toBe(false);
});

test('the plan\'s baselines, run again in the same run: a cell whose baseline passes, one whose baseline fails, a flaky one, one whose baseline did not run', () => {
  // The chain's cell with KubeRay under test; its baseline, KubeRay at its last release, ran only the failed tests again.
  const run = results('pr-2', '2025-06-20T10:00:00Z', 'v1.4.0', [
    { title: 'scaling workers', status: 'failed' },
    { title: 'deletion cleans up', status: 'failed' },
    { title: 'the dashboard answers', status: 'flaky', retries: 1 },
    { title: 'head reaches Running', status: 'passed' },
  ]);
  const stack = base('pr-2', '2025-06-20T10:30:00Z', 'failed').cells[0]!;
  stack.suites[0]!.tests = stack.suites[0]!.tests.filter((t) => ['scaling workers', 'deletion cleans up'].includes(t.title));
  run.cells[0]!.baseline = { cell: stack.id, why: 'kuberay v1.3.2: its last release, the rest as here' };
  run.baselines = [stack];
  const labelled = labelResults(Results.parse(run), catalog);
  const label = (title: string) => labelled.cells[0]!.suites[0]!.tests.find((t) => t.title === title)!.label;
  expect(label('scaling workers')).toEqual({ kind: 'regression', evidence: `passes on the baseline (${stack.title})`, baseline: { cell: stack.id } });
  expect(label('deletion cleans up')).toMatchObject({ kind: 'already-failing', evidence: expect.stringContaining('Error: deletion cleans up broke'), baseline: { cell: stack.id } });
  expect(label('the dashboard answers')).toEqual({ kind: 'flaky', evidence: 'passed on retry 1 in this cell' });
  expect(label('head reaches Running')).toBeUndefined();
  expect(labelled.baselines![0]!.suites[0]!.tests.every((t) => !t.label)).toBe(true); // the baseline is evidence, not labelled
  // its setup failed: the failures are new, and say why the baseline has nothing to say
  const blocked = structuredClone(run);
  blocked.baselines = [{ ...stack, status: 'blocked', reason: 'install: kuberay v1.3.2: image pull failed', suites: [] }];
  expect(labelResults(blocked, catalog).cells[0]!.suites[0]!.tests[0]!.label).toMatchObject({ kind: 'new', evidence: `the baseline (${stack.title}) did not run: install: kuberay v1.3.2: image pull failed` });
  // no baseline in the run and no file: nothing labelled, as before
  const none = structuredClone(run);
  delete none.baselines;
  expect(labelled.cells[0]!.suites[0]!.tests.filter((t) => t.label)).toHaveLength(3);
  expect(labelResults(none, catalog).cells[0]!.suites[0]!.tests.filter((t) => t.label)).toHaveLength(0);
  // a baseline file is looked up by the plan's baseline id first
  const file = { path: 'b.json', results: Results.parse({ ...base('n-9', '2025-06-19T02:00:00Z', 'passed'), cells: [{ ...base('n-9', '2025-06-19T02:00:00Z', 'passed').cells[0]!, id: stack.id }] }) };
  expect(labelResults(none, catalog, file).cells[0]!.suites[0]!.tests[1]!.label).toMatchObject({ kind: 'regression', baseline: { cell: stack.id, file: 'b.json' } });
});
