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
