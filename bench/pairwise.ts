// Pairwise planner size and speed on unconstrained grids: node --import tsx bench/pairwise.ts
// The lower bound is the product of the two largest axes (every pair of those two needs its own row).
import { pairwise, type Axis } from '../matrix/planner/pairwise.js';

const RUNS = 7;
const sizes: Array<[axes: number, values: number]> = [
  [6, 5],
  [8, 8],
  [10, 4],
];

const grid = (k: number, n: number): Axis[] =>
  Array.from({ length: k }, (_, i) => ({ name: `a${i}`, values: Array.from({ length: n }, (_, v) => `v${v}`) }));

const table: string[][] = [['config', 'rows', 'lower bound', 'full product', 'median ms']];
for (const [k, n] of sizes) {
  const axes = grid(k, n);
  let rows = 0;
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const started = performance.now();
    rows = pairwise(axes, () => true).rows.length; // deterministic, so every run gives the same count
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  table.push([`${k} axes × ${n} values`, `${rows}`, `${n * n}`, (n ** k).toLocaleString('en-US'), times[RUNS >> 1]!.toFixed(1)]);
}

const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
for (const row of table) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
