// Bisect over a component's git history the test makes: a Go module of 8 commits after a good tag,
// one that does not build (skipped, as `git bisect run` skips on exit 125) and one that breaks the
// test. The probe is real: `go build` of the commit's tree, then `go test` of that one test.
import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../lib/exec.js';
import { goEnv } from '../harness/toolchain/gomod.js';
import { bisect, type Outcome } from './bisect.js';
import { cli, expectUserError, scratch } from './testing.js';

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
