// `codeflare-matrix run` end to end on the local provider, for real: a cell provisioned, installed,
// its suites run and torn down; results written; faults (a setup that fails, a cluster that dies
// mid-run, Ctrl-C) leave a clear result and nothing behind.
import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../lib/exec.js';
import { repoRoot } from '../../lib/paths.js';
import { processesUnder } from '../processes.js';
import { clusterNames, clusterDir, readState, startTime } from '../providers/state.js';
import { readResults } from '../../model/results.js';
import { until } from '../testing.js';
import { readCellState } from './layout.js';

// its tests share nothing but the worker's folder: they spread over both workers
test.describe.configure({ mode: 'parallel', timeout: 20 * 60_000 });

// made per worker in beforeAll (the runner also loads this file to list the tests), removed after
let dir: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfm-run-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(repoRoot, 'bin/codeflare-matrix.js');
const cli = (args: string[], env: Record<string, string> = {}) => run('node', [bin, ...args], { cwd: repoRoot, env: { CODEFLARE_MATRIX_DEBUG: '', ...env } });

/** A config of era E cells (no operator: buildable here) running the given suites. */
function config(name: string, suites: string[], cells: { sdk: string; kueue?: string }[] = [{ sdk: 'v0.35.0' }], extra = ''): string {
  const p = join(dir, `${name}.yaml`);
  const include = cells.map((c) => `  - { kubernetes: "1.31", kuberay: v1.3.2, kueue: ${c.kueue ?? 'v0.11.6'}, codeflare-sdk: ${c.sdk} }`).join('\n');
  writeFileSync(p, `name: ${name}\nkubernetes: ["1.31"]\ninclude:\n${include}\nsuites: ${JSON.stringify(suites)}\nretries: 0\n${extra}`);
  return p;
}

/** Clusters and processes a run with this pid still owns: must be none once it has exited. */
function leftBy(pid: number): string[] {
  const clusters = clusterNames().filter((n) => readState(n)?.owner === pid);
  return [...clusters, ...clusters.flatMap((n) => processesUnder(clusterDir(n)).map((p) => `pid ${p.pid}`))];
}

test('a cell the registries here cannot serve is blocked with the reason; the next runs end to end (each test twice): setup, suites (applicable or not, with reasons), teardown, results; a rerun runs only the blocked one', async () => {
  const out = join(dir, 'ok');
  const c = config('ok', ['kuberay', 'mcad'], [{ sdk: 'v0.35.0', kueue: 'v0.13.4' }, { sdk: 'v0.35.0' }]);
  const r = await cli(['run', '-c', c, '-o', out, '--repeat', '2']);
  expect(r.exitCode, r.all).toBe(0); // the blocked cell was known ahead (availability), so not a failure of the run
  expect(r.stdout).toMatch(/1 verified stack from 1 of 2 cells/);
  // the verified stack's row: SDK, KubeRay, Kueue, Kubernetes, what verified it
  expect(readFileSync(join(out, 'support-matrix.md'), 'utf8')).toMatch(/^\| v0\.35\.0 \| v1\.3\.2 \| v0\.11\.6 \| v1\.31\.13 \| local \|$/m);
  const results = readResults(join(out, 'results.json'));
  const [blocked, cell] = results.cells as [(typeof results.cells)[0], (typeof results.cells)[0]];
  expect(blocked).toMatchObject({ status: 'blocked', ahead: true, reason: expect.stringMatching(/not buildable here: kueue v0\.13\.4/) });
  expect(blocked.suites.flatMap((s) => s.tests).every((t) => t.status === 'blocked')).toBe(true);
  expect(cell.status).toBe('passed');
  expect(cell.era).toBe('E');
  expect(cell.serverVersion).toBe('v1.31.13');
  // what ran, from the installers: both controllers built from their modules, the SDK's wheel
  expect(cell.provenance.map((p) => p.component).sort()).toEqual(['codeflare-sdk', 'kuberay', 'kueue']);
  expect(cell.provenance.find((p) => p.component === 'codeflare-sdk')?.wheel?.sha256).toMatch(/^[0-9a-f]{64}$/);
  const kuberay = cell.suites.find((s) => s.name === 'kuberay')!;
  expect(kuberay.tests.filter((t) => t.status === 'passed')).toHaveLength(3);
  // --repeat 2: each test ran twice, one result each with its pass count
  expect(kuberay.tests.filter((t) => t.status === 'passed').map((t) => t.repeats)).toEqual([{ runs: 2, passed: 2 }, { runs: 2, passed: 2 }, { runs: 2, passed: 2 }]);
  expect(results.runs[0]!.repeat).toBe(2);
  // the terminal got each test as it finished
  expect(r.stdout).toMatch(new RegExp(`✓ ${cell.id} › kuberay › (KubeRay › )?a RayCluster's head and workers reach Running and its status says so \\(\\d+\\.\\ds\\)`));
  expect(kuberay.tests.find((t) => t.tags.includes('@real-pods'))).toMatchObject({ status: 'not-applicable', reason: expect.stringMatching(/real-pods/) });
  expect(cell.suites.find((s) => s.name === 'mcad')).toMatchObject({ status: 'not-applicable', reason: 'era E cell without mcad' });
  expect(cell.suites.map((s) => s.name)).not.toContain('kueue'); // not selected
  expect(cell.phases.provision).toBeGreaterThan(0);
  expect(existsSync(join(out, 'cells', cell.id, 'logs'))).toBe(true);
  // Allure: one history per cell — versions are parameters, never in the titles
  const allure = readdirSync(join(out, 'allure-results')).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(readFileSync(join(out, 'allure-results', f), 'utf8')) as { name: string; status: string; parameters: { name: string; value: string }[] });
  const ran = allure.find((a) => a.name === "a RayCluster's head and workers reach Running and its status says so" && a.parameters.some((p) => p.name === 'cell' && p.value === cell.id))!;
  expect(ran.status).toBe('passed');
  expect(ran.parameters).toEqual(expect.arrayContaining([{ name: 'cell', value: cell.id }, { name: 'kuberay', value: 'v1.3.2' }]));
  expect(ran.name).not.toMatch(/v1\.3\.2/);
  expect(existsSync(join(out, 'allure-results', 'executor.json'))).toBe(true);
  // a blocked cell's tests never ran: broken with the reason, with the cell's versions as parameters
  // (its teardown ran, and passed: it is the one result of the cell that is not broken)
  const stopped = allure.filter((a) => a.parameters.some((p) => p.name === 'cell' && p.value === blocked.id) && !a.parameters.some((p) => p.name === 'Project' && p.value.startsWith('teardown:'))) as (typeof allure[number] & { statusDetails: { message: string } })[];
  expect(stopped.length).toBeGreaterThan(0);
  for (const a of stopped) {
    expect(a.status).toBe('broken');
    expect(a.statusDetails.message).toMatch(/^blocked: not buildable here: kueue v0\.13\.4/);
    expect(a.parameters).toEqual(expect.arrayContaining([{ name: 'kueue', value: 'v0.13.4' }]));
  }
  expect(JSON.parse(readFileSync(join(out, 'allure-results', 'categories.json'), 'utf8')).map((c: { name: string }) => c.name)).toContain('Blocked: the cell never reached its tests');
  expect(readFileSync(join(out, 'allure-results', 'environment.properties'), 'utf8')).toMatch(/^harness ?= ?codeflare-matrix \d+\.\d+\.\d+$/m);
  expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(new RegExp(`<testsuite name="[^"]+" id="${cell.id}" tests="\\d+" failures="0"`));
  // the run's junit.xml is the one `report --format junit` makes of its results.json (provenance digests included)
  expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toBe(`${(await cli(['report', join(out, 'results.json'), '-f', 'junit'])).stdout}\n`);
  expect(leftBy(Number(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).owner))).toEqual([]);
  // --rerun-failed: only the blocked cell runs again (still not buildable here); the passed one is kept as it was
  const again = join(dir, 'again');
  const rr = await cli(['run', '-c', c, '-o', again, '--rerun-failed', join(out, 'results.json')]);
  expect(rr.exitCode, rr.all).toBe(0);
  const merged = readResults(join(again, 'results.json'));
  expect(merged.runs).toHaveLength(2);
  expect(merged.runs[1]!.rerun).toEqual({ of: join(out, 'results.json'), cells: { [blocked.id]: [] } });
  expect(merged.cells.map((x) => [x.id, x.status])).toEqual([[blocked.id, 'blocked'], [cell.id, 'passed']]);
  expect(merged.cells[1]).toEqual(cell);
  expect(rr.stdout).toMatch(/1 cell\(s\)/);
});

test('a published row that breaks a constraint is reported with the reason, not run, and does not fail the run', async () => {
  const out = join(dir, 'published-violation');
  const id = (JSON.parse((await cli(['plan', '-s', 'published', '--json'])).stdout) as { cells: { id: string; versions: Record<string, string> }[] }).cells.find((c) => c.versions['codeflare-operator'] === 'v1.3.0')!.id;
  const r = await cli(['run', '-s', 'published', '--cells', id, '-o', out]);
  expect(r.exitCode, r.all).toBe(0);
  const cell = readResults(join(out, 'results.json')).cells[0]!;
  expect(cell).toMatchObject({ status: 'blocked', ahead: true, reason: expect.stringMatching(/^not run: the row \[not-in-era\] mcad v1\.40\.0 is named, but era C has no mcad/) });
  expect(cell.cluster).toBeUndefined();
  // the cell's folder holds Playwright's own report of it, and the run's report.html links it
  expect(existsSync(join(out, 'cells', id, 'playwright-report', 'index.html'))).toBe(true);
  expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(`cells/${id}/playwright-report/index.html`);
  // the plan is said first, before the janitor and any build: what runs, what is blocked ahead and why
  expect(r.stdout.split('\n').slice(0, 2)).toEqual(['plan: 1 cell(s), 0 to run, 1 blocked ahead (not run, not a failure)', `  ${id}  blocked ahead: ${cell.reason!.split('\n')[0]}`]);
  // its tests are skipped with the reason in junit.xml, as `report --format junit` has them; the printout counts them the same way
  const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
  const tests = cell.suites.flatMap((s) => s.tests).length;
  expect(junit).toContain(`<testsuites name="codeflare-matrix default" tests="${tests}" failures="0" errors="0" skipped="${tests}"`);
  expect(junit).toContain('<skipped message="blocked ahead: not run: the row [not-in-era] mcad v1.40.0 is named');
  expect(junit).toBe(`${(await cli(['report', join(out, 'results.json'), '-f', 'junit'])).stdout}\n`);
  expect(r.stdout).toContain(`${tests} tests: 0 passed (0 flaky), 0 failed, 0 errors (blocked in setup), ${tests} skipped (0 not applicable, ${tests} in cells blocked ahead)`);
});

test('a setup that fails (the cluster does not start in time) blocks its cell, fails the run, leaves nothing', async () => {
  const out = join(dir, 'setup-fault');
  const r = await cli(['run', '-c', config('setup-fault', ['kueue']), '-o', out], { CODEFLARE_MATRIX_START_TIMEOUT: '0.5' });
  expect(r.exitCode, r.all).toBe(1);
  const cell = readResults(join(out, 'results.json')).cells[0]!;
  expect(cell).toMatchObject({ status: 'blocked', reason: expect.stringMatching(/not ready|timed out|did not/i) });
  expect(leftBy(Number(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).owner))).toEqual([]);
});

test('--reuse-clusters: a cleanly uninstalled cluster goes to the next cell of its pool; the last is destroyed at the end', async () => {
  const out = join(dir, 'reuse');
  // one lane: the second cell starts once the first has given its cluster back (two lanes would each make one)
  const r = await cli(['run', '-c', config('reuse', ['kueue'], [{ sdk: 'v0.35.0' }, { sdk: 'v0.38.2' }]), '-o', out, '--reuse-clusters', '-j', '1']);
  expect(r.exitCode, r.all).toBe(0);
  const cells = readResults(join(out, 'results.json')).cells;
  expect(cells.map((c) => c.cluster?.reused).sort()).toEqual([false, true]);
  expect(new Set(cells.map((c) => c.cluster?.name)).size).toBe(1);
  // Both teardowns undid the install step (the stack came off) before the cluster's own undo.
  for (const c of cells) expect(readCellState(out, c.id)?.done).toEqual(['check', 'build', 'clients', 'images', 'cluster', 'install', 'load images', 'server version']);
  expect(leftBy(Number(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).owner))).toEqual([]);
});

test('--keep-on-failure: a failed cell keeps its cluster, with how to remove it; its failed tests run again on its baseline stack, only those, and are labelled', async () => {
  const out = join(dir, 'keep');
  // 200 ms per test: the quota tests (a ClusterQueue, a Job, Kueue's verdict) fail, with the cluster
  // made; its baseline is the same stack with the SDK the other tests install (no build of its own).
  const r = await cli(['run', '-c', config('keep', ['kueue'], undefined, 'timeouts: { test: 200ms }\nbaseline: { codeflare-sdk: v0.38.2 }\n'), '-o', out, '--keep-on-failure']);
  const results = readResults(join(out, 'results.json'));
  const cell = results.cells[0]!;
  const stack = results.baselines?.[0];
  // both failed: both clusters kept, each with how to remove it (removed first, whatever is checked after)
  const kept = [cell, ...(stack ? [stack] : [])].map((c) => readCellState(out, c.id)?.cluster?.name);
  const states = kept.map((name) => (name ? readState(name) : undefined));
  for (const name of kept) if (name) await cli(['cluster', 'down', name]);
  expect(r.exitCode, r.all).toBe(1);
  expect(cell.status).toBe('failed');
  for (const [i, name] of kept.entries()) {
    expect(r.all).toContain(`npx codeflare-matrix cluster down ${name}`);
    expect(states[i]).toMatchObject({ name });
    expect(states[i]!.owner).toBeUndefined();
    expect(readState(name!)).toBeUndefined();
  }
  expect(results.cells).toHaveLength(1); // the baseline stack is no row of the matrix
  expect(stack?.id, r.all).toBe(cell.baseline?.cell);
  expect(stack!.requested['codeflare-sdk']).toBe('v0.38.2');
  // only the tests that failed ran there
  const failed = cell.suites.flatMap((s) => s.tests).filter((t) => t.status === 'failed');
  expect(stack!.suites.flatMap((s) => s.tests).map((t) => t.title).sort()).toEqual(failed.map((t) => t.title).sort());
  expect(r.stdout).toContain(`baseline ${stack!.id} (${stack!.title}): the ${failed.length} test(s) that failed in ${cell.id} run again on it`);
  // each labelled by what the same test did on the baseline (which tests beat 200 ms varies by machine)
  const kindOf = { failed: 'already-failing', passed: 'regression', flaky: 'flaky' } as Record<string, string>;
  for (const s of cell.suites) {
    for (const t of s.tests.filter((x) => x.status === 'failed')) {
      const there = stack!.suites.find((x) => x.name === s.name)?.tests.find((x) => x.title === t.title);
      expect(t.label, `${t.title}: ${there?.status}`).toMatchObject({ kind: kindOf[there!.status] ?? 'new', baseline: { cell: stack!.id } });
    }
  }
});

test('a cluster that dies mid-run fails its cell with the collector’s attachments; Ctrl-C then stops the run cleanly', async () => {
  const out = join(dir, 'faults');
  const child = spawn('node', [bin, 'run', '-c', config('faults', ['kuberay', 'kueue'], [{ sdk: 'v0.35.0' }, { sdk: 'v0.38.2' }], 'timeouts: { test: 30s }\n'), '-o', out, '-j', '1'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const plan = await until('plan.json', async () => existsSync(join(out, 'plan.json')) && (JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as { cells: { id: string }[] }), 30_000);
  const [first, second] = plan.cells.map((c) => c.id);
  // one lane (-j 1): the second cell starts only after the first
  // first cell: kill its apiserver once its suites run (a test then fails by its timeout, 30 s here)
  await until('first cell in its suites', async () => /^(kuberay|kueue):/.test(readFileSync(join(out, 'cells', first!, 'step'), 'utf8')), 600_000);
  await new Promise((r) => setTimeout(r, 3000)); // inside the first test, its namespace made
  const cluster = readCellState(out, first!)!.cluster!;
  const apiserver = readState(cluster.name)!.processes.find((p) => p.component === 'kube-apiserver')!;
  process.kill(apiserver.pid, 'SIGKILL');
  // second cell: Ctrl-C once it is installing
  await until('second cell started', async () => existsSync(join(out, 'cells', second!, 'step')), 600_000);
  child.kill('SIGINT');
  expect(await exited, output).toBe(130);
  const results = readResults(join(out, 'results.json'));
  expect(results.runs[0]!.interrupted).toBe(true);
  const dead = results.cells.find((c) => c.id === first)!;
  expect(dead.status, output).toBe('failed');
  // the test that was running when the apiserver died: the collector attached what it could
  const failedTest = dead.suites.flatMap((s) => s.tests).find((t) => t.status === 'failed' && t.attachments.length > 0)!;
  expect(failedTest.attachments.map((a) => a.name)).toEqual(expect.arrayContaining(['warning events (all namespaces)', 'kuberay v1.3.2 log']));
  // every failed test has the collector's attachments, not only the one that was running
  expect(dead.suites.flatMap((s) => s.tests).filter((t) => t.status === 'failed').every((t) => t.attachments.some((a) => a.name === 'kueue v0.11.6 log'))).toBe(true);
  expect(results.cells.find((c) => c.id === second)).toMatchObject({ status: 'blocked' });
  expect(leftBy(child.pid!)).toEqual([]);
});

test.describe('bad input', () => {
  const expectUserError = (r: Awaited<ReturnType<typeof cli>>, ...patterns: RegExp[]) => {
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    for (const p of patterns) expect(r.stderr).toMatch(p);
  };
  test('a suite selector that matches nothing', async () => {
    expectUserError(await cli(['run', '-c', config('nosuite', ['ray*cluster'])]), /suite selector "ray\*cluster" matches no suite/, /fix: use "\*", "upstream:\*" or one of: kuberay/);
  });
  test('an unknown cell, a bad shard, a bad retry count', async () => {
    const c = config('cells', ['kuberay']);
    expectUserError(await cli(['run', '-c', c, '--cells', 'nope']), /no cell nope in the plan/);
    expectUserError(await cli(['run', '-c', c, '--shard', '3/2']), /--shard 3\/2 is not i\/n/);
    expectUserError(await cli(['run', '-c', c, '--retries', '-1']), /--retries -1/);
  });
  test('a run folder another run holds, running or finished: refused before anything is built', async () => {
    const c = config('held', ['kuberay']);
    const busy = join(dir, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'owner'), `${process.pid} ${startTime(process.pid)}\n`); // a live run: this test's worker
    expectUserError(await cli(['run', '-c', c, '-o', busy]), new RegExp(`busy: the run folder is in use by a run still going \\(pid ${process.pid}\\)`), /fix: pass another --out/);
    const done = join(dir, 'done');
    mkdirSync(done);
    writeFileSync(join(done, 'results.json'), '{}');
    expectUserError(await cli(['run', '-c', c, '-o', done]), /done: the run folder holds an earlier run/);
    expect(readdirSync(done)).toEqual(['results.json']); // nothing written into it
  });
});
