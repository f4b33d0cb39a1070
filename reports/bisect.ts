// The first breaking commit of a component between a good and a bad revision, as `git bisect run`
// finds it: the commits between them (first parent), a probe at each midpoint that says good, bad,
// or skip (the commit does not build: `git bisect run`'s exit 125), until one bad commit has only
// good (or skipped) commits before it. The probe builds the component at the commit and reruns only
// the failing test; this module only walks the history.
import { run } from '../lib/exec.js';
import { UserError } from '../lib/errors.js';

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
