// The cell form of bisect on a run folder the test writes (results.json and plan.json of two era A
// rows, the previous one the baseline): which component it bisects, its two revisions, whether GOOD
// is probed first; the probe's cell and plan (the commit's pseudo-version keeps the cell's era and
// what the catalog says of it, where ref: would not); and bad input, one line each, exit 2.
import { test, expect } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { run } from '../../lib/exec.js';
import { join } from 'node:path';
import { component, loadCatalog, type ComponentId } from '../../matrix/catalog/index.js';
import { makeCell, type Cell, type Versions } from '../../matrix/cell.js';
import { satisfies } from '../../matrix/versions.js';
import type { Plan } from '../../matrix/planner/index.js';
import type { Sources } from '../../matrix/config.js';
import { UserError } from '../../lib/errors.js';
import { Results, writeResults, type CellResult } from '../../model/results.js';
import { cli, expectUserError, scratch } from '../../reports/testing.js';
import { cellTarget, probeCell, probePlan, type TargetOptions } from './bisect.js';

const catalog = loadCatalog();
const eraA = catalog.eras.find((e) => e.id === 'A')!;
const TITLE = 'InstaScale › a queued AppWrapper ordering an instance type scales its MachineSet up';
const OPERATOR_V004 = '094529ca2ef755f92f3852a28cc8bb1eb3eb35f9';
const published = (v: Versions) => Object.fromEntries(Object.keys(v).map((id) => [id, id === 'kubernetes' ? 'axis' : 'published'])) as Cell['origin'];
const row = (v: Versions, baseline?: string) => makeCell(eraA, v, published(v), baseline ? { baseline: { cell: baseline, why: 'the previous published row' } } : {});
const v004: Versions = { kubernetes: 'v1.27.16', 'codeflare-operator': 'v0.0.4', mcad: 'v1.31.0', instascale: 'v0.0.4', kuberay: 'v0.5.0', 'codeflare-sdk': 'v0.4.4' };
const v005: Versions = { kubernetes: 'v1.27.16', 'codeflare-operator': 'v0.0.5', mcad: 'v1.32.0', instascale: 'v0.0.5', kuberay: 'v0.5.0', 'codeflare-sdk': 'v0.5.0' };
// every Go component a clone (the paths are only named: nothing here reads them)
const sources = Object.fromEntries(catalog.components.filter((c) => c.source.kind === 'go').map((c) => [c.id, { git: `/clones/${c.id}`, prefer: 'proxy', at: 'sources.yaml' }])) as Sources;

function result(cell: Cell, status: 'passed' | 'failed', commit?: string): CellResult {
  return Results.shape.cells.element.parse({
    id: cell.id, title: cell.title, era: cell.era, provider: 'local', kubernetes: 'v1.27.16', requested: cell.versions, origin: cell.origin, status,
    provenance: commit ? [{ component: 'codeflare-operator', requested: cell.versions['codeflare-operator'], resolved: cell.versions['codeflare-operator'], module: 'github.com/project-codeflare/codeflare-operator', commit, origin: 'git', differences: [] }] : [],
    suites: [{ name: 'instascale', status, tests: [{ title: TITLE, status, durationMs: 1, retries: 0, errors: status === 'failed' ? ['Error: codeflare-operator v0.0.5 makes no InstaScale controller Deployment'] : [] }, { title: 'InstaScale › scales down', status: 'passed', durationMs: 1, retries: 0 }] }],
    artifacts: `cells/${cell.id}`, ...(cell.baseline ? { baseline: cell.baseline } : {}),
  });
}

/** A run folder: the rows' results (the baseline's test as given) and the plan beside them. */
function runFolder(base: { versions?: Versions; status?: 'passed' | 'failed' } = {}, cellVersions = v005): { file: string; cell: Cell; base: Cell } {
  const dir = scratch();
  const b = row(base.versions ?? v004);
  const c = row(cellVersions, b.id);
  const results = Results.parse({ schema: 1, harness: { name: 'codeflare-matrix', version: '0.1.0' }, config: { name: 'history', path: 'matrix.yaml', hash: 'h' }, strategy: 'published', provider: 'local', runs: [{ id: 'r', startedAt: '2026-12-07T00:00:00Z', finishedAt: '2026-12-07T00:10:00Z' }], cells: [result(b, base.status ?? 'passed', OPERATOR_V004), result(c, 'failed')] });
  writeResults(join(dir, 'results.json'), results);
  const plan: Plan = { schema: 1, name: 'history', config: { path: 'matrix.yaml', hash: 'h' }, strategy: 'published', provider: 'local', cells: [b, c], baselines: [], excluded: [], excludedCount: {}, uncoverable: [], run: { suites: ['*'], retries: 1, timeouts: { provision: '3m', install: '15m', test: '5m' } }, sources: {} };
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
  return { file: join(dir, 'results.json'), cell: c, base: b };
}

const target = (file: string, o: Partial<TargetOptions> = {}) => cellTarget(Results.parse(JSON.parse(readFileSync(file, 'utf8'))), catalog, { results: file, test: 'a queued AppWrapper ordering an instance type scales its MachineSet up', sources, ...o });

function refused(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).line();
  }
  throw new Error('expected a UserError');
}

test('the component that moved on its own, from git: the operator (MCAD and InstaScale follow it in era A, the SDK is from PyPI); GOOD the commit its baseline ran, BAD its tag', () => {
  const { file, cell, base } = runFolder();
  const t = target(file); // the one cell where the test failed
  expect(t.cell.id).toBe(cell.id);
  expect(t.baseline?.id).toBe(base.id);
  expect(t.component).toBe('codeflare-operator');
  expect(t.repo).toBe('/clones/codeflare-operator');
  expect(t.good).toEqual({ version: 'v0.0.4', rev: OPERATOR_V004 });
  expect(t.bad).toEqual({ version: 'v0.0.5', rev: 'v0.0.5' });
  expect(t.test).toEqual({ suite: 'instascale', title: TITLE, only: TITLE });
  // the baseline passed the test, but with another SDK: GOOD is probed with the cell's
  expect(t.checkGood).toBe('the baseline ran another stack: codeflare-sdk v0.4.4, not v0.5.0');
  // the same stack but the operator (MCAD, InstaScale follow it), and it passed: the baseline vouches for GOOD
  expect(target(runFolder({ versions: { ...v004, 'codeflare-sdk': 'v0.5.0' } }).file).checkGood).toBeUndefined();
  const failing = runFolder({ versions: { ...v004, 'codeflare-sdk': 'v0.5.0' }, status: 'failed' });
  expect(target(failing.file, { cell: failing.cell.id }).checkGood).toBe(`the test is failed on the baseline ${failing.base.id}`);
  // --good: that revision, always probed first
  expect(target(file, { good: 'v0.0.4~3' })).toMatchObject({ good: { version: 'ref:v0.0.4~3', rev: 'v0.0.4~3' }, checkGood: 'GOOD was named (--good)' });
});

test("a probe's cell: the cell's stack and era with the component at the commit's pseudo-version, which the catalog judges between the releases around it (a ref: as the newest)", () => {
  const { file, cell } = runFolder();
  const t = target(file);
  const pseudo = 'v0.0.5-0.20230627180510-8e0c5a0cafdb';
  const p = probeCell(catalog, t, pseudo);
  expect(p.era).toBe('A');
  expect(p.versions).toEqual({ ...cell.versions, 'codeflare-operator': pseudo });
  expect(p.origin).toEqual(cell.origin);
  expect(p.needs).toEqual(cell.needs);
  expect(p.baseline).toBeUndefined();
  expect(p.id).toMatch(/^a-k1\.27-op0\.0\.5-0\.20230627180510-8e0c5a0cafdb-[0-9a-f]{8}$/);
  // what the install and the suites read of the operator: era A's layout and launch for the pseudo-version
  const op = component(catalog, 'codeflare-operator');
  const layout = (v: string) => op.layouts.find((l) => satisfies(catalog, 'codeflare-operator', v, l.range));
  expect(layout(pseudo)).toBe(layout('v0.0.5'));
  expect(op.process.find((x) => satisfies(catalog, 'codeflare-operator', pseudo, x.range))?.plays).toEqual(['mcad', 'instascale']);
  expect(layout('ref:8e0c5a0cafdb')).not.toBe(layout('v0.0.5'));
  // a commit past the newest release (a dev cell's) is judged as the newest, as dev is
  const newest = op.versions.map((v) => v.tag).at(-1)!;
  expect(layout('v99.0.1-0.20260101000000-0123456789ab')).toBe(layout(newest));
  // its plan: that cell alone, no baseline stack, only the test, one lane; the rest as the run planned it
  const plan = probePlan(t, p);
  expect(plan.cells).toEqual([p]);
  expect(plan.baselines).toEqual([]);
  expect(plan.run).toEqual({ suites: ['*'], retries: 1, timeouts: { provision: '3m', install: '15m', test: '5m' }, parallelism: 1, only: { [p.id]: [TITLE] } });
  expect(plan.sources['codeflare-operator']?.git).toBe('/clones/codeflare-operator');
});

test('what a cell bisection cannot start from is refused in one line with the fix', () => {
  const { file, cell } = runFolder();
  expect(refused(() => target(file, { test: 'scales down' }))).toBe(`${file}: "scales down" failed in no cell of the results — fix: name a test that failed (its title as the report shows it), or pass --cell`);
  expect(refused(() => target(file, { test: 'scales down', cell: cell.id }))).toBe(`--test: "InstaScale › scales down" is passed in ${cell.id}: there is no regression to bisect — fix: name a test that failed in the cell`);
  expect(refused(() => target(file, { cell: 'a-k1.27-op9-00000000' }))).toMatch(/^--cell: no cell a-k1\.27-op9-00000000 in the results — fix: one of: a-k1\.27-op0\.0\.4-/);
  expect(refused(() => target(file, { sources: {}, component: 'codeflare-operator' }))).toBe('--component: no git source of codeflare-operator — fix: name a clone of project-codeflare/codeflare-operator in ~/.config/codeflare-matrix/sources.yaml (sources: {codeflare-operator: PATH})');
  expect(refused(() => target(file, { component: 'kueue' as ComponentId }))).toMatch(/^--component: kueue is no Go component of cell a-k1\.27-op0\.0\.5-[0-9a-f]{8} — fix: one of: kubernetes|codeflare-operator/);
  // without the operator's source, nothing that moved on its own comes from git
  const { 'codeflare-operator': _, ...noOperator } = sources;
  expect(refused(() => target(file, { sources: noOperator }))).toMatch(/no component with a git source moved on its own between .* \(codeflare-operator v0\.0\.4 → v0\.0\.5, mcad v1\.31\.0 → v1\.32\.0, instascale v0\.0\.4 → v0\.0\.5, codeflare-sdk v0\.4\.4 → v0\.5\.0\)/);
  // KubeRay moved too: which one is the user's choice
  const both = runFolder({}, { ...v005, kuberay: 'v0.6.0' });
  expect(refused(() => target(both.file))).toMatch(/2 components with a git source moved .* — fix: choose one with --component: codeflare-operator, kuberay$/);
  expect(target(both.file, { component: 'kuberay' })).toMatchObject({ component: 'kuberay', good: { version: 'v0.5.0', rev: 'ray-operator/v0.5.0' }, bad: { version: 'v0.6.0', rev: 'ray-operator/v0.6.0' } });
});

test('the CLI: the two forms and their options kept apart; a results file without its plan, revisions the git source lacks or in the wrong order, a used folder refused; one line each, exit 2, nothing made', async () => {
  const { file } = runFolder();
  const lone = join(scratch(), 'results.json');
  mkdirSync(join(lone, '..'), { recursive: true });
  writeFileSync(lone, readFileSync(file));
  expectUserError(await cli(['bisect', '--results', lone, '--test', 'a queued AppWrapper ordering an instance type scales its MachineSet up']), /no plan\.json beside the results/, /fix: pass the results\.json of a run folder/);
  expectUserError(await cli(['bisect', 'codeflare-operator', '--results', file, '--test', 'x']), /the cell form takes no COMPONENT GOOD BAD/);
  expectUserError(await cli(['bisect', '--cell', 'c', '--test', 'x']), /--cell: --cell is of the cell form/);
  expectUserError(await cli(['bisect', '--test', 'TestX']), /the Go test form needs COMPONENT GOOD BAD/);
  expectUserError(await cli(['bisect', '--results', file, '--test', 'no such test'], { CODEFLARE_MATRIX_SOURCES: '' }), /"no such test" failed in no cell of the results/);
  // revisions the operator's git source (a repository this test makes) lacks, or in the wrong order: refused before anything is made
  const repo = scratch();
  const git = (...args: string[]) => run('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args]);
  await git('init', '-q');
  for (const tag of ['v0.0.4', 'v0.0.5']) {
    writeFileSync(join(repo, 'go.mod'), `module github.com/project-codeflare/codeflare-operator\n\n// ${tag}\n`);
    await git('add', '-A');
    await git('commit', '-qm', tag);
    await git('tag', tag);
  }
  await git('checkout', '-qb', 'side', 'v0.0.4');
  await git('commit', '-q', '--allow-empty', '-m', 'a side branch');
  const sourcesFile = join(scratch(), 'sources.yaml');
  writeFileSync(sourcesFile, `sources:\n  codeflare-operator: ${repo}\n`);
  const out = join(scratch(), 'bisect');
  const bisect = (...args: string[]) => cli(['bisect', '--results', file, '--test', 'a queued AppWrapper ordering an instance type scales its MachineSet up', '-o', out, ...args], { CODEFLARE_MATRIX_SOURCES: sourcesFile, CODEFLARE_MATRIX_HOME: scratch() });
  expectUserError(await bisect(), new RegExp(`no revision ${OPERATOR_V004} in ${repo}`)); // the commit the baseline ran is not in this repository
  expectUserError(await bisect('--good', 'side'), /GOOD side is not an ancestor of BAD v0\.0\.5/);
  expectUserError(await bisect('--good', 'v0.0.5~0'), /GOOD v0\.0\.5~0 and BAD v0\.0\.5 are one commit/);
  expect(existsSync(out)).toBe(false);
  mkdirSync(out);
  writeFileSync(join(out, 'bisect.json'), '{}');
  expectUserError(await bisect('--good', 'v0.0.4'), /the folder is not empty/);
});
