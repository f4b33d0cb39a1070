// Tables fit the terminal: the widest columns narrow and wrap; piped without $COLUMNS, rows stay whole.
import { test, expect } from '@playwright/test';
import { table } from './table.js';

const rows = [['e-k1.31-opnone-9a1df376', 'passed', 'a RayCluster with two workers reaches Running and its dashboard answers on the head Service']];

test('a table wider than the terminal wraps its widest column; every line fits', () => {
  const t = table(['cell', 'status', 'notes'], rows, 60);
  for (const l of t.split('\n')) expect(l.length).toBeLessThanOrEqual(60);
  expect(t.split('\n')).toEqual([
    'cell                     status  notes',
    '-----------------------  ------  ---------------------------',
    'e-k1.31-opnone-9a1df376  passed  a RayCluster with two',
    '                                 workers reaches Running and',
    '                                 its dashboard answers on',
    '                                 the head Service',
  ]);
});

test('without a width every row stays on one line', () => {
  expect(table(['cell', 'status', 'notes'], rows, Infinity).split('\n')).toHaveLength(3);
});

test('wider than the terminal, empty columns go, then the droppable ones in order; -o wide (no width) keeps them all', () => {
  const header = ['cell', 'era', 'operator', 'mcad', 'kuberay', 'notes'];
  const wide = [['e-k1.31-opnone-9a1df376', 'E', '', '', 'v1.3.2', 'not buildable here (1): kueue v0.13.4 the Go module proxy answers 404']];
  const t = table(header, wide, 80, [5, 1]);
  for (const l of t.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
  expect(t.split('\n')[0]).toBe('cell                     era  kuberay  notes');
  expect(table(header, wide, 40, [5, 1]).split('\n')[0]).toBe('cell                     era  kuberay');
  expect(table(header, wide, 34, [5, 1]).split('\n')[0]).toBe('cell                     kuberay');
  expect(table(header, wide, Infinity, [5, 1]).split('\n')[0]!.split(/\s+/)).toEqual(header);
});
