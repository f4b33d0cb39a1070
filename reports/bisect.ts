// The first breaking commit of a component between a good and a bad revision, as `git bisect run`
// finds it: the commits between them (first parent), a probe at each midpoint that says good, bad,
// or skip (the commit does not build: `git bisect run`'s exit 125), until one bad commit has only
// good (or skipped) commits before it. The probe builds the component at the commit and reruns only
// the failing test; this module walks the history, and judges a probe from the results it wrote.
import { run } from '../lib/exec.js';
import { UserError } from '../lib/errors.js';
import type { CellResult, Results, TestResult } from '../model/results.js';

export type Outcome = 'good' | 'bad' | 'skip';
export type Bisection = {
  /** The first bad commit, its subject; `skipped` the commits before it that could not be judged (the culprit may be any of them). */
  first: { commit: string; subject: string };
  skipped: string[];
  steps: { commit: string; outcome: Outcome }[];
  /** The commits between good and bad, oldest first (bad last). */
  range: number;
};

async function git(repo: string, ...args: string[]): Promise<string> {
  const r = await run('git', ['-C', repo, ...args]);
  if (!r.ok) throw new UserError(`git ${args.join(' ')}: ${r.stderr.trim().split('\n')[0]}`, repo, 'name two revisions of this repository, the good one an ancestor of the bad one');
  return r.stdout.trim();
}

export async function bisect(repo: string, good: string, bad: string, probe: (commit: string) => Promise<Outcome>): Promise<Bisection> {
  const [g, b] = [await git(repo, 'rev-parse', '--verify', `${good}^{commit}`), await git(repo, 'rev-parse', '--verify', `${bad}^{commit}`)];
  if ((await run('git', ['-C', repo, 'merge-base', '--is-ancestor', g, b])).exitCode !== 0) throw new UserError(`${good} is not an ancestor of ${bad}`, repo, 'pass the baseline (good) first, then the candidate (bad)');
  const commits = (await git(repo, 'rev-list', '--first-parent', '--reverse', `${g}..${b}`)).split('\n').filter(Boolean);
  if (!commits.length) throw new UserError(`no commit between ${good} and ${bad}`, repo, 'the bad revision must come after the good one');
  const steps: Bisection['steps'] = [];
  const known = new Map<number, Outcome>();
  const judge = async (i: number) => {
    if (!known.has(i)) {
      const outcome = await probe(commits[i]!);
      known.set(i, outcome);
      steps.push({ commit: commits[i]!, outcome });
    }
    return known.get(i)!;
  };
  // lo: the last index known good (-1: the good revision); hi: the first known bad (the bad revision, assumed bad).
  let lo = -1;
  let hi = commits.length - 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    // A commit that does not build says nothing: the nearest one in range that does is judged instead.
    const order = [...Array(hi - lo - 1).keys()].map((k) => lo + 1 + k).sort((x, y) => Math.abs(x - mid) - Math.abs(y - mid) || x - y);
    let moved = false;
    for (const i of order) {
      const o = await judge(i);
      if (o === 'skip') continue;
      if (o === 'good') lo = i;
      else hi = i;
      moved = true;
      break;
    }
    if (!moved) break; // every commit between is skipped: the culprit is one of them or hi
  }
  const skipped = commits.slice(lo + 1, hi).filter((_, k) => known.get(lo + 1 + k) === 'skip');
  const subject = await git(repo, 'log', '-1', '--format=%s', commits[hi]!);
  return { first: { commit: commits[hi]!, subject }, skipped, steps, range: commits.length };
}

/** A test of a cell's results: its suite, its title, and what a run's `only` names to run it again (an upstream test: its suite). */
export type TestRef = { suite: string; title: string; only: string };

/**
 * The test a name means in a cell (`names`): its title (as results.json has it), "suite › title", or the
 * title's last parts ("scales its MachineSet up" for "InstaScale › … scales its MachineSet up").
 */
export const names = (suite: string, title: string, name: string): boolean => title === name || `${suite} › ${title}` === name || title.endsWith(` › ${name}`);

export function findTest(cell: CellResult, name: string, where: string): TestRef {
  const all = cell.suites.flatMap((s) => s.tests.map((t) => ({ s, t })));
  const hits = all.filter(({ s, t }) => names(s.name, t.title, name));
  const failed = all.filter(({ t }) => t.status === 'failed').map(({ s, t }) => `"${s.name} › ${t.title}"`);
  if (!hits.length) throw new UserError(`no test "${name}" in cell ${cell.id}`, where, failed.length ? `name one that failed there: ${failed.join(', ')}` : `cell ${cell.id} has no failed test`);
  if (hits.length > 1) throw new UserError(`"${name}" names ${hits.length} tests of cell ${cell.id}`, where, `name one as "suite › title": ${hits.map(({ s, t }) => `"${s.name} › ${t.title}"`).join(', ')}`);
  const { s, t } = hits[0]!;
  return { suite: s.name, title: t.title, only: s.code ? s.name : t.title };
}

export const testOf = (cell: CellResult | undefined, ref: TestRef): TestResult | undefined => cell?.suites.find((s) => s.name === ref.suite)?.tests.find((t) => t.title === ref.title);

/** A probe's verdict on its commit, and why: what the test did, or why it says nothing (skip). */
export type Judged = { outcome: Outcome; why: string; test?: TestResult };

const firstLine = (s: string | undefined): string => (s ?? '').trim().split('\n')[0] ?? '';

/**
 * A probe's outcome from the results its run wrote: the test passed → good; failed → bad; anything
 * else says nothing about the commit → skip, with why: the cell's setup failed (the component did
 * not build, the stack did not install), or the test was blocked, not applicable, or flaky.
 */
export function judge(r: Results, cellId: string, ref: TestRef): Judged {
  const cell = r.cells.find((c) => c.id === cellId);
  const test = testOf(cell, ref);
  if (!cell) return { outcome: 'skip', why: `the probe's results have no cell ${cellId}` };
  if (cell.status === 'blocked' && cell.reason) return { outcome: 'skip', why: `the cell's setup failed: ${firstLine(cell.reason)}`, ...(test ? { test } : {}) };
  if (!test) return { outcome: 'skip', why: `the probe ran no test "${ref.title}"` };
  const said = firstLine(test.errors[0] ?? test.reason);
  const verdict: Record<TestResult['status'], [Outcome, string]> = {
    passed: ['good', 'passed'],
    failed: ['bad', `failed: ${said}`],
    flaky: ['skip', 'flaky: it failed, then passed on a retry'],
    blocked: ['skip', `blocked: ${said}`],
    'not-applicable': ['skip', `not applicable: ${said}`],
  };
  const [outcome, why] = verdict[test.status];
  return { outcome, why, test };
}
