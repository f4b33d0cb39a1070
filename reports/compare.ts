// A test's record across runs, as OpenShift's Component Readiness reads it: per test and cell, its
// pass rate over the last N runs on each side (a results file or a folder of them, as `report
// --history` takes), the run where its current failures began, and the tests whose pass rate
// dropped from OLD to NEW with the two-sided p-value of Fisher's exact test. A flaky test counts as
// a pass (it passed on a retry); blocked and not-applicable tests did not run and count as nothing.
import { statSync } from 'node:fs';
import { UserError } from '../lib/errors.js';
import type { Catalog } from '../matrix/catalog/index.js';
import { baselineCell } from './baseline.js';
import { findResults } from './history.js';
import { readResults, type CellResult, type Results } from '../model/results.js';

type File = { path: string; results: Results };

/** log(n!) by summing logs (the counts here are runs of a test: small). */
function logFactorial(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}

/**
 * Fisher's exact test, two-sided, of the 2×2 table [[a, b], [c, d]]: the sum of the probabilities
 * (hypergeometric, margins fixed) of every table no more likely than the one observed.
 */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  const row1 = a + b;
  const col1 = a + c;
  const n = a + b + c + d;
  const fixed = logFactorial(row1) + logFactorial(n - row1) + logFactorial(col1) + logFactorial(n - col1) - logFactorial(n);
  const p = (x: number) => Math.exp(fixed - logFactorial(x) - logFactorial(row1 - x) - logFactorial(col1 - x) - logFactorial(n - row1 - col1 + x));
  const observed = p(a);
  let sum = 0;
  for (let x = Math.max(0, row1 + col1 - n); x <= Math.min(row1, col1); x++) {
    const px = p(x);
    if (px <= observed * (1 + 1e-7)) sum += px;
  }
  return Math.min(1, sum);
}

/** A results file, or every results file under a folder; the newest `last` of them, newest first. */
export function loadSide(path: string, last: number): File[] {
  let dir = false;
  try {
    dir = statSync(path).isDirectory();
  } catch {
    throw new UserError('no such results file or folder', path, 'pass a results.json or a folder of them (as report --history takes)');
  }
  const files = (dir ? findResults(path) : [path]).map((p) => ({ path: p, results: readResults(p) }));
  if (!files.length) throw new UserError('no results.json in the folder', path, 'pass a folder holding results of earlier runs');
  const at = (f: File) => f.results.runs.map((r) => r.finishedAt).sort().at(-1) ?? '';
  return files.sort((a, b) => at(b).localeCompare(at(a)) || a.path.localeCompare(b.path)).slice(0, last);
}

export type Record = {
  cell: string;
  suite: string;
  test: string;
  /** The cell these runs are compared with on the OLD side (the same id, or the same identity but the component under test). */
  oldCell?: string;
  old: { runs: number; passed: number };
  new: { runs: number; passed: number };
  /** NEW's newest run fails it: the run (time, run ids, file) where that streak of failures began. */
  failingSince?: string;
  /** Fisher's exact test, two-sided, of passes and failures OLD against NEW. */
  p: number;
};

const tally = (files: File[], pick: (r: Results) => CellResult | undefined, suite: string, title: string) => {
  const out = { runs: 0, passed: 0, statuses: [] as (string | undefined)[] };
  for (const f of files) {
    const t = pick(f.results)?.suites.find((s) => s.name === suite)?.tests.find((x) => x.title === title);
    out.statuses.push(t?.status);
    if (!t || t.status === 'blocked' || t.status === 'not-applicable') continue;
    const runs = t.repeats?.runs ?? 1;
    out.runs += runs;
    out.passed += t.repeats?.passed ?? (t.status === 'passed' || t.status === 'flaky' ? runs : 0);
  }
  return out;
};

const label = (f: File) => `${(f.results.runs.map((r) => r.finishedAt).sort().at(-1) ?? '?').slice(0, 16).replace('T', ' ')} (${f.results.runs.map((r) => r.id).join('+')}, ${f.path})`;

/** Every test of NEW's cells beside its record in OLD. */
export function compare(oldSide: File[], newSide: File[], catalog: Catalog): Record[] {
  const cells = new Map<string, CellResult>();
  for (const f of [...newSide].reverse()) for (const c of f.results.cells) cells.set(c.id, c);
  const oldCells = oldSide.flatMap((f) => f.results.cells);
  const out: Record[] = [];
  for (const c of cells.values()) {
    const match = oldCells.find((x) => x.id === c.id) ?? baselineCell(c, oldCells, catalog);
    const tests = new Map<string, [string, string]>();
    for (const f of newSide) for (const s of f.results.cells.find((x) => x.id === c.id)?.suites ?? []) for (const t of s.tests) tests.set(`${s.name}\u0000${t.title}`, [s.name, t.title]);
    for (const [suite, title] of tests.values()) {
      const now = tally(newSide, (r) => r.cells.find((x) => x.id === c.id), suite, title);
      const before = match ? tally(oldSide, (r) => r.cells.find((x) => x.id === match.id), suite, title) : { runs: 0, passed: 0 };
      if (!now.runs) continue;
      // newest first: the streak of failures from the newest run back (runs without the test do not break it)
      let since: number | undefined;
      for (let i = 0; i < now.statuses.length; i++) {
        const s = now.statuses[i];
        if (s === undefined || s === 'blocked' || s === 'not-applicable') continue;
        if (s !== 'failed') break;
        since = i;
      }
      out.push({
        cell: c.id,
        suite,
        test: title,
        ...(match ? { oldCell: match.id } : {}),
        old: { runs: before.runs, passed: before.passed },
        new: { runs: now.runs, passed: now.passed },
        ...(since !== undefined ? { failingSince: label(newSide[since]!) } : {}),
        p: fisherExact(before.passed, before.runs - before.passed, now.passed, now.runs - now.passed),
      });
    }
  }
  return out;
}

const rate = (x: { runs: number; passed: number }) => (x.runs ? x.passed / x.runs : NaN);

/** The tests whose pass rate dropped, and significantly so (p below alpha), most significant first. */
export function dropped(records: Record[], alpha: number): { significant: Record[]; other: Record[] } {
  const drops = records.filter((r) => r.old.runs && rate(r.new) < rate(r.old)).sort((a, b) => a.p - b.p);
  return { significant: drops.filter((r) => r.p < alpha), other: drops.filter((r) => r.p >= alpha) };
}

export const percent = (x: { runs: number; passed: number }): string => (x.runs ? `${Math.round((100 * x.passed) / x.runs)}% (${x.passed}/${x.runs})` : '—');
