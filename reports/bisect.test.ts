// Bisect over a component's git history the test makes: a Go module of 8 commits after a good tag,
// one that does not build (skipped, as `git bisect run` skips on exit 125) and one that breaks the
// test. The probe is real: `go build` of the commit's tree, then `go test` of that one test.
import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../lib/exec.js';
import { goEnv } from '../harness/toolchain/gomod.js';
import { UserError } from '../lib/errors.js';
import { readResults, Results, writeResults, type CellResult, type TestResult } from '../model/results.js';
import { bisect, findTest, judge, type Outcome } from './bisect.js';
import { AT, cli, expectUserError, scratch } from './testing.js';

const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd });

async function history(): Promise<{ repo: string; breaking: string }> {
  const repo = scratch();
  await git(repo, 'init', '-q');
  const commit = async (msg: string, scale: string) => {
    writeFileSync(join(repo, 'go.mod'), 'module example.com/queue\n\ngo 1.21\n');
    writeFileSync(join(repo, 'queue.go'), `package queue\n\n// Capacity is how many workers a queue of n slots admits.\nfunc Capacity(n int) int { return ${scale} }\n`);
    writeFileSync(join(repo, 'queue_test.go'), 'package queue\n\nimport "testing"\n\nfunc TestCapacity(t *testing.T) {\n\tif got := Capacity(4); got != 4 {\n\t\tt.Fatalf("Capacity(4) = %d", got)\n\t}\n}\n\nfunc TestOther(t *testing.T) {}\n');
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', msg);
    return (await git(repo, 'rev-parse', 'HEAD')).stdout.trim();
  };
  await commit('v1.0.0', 'n');
  await git(repo, 'tag', 'v1.0.0');
  let breaking = '';
  const bodies = ['n + 0', 'n + 0 + 0', '(n)', 'n +', /* does not build */ 'n - 1', /* breaks */ 'n - 1 + 0', '(n - 1)', '(n - 1) + 0'];
  for (const [i, body] of bodies.entries()) {
    const c = await commit(i === 4 ? 'queue: leave a slot for the head' : `commit ${i + 1}`, body);
    if (i === 4) breaking = c;
  }
  await git(repo, 'tag', 'v1.1.0');
  return { repo, breaking };
}

/** Build the commit's tree and run only TestCapacity: good, bad, or skip when it does not build. */
async function probe(repo: string, commit: string): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-bisect-'));
  try {
    const tar = await run('sh', ['-c', 'git -C "$0" archive "$1" | tar -x -C "$2"', repo, commit, dir]);
    expect(tar.exitCode, tar.stderr).toBe(0);
    const env = { ...goEnv(), GOFLAGS: '-mod=mod' };
    if (!(await run('go', ['build', './...'], { cwd: dir, env })).ok) return 'skip';
    return (await run('go', ['test', '-count=1', '-run', '^TestCapacity$', '.'], { cwd: dir, env })).ok ? 'good' : 'bad';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('bisect: the first breaking commit among eight, a commit that does not build skipped, each probe a real build and test', async () => {
  test.setTimeout(180_000);
  const { repo, breaking } = await history();
  const b = await bisect(repo, 'v1.0.0', 'v1.1.0', (c) => probe(repo, c));
  const commits = (await git(repo, 'rev-list', '--reverse', 'v1.0.0..v1.1.0')).stdout.trim().split('\n');
  expect(b.range).toBe(8);
  expect(b.first).toEqual({ commit: breaking, subject: 'queue: leave a slot for the head' });
  // The midpoint (commit 4) does not build: its neighbour is judged instead; as git bisect says, the
  // culprit is the first bad commit or the skipped one right before it.
  expect(b.steps).toEqual([{ commit: commits[3], outcome: 'skip' }, { commit: commits[2], outcome: 'good' }, { commit: commits[4], outcome: 'bad' }]);
  expect(b.skipped).toEqual([commits[3]]);
  // A bad revision that is no descendant of the good one is refused.
  await expect(bisect(repo, 'v1.1.0', 'v1.0.0', async () => 'good')).rejects.toThrow(/not an ancestor/);
});

test('bisect: when every commit before the first bad one is skipped, the culprit is one of them or it', async () => {
  const { repo } = await history();
  const commits = (await git(repo, 'rev-list', '--reverse', 'v1.0.0..v1.1.0')).stdout.trim().split('\n');
  // commits 1-4 skip, 5 onwards bad: nothing says which of 1-5 broke it
  const b = await bisect(repo, 'v1.0.0', 'v1.1.0', async (c) => (commits.indexOf(c) < 4 ? 'skip' : 'bad'));
  expect(b.first.commit).toBe(commits[4]);
  expect(b.skipped).toEqual(commits.slice(0, 4));
});

test('bisect COMPONENT GOOD BAD --test: the commit, its subject, the builds it took, the test log of both sides; a BAD where the test passes is refused', async () => {
  test.setTimeout(180_000);
  const { repo, breaking } = await history();
  const r = await cli(['bisect', 'appwrapper', 'v1.0.0', 'v1.1.0', '--test', 'TestCapacity', '--git', repo]);
  expect(r.exitCode, r.all).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines[0]).toBe(`first bad commit of appwrapper for TestCapacity: ${breaking} queue: leave a slot for the head`);
  expect(lines[1]).toMatch(/^ {2}\(or one of the commits before it that do not build: [0-9a-f]{40}\)$/);
  expect(lines[2]).toMatch(/^ {2}4 builds and test runs over 8 commits \(BAD first\), \d+s$/);
  expect(r.stdout).toMatch(/last good [0-9a-f]{12}:\n {4}ok /);
  expect(r.stdout).toMatch(/first bad [0-9a-f]{12}:\n(.|\n)*Capacity\(4\) = 3/);
  expectUserError(await cli(['bisect', 'appwrapper', 'v1.0.0', 'v1.0.0', '--test', 'TestCapacity', '--git', repo]), /TestCapacity passes at v1\.0\.0/);
  expectUserError(await cli(['bisect', 'codeflare-sdk', 'v1.0.0', 'v1.1.0', '--test', 'TestCapacity', '--git', repo]), /codeflare-sdk is not a Go component/);
});

// A probe's verdict from the results file its run wrote (here, files the test writes and reads back
// as the command does): passed good, failed bad, and everything that says nothing about the commit
// a skip with why — the component did not build (the cell's setup failed), the test was blocked, not
// applicable, flaky, or is not there at all.
test('a probe is judged from its results: passed good, failed bad with its error, a setup that failed or a blocked, n/a or flaky test skip, with why', () => {
  const dir = scratch();
  const ref = { suite: 'instascale', title: 'InstaScale › scales its MachineSet up', only: 'InstaScale › scales its MachineSet up' };
  const judged = (status: TestResult['status'] | undefined, cell: Partial<CellResult> = {}) => {
    const tests = status ? [{ title: ref.title, status, durationMs: 1, retries: status === 'flaky' ? 1 : 0, errors: status === 'failed' ? ['Error: codeflare-operator v0.0.5-0.2023 makes no InstaScale controller Deployment\n  at suites/instascale.spec.ts:40'] : [], ...(status === 'blocked' || status === 'not-applicable' ? { reason: `${status} because` } : {}) }] : [];
    const r = Results.parse({ schema: 1, harness: { name: 'codeflare-matrix', version: '0.1.0' }, config: { name: 'm', path: 'm.yaml', hash: 'h' }, strategy: 'published', provider: 'local', runs: [{ id: 'r', startedAt: AT, finishedAt: AT }], cells: [{ id: 'c1', title: 't', era: 'A', provider: 'local', kubernetes: 'v1.27.16', requested: {}, status: 'failed', suites: [{ name: ref.suite, status: status ?? 'passed', tests }], ...cell }] });
    const file = join(dir, 'results.json');
    writeResults(file, r);
    return judge(readResults(file), 'c1', ref);
  };
  expect(judged('passed')).toMatchObject({ outcome: 'good', why: 'passed' });
  expect(judged('failed')).toMatchObject({ outcome: 'bad', why: 'failed: Error: codeflare-operator v0.0.5-0.2023 makes no InstaScale controller Deployment' });
  expect(judged('failed').test?.errors[0]).toMatch(/instascale\.spec\.ts:40/);
  expect(judged('flaky')).toMatchObject({ outcome: 'skip', why: 'flaky: it failed, then passed on a retry' });
  expect(judged('blocked')).toMatchObject({ outcome: 'skip', why: 'blocked: blocked because' });
  expect(judged('not-applicable')).toMatchObject({ outcome: 'skip', why: 'not applicable: not-applicable because' });
  // the component did not build: the cell is blocked by its setup, its tests with it
  const build = 'building codeflare-operator v0.0.5-0.20230627180510-8e0c5a0cafdb failed: go build: main.go:3:1: syntax error\nmore lines';
  expect(judged('blocked', { status: 'blocked', reason: build })).toMatchObject({ outcome: 'skip', why: `the cell's setup failed: ${build.split('\n')[0]}` });
  expect(judged(undefined)).toMatchObject({ outcome: 'skip', why: `the probe ran no test "${ref.title}"` });
  expect(judge(readResults(join(dir, 'results.json')), 'c2', ref)).toMatchObject({ outcome: 'skip', why: "the probe's results have no cell c2" });
});

test('a test is named by its title, "suite › title" or its last parts; a name that fits none or several is refused with the choices', () => {
  const cell = Results.shape.cells.element.parse({
    id: 'c1', title: 't', era: 'A', provider: 'local', kubernetes: 'v1.27.16', requested: {}, status: 'failed',
    suites: [
      { name: 'instascale', status: 'failed', tests: [{ title: 'InstaScale › scales up', status: 'failed', durationMs: 1, retries: 0 }, { title: 'InstaScale › scales down', status: 'passed', durationMs: 1, retries: 0 }] },
      { name: 'upstream:kuberay', status: 'failed', code: { component: 'kuberay', kind: 'go-test', package: './test/e2e', module: 'm', version: 'v1.3.2', origin: 'proxy' }, tests: [{ title: 'TestRayJob', status: 'failed', durationMs: 1, retries: 0 }, { title: 'TestScales up', status: 'passed', durationMs: 1, retries: 0 }] },
    ],
  });
  const up = { suite: 'instascale', title: 'InstaScale › scales up', only: 'InstaScale › scales up' };
  expect(findTest(cell, 'InstaScale › scales up', '--test')).toEqual(up);
  expect(findTest(cell, 'instascale › InstaScale › scales up', '--test')).toEqual(up);
  expect(findTest(cell, 'scales down', '--test')).toEqual({ suite: 'instascale', title: 'InstaScale › scales down', only: 'InstaScale › scales down' });
  // an upstream test runs again as its suite does: by the suite's name
  expect(findTest(cell, 'TestRayJob', '--test')).toEqual({ suite: 'upstream:kuberay', title: 'TestRayJob', only: 'upstream:kuberay' });
  const refused = (c: CellResult, name: string) => {
    try {
      findTest(c, name, '--test');
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      return (e as UserError).line();
    }
    throw new Error('expected a UserError');
  };
  expect(refused(cell, 'nothing')).toBe('--test: no test "nothing" in cell c1 — fix: name one that failed there: "instascale › InstaScale › scales up", "upstream:kuberay › TestRayJob"');
  const both = { ...cell, suites: [...cell.suites, { ...cell.suites[0]!, name: 'again' }] };
  expect(refused(both, 'scales up')).toBe('--test: "scales up" names 2 tests of cell c1 — fix: name one as "suite › title": "instascale › InstaScale › scales up", "again › InstaScale › scales up"');
});
