// A test's record across runs: Fisher's exact test against known values, and `compare OLD NEW` over
// folders of results files the test makes (a test that began failing, one a little worse, a flaky one).
import { test, expect } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fisherExact } from './compare.js';
import { Results, type TestResult } from '../model/results.js';
import { cli, expectUserError, scratch } from './testing.js';

test("Fisher's exact test, two-sided, against known values", () => {
  expect(fisherExact(3, 1, 1, 3)).toBeCloseTo(0.4857, 4); // the lady tasting tea
  expect(fisherExact(1, 9, 11, 3)).toBeCloseTo(0.002759, 6);
  expect(fisherExact(10, 0, 0, 10)).toBeCloseTo(2 / 184756, 10);
  expect(fisherExact(10, 0, 5, 5)).toBeCloseTo(504 / 15504, 6);
  expect(fisherExact(10, 0, 9, 1)).toBe(1);
  expect(fisherExact(0, 0, 0, 0)).toBe(1);
});

/** One run's results: one cell, these tests with these statuses. */
function run(i: number, statuses: Record<string, TestResult['status']>): Results {
  const at = new Date(Date.UTC(2025, 5, 1 + i, 2)).toISOString();
  return Results.parse({
    schema: 1, harness: { name: 'codeflare-matrix', version: '0.1.0' }, config: { name: 'nightly', path: 'matrix-nightly.yaml', hash: 'abc' }, strategy: 'full', provider: 'local',
    runs: [{ id: `n-${i}`, startedAt: at, finishedAt: at }],
    cells: [{
      id: 'e-k1.31-x', title: 'era E', era: 'e', provider: 'local', kubernetes: 'v1.31.13', requested: { kubernetes: 'v1.31.13', kuberay: 'v1.4.2' }, status: 'passed',
      suites: [{ name: 'kuberay', status: 'passed', tests: Object.entries(statuses).map(([title, status]) => ({ title, status, durationMs: 1, retries: status === 'flaky' ? 1 : 0 })) }],
    }],
  });
}

function folder(dir: string, runs: Results[]): string {
  for (const r of runs) {
    mkdirSync(join(dir, r.runs[0]!.id), { recursive: true });
    writeFileSync(join(dir, r.runs[0]!.id, 'results.json'), JSON.stringify(r));
  }
  return dir;
}

test('compare OLD NEW: pass rates over the last N runs, where failures began, the drops with their p-value', async () => {
  const dir = scratch();
  const old = folder(join(dir, 'old'), Array.from({ length: 10 }, (_, i) => run(i, { scaling: 'passed', deletion: 'passed', dashboard: i === 3 ? 'flaky' : 'passed' })));
  // NEW: scaling fails in its last 5 runs; deletion failed once; dashboard flakes (a pass)
  const now = folder(join(dir, 'new'), Array.from({ length: 10 }, (_, i) => run(20 + i, { scaling: i >= 5 ? 'failed' : 'passed', deletion: i === 2 ? 'failed' : 'passed', dashboard: i % 2 ? 'flaky' : 'passed' })));
  const r = await cli(['compare', old, now, '--json']);
  expect(r.exitCode, r.all).toBe(1);
  const j = JSON.parse(r.stdout) as { dropped: { test: string; p: number }[]; records: { test: string; old: object; new: object; failingSince?: string; p: number }[] };
  expect(j.dropped.map((x) => x.test)).toEqual(['scaling']);
  const rec = (t: string) => j.records.find((x) => x.test === t)!;
  expect(rec('scaling')).toMatchObject({ old: { runs: 10, passed: 10 }, new: { runs: 10, passed: 5 } });
  expect(rec('scaling').p).toBeCloseTo(504 / 15504, 6);
  expect(rec('scaling').failingSince).toMatch(/^2025-06-26 02:00 \(n-25, .*n-25\/results\.json\)$/);
  expect(rec('deletion')).toMatchObject({ new: { runs: 10, passed: 9 }, p: 1 });
  expect(rec('deletion').failingSince).toBeUndefined();
  expect(rec('dashboard')).toMatchObject({ old: { passed: 10 }, new: { passed: 10 } });
  // The table: the significant drop, the insignificant one; --last 4 of each side sees scaling fail in all 4
  const t = await cli(['compare', old, now]);
  expect(t.stdout).toMatch(/kuberay › scaling +100% \(10\/10\) +50% \(5\/10\) +0\.0325 +dropped/);
  expect(t.stdout).toMatch(/kuberay › deletion +100% \(10\/10\) +90% \(9\/10\) +1\.0000 +lower/);
  expect(t.stdout).toMatch(/3 tests compared \(last 10 runs of each side\): 1 dropped significantly/);
  const last = JSON.parse((await cli(['compare', old, now, '--last', '4', '--json'])).stdout) as { records: { test: string; new: { runs: number; passed: number } }[] };
  expect(last.records.find((x) => x.test === 'scaling')!.new).toEqual({ runs: 4, passed: 0 });
  // One file against another works too, and nothing dropped is exit 0
  const same = await cli(['compare', join(old, 'n-0', 'results.json'), join(old, 'n-1', 'results.json')]);
  expect(same.exitCode, same.all).toBe(0);
});

test('compare: bad input is one line, exit 2', async () => {
  const dir = scratch();
  expectUserError(await cli(['compare', join(dir, 'nope'), dir]), /no such results file or folder/);
  expectUserError(await cli(['compare', dir, dir]), /no results\.json in the folder/);
  expectUserError(await cli(['compare', dir, dir, '--last', '0']), /--last 0 is not a whole number/);
});
