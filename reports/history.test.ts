// History across runs: newest first, copies of a run counted once, the start of a failing streak marked.
import { test, expect } from '@playwright/test';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findResults, loadHistory } from './history.js';
import { readResults } from '../model/results.js';
import { CELLS, data, scratch } from './testing.js';

const current = { path: data('nightly.json'), results: readResults(data('nightly.json')) };

test('runs newest first; a failing cell marks the run its failures began, a recovered one nothing', () => {
  expect(findResults(data('history')).map((f) => f.split('/').slice(-2).join('/'))).toEqual(['2025-06-16/results.json', '2025-06-17/results.json', '2025-06-18/results.json']);
  const h = loadHistory(data('history'), current);
  expect(h.runs.map((r) => r.finishedAt)).toEqual(['2025-06-19T02:41:37Z', '2025-06-18T02:15:00Z', '2025-06-17T02:15:00Z', '2025-06-16T02:15:00Z']);
  expect(h.statuses[CELLS.failed]).toEqual(['failed', 'failed', 'passed', 'passed']);
  expect(h.firstFailing[CELLS.failed]).toBe(1);
  expect(h.statuses[CELLS.passed]).toEqual(['passed', 'passed', 'passed', 'failed']);
  expect(h.firstFailing[CELLS.passed]).toBeUndefined();
  expect(h.statuses[CELLS.blocked]).toEqual(['blocked', null, null, null]);
  expect(h.firstFailing[CELLS.blocked]).toBe(0);
});

test('the current run copied into the folder is one column; an empty folder is a first run', () => {
  const dir = scratch();
  mkdirSync(join(dir, 'run-4'));
  copyFileSync(data('nightly.json'), join(dir, 'run-4', 'results.json'));
  expect(loadHistory(dir, current).runs).toHaveLength(1);
  expect(loadHistory(scratch(), current).runs).toHaveLength(1);
});
