// merge: shards of one config become one results file; a cell run twice keeps the later run.
import { test, expect } from '@playwright/test';
import { join } from 'node:path';
import { merge } from './merge.js';
import { readResults } from '../model/results.js';
import { CELLS, cli, data, expectNoTmp, scratch } from './testing.js';

test('joins shards; the later run of a cell wins, and merge says so', async () => {
  const dir = scratch();
  const out = join(dir, 'merged.json');
  const r = await cli(['merge', out, data('shard-1.json'), data('shard-2.json')]);
  expect(r.exitCode, r.all).toBe(0);
  expect(r.stdout).toBe(`${out}: 3 cell(s) from 2 file(s), 2 run(s)`);
  expect(r.stderr.trim().split('\n')).toEqual([`merge: cell ${CELLS.failed} is in ${data('shard-1.json')} and ${data('shard-2.json')}: keeping ${data('shard-2.json')}'s (finished 2025-06-20T09:31:10Z, later)`]);
  expectNoTmp(dir);
  const m = readResults(out);
  expect(m.cells.map((c) => `${c.id} ${c.status}`)).toEqual([`${CELLS.passed} passed`, `${CELLS.failed} passed`, `${CELLS.noOperator} passed`]);
  expect(m.runs.map((x) => x.shard)).toEqual([{ index: 1, total: 2 }, { index: 2, total: 2 }]);
  expect(m.config.hash).toBe('51d0a7c3e2b94f18');
  // The order of the arguments does not decide: the later run still wins.
  const swapped = join(dir, 'swapped.json');
  expect((await cli(['merge', swapped, data('shard-2.json'), data('shard-1.json')])).exitCode).toBe(0);
  expect(readResults(swapped).cells.find((c) => c.id === CELLS.failed)?.status).toBe('passed');
  // The merged file is a results file like any other: report and gate read it.
  const g = await cli(['gate', '--release', 'v0.2.3', out, '--at', '2025-06-21T00:00:00Z']);
  expect(g.exitCode, g.all).toBe(0);
  // --json: for scripts
  const j = JSON.parse((await cli(['merge', join(dir, 'again.json'), data('shard-1.json'), data('shard-2.json'), '--json'])).stdout) as { cells: { id: string; status: string }[]; runs: string[] };
  expect(j.cells).toHaveLength(3);
  expect(j.runs).toHaveLength(2);
  const gj = JSON.parse((await cli(['gate', '--release', 'v0.2.3', out, '--at', '2025-06-21T00:00:00Z', '--json'])).stdout) as { passed: boolean; failures: string[]; block: string[] };
  expect(gj).toMatchObject({ passed: true, failures: [] });
  expect(gj.block.length).toBeGreaterThan(2);
});

test('merging a merged file again with one of its shards changes nothing', () => {
  const a = { path: 'a', results: readResults(data('shard-1.json')) };
  const b = { path: 'b', results: readResults(data('shard-2.json')) };
  const once = merge([a, b]).results;
  const twice = merge([{ path: 'm', results: once }, b]);
  expect(twice.results).toEqual(once);
  expect(twice.notes).toHaveLength(2); // each of shard 2's cells: "keeping b's" (a tie goes to the later argument)
});

test("a cell's artifact and attachment paths are rewritten relative to the merged file", () => {
  const a = { path: 'shards/shard-1/results.json', results: readResults(data('shard-1.json')) };
  const b = { path: 'shards/shard-2/results.json', results: readResults(data('shard-2.json')) };
  const m = merge([a, b], 'merged/all.json').results;
  expect(m.cells.map((c) => c.artifacts)).toEqual([`../shards/shard-1/cells/${CELLS.passed}`, `../shards/shard-2/cells/${CELLS.failed}`, `../shards/shard-2/cells/${CELLS.noOperator}`]);
  const attachments = merge([a], 'merged/all.json').results.cells.flatMap((c) => c.suites.flatMap((s) => s.tests.flatMap((t) => t.attachments.map((x) => x.path))));
  expect(attachments).toHaveLength(3);
  for (const p of attachments) expect(p).toMatch(/^\.\.\/shards\/shard-1\/cells\//);
  // beside its inputs, the merged file keeps their paths as they were
  expect(merge([a], 'shards/shard-1/again.json').results.cells).toEqual(a.results.cells);
});
