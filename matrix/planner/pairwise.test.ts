import { test, expect } from '@playwright/test';
import { pairwise, type Axis } from './pairwise.js';

// The checker below shares nothing with pairwise.ts: it enumerates every complete assignment by
// brute force, keeps the valid ones, and derives the coverable pairs from them.

type Row = Record<string, string>;
type Rule =
  | { kind: 'excludes'; a: string; x: string; b: string; y: string } // a=x never with b=y
  | { kind: 'implies'; a: string; x: string; b: string; y: string }; // a=x requires b=y

/** Sound pruning oracle: a partial fails only once both axes of a rule are set and break it. */
function oracle(rules: Rule[]): (r: Row) => boolean {
  return (r) =>
    rules.every((c) => {
      const va = r[c.a];
      const vb = r[c.b];
      if (va === undefined || vb === undefined) return true;
      return c.kind === 'excludes' ? !(va === c.x && vb === c.y) : va !== c.x || vb === c.y;
    });
}

/** The weakest legal oracle: exact on complete rows, no pruning at all on partials. */
function noPruning(axes: Axis[], exact: (r: Row) => boolean): (r: Row) => boolean {
  return (r) => Object.keys(r).length < axes.length || exact(r);
}

function allAssignments(axes: Axis[]): Row[] {
  let out: Row[] = [{}];
  for (const ax of axes) out = out.flatMap((r) => ax.values.map((v) => ({ ...r, [ax.name]: v })));
  return out;
}

const pairKey = (a: string, x: string, b: string, y: string) => JSON.stringify(a < b ? [a, x, b, y] : [b, y, a, x]);

function pairsOf(axes: Axis[], r: Row): string[] {
  const keys: string[] = [];
  for (let i = 0; i < axes.length; i++)
    for (let j = i + 1; j < axes.length; j++) {
      const a = axes[i]!.name;
      const b = axes[j]!.name;
      keys.push(pairKey(a, r[a]!, b, r[b]!));
    }
  return keys;
}

function allPairs(axes: Axis[]): string[] {
  const keys: string[] = [];
  for (let i = 0; i < axes.length; i++)
    for (let j = i + 1; j < axes.length; j++)
      for (const x of axes[i]!.values) for (const y of axes[j]!.values) keys.push(pairKey(axes[i]!.name, x, axes[j]!.name, y));
  return keys;
}

/** Asserts the full contract against brute force; returns the result for further checks. */
function checkCoverage(axes: Axis[], exact: (r: Row) => boolean, oracleFn: (r: Row) => boolean = exact, seed?: number) {
  const result = pairwise(axes, oracleFn, seed === undefined ? {} : { seed });
  const names = axes.map((a) => a.name).sort();
  for (const row of result.rows) {
    expect(Object.keys(row).sort()).toEqual(names);
    for (const ax of axes) expect(ax.values).toContain(row[ax.name]);
    expect(exact(row), `invalid row ${JSON.stringify(row)}`).toBe(true);
  }
  const coverable = new Set(allAssignments(axes).filter(exact).flatMap((r) => pairsOf(axes, r)));
  const covered = new Set(result.rows.flatMap((r) => pairsOf(axes, r)));
  expect([...coverable].filter((p) => !covered.has(p)), 'coverable pairs missing from the rows').toEqual([]);
  const expectedUncoverable = allPairs(axes).filter((p) => !coverable.has(p)).sort();
  expect(result.uncoverable.map(([a, x, b, y]) => pairKey(a, x, b, y)).sort()).toEqual(expectedUncoverable);
  return result;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // xorshift32, deliberately a different generator from the one under test
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function grid(k: number, n: number): Axis[] {
  return Array.from({ length: k }, (_, i) => ({ name: `a${i}`, values: Array.from({ length: n }, (_, v) => `v${v}`) }));
}

function randomConfig(seed: number): { axes: Axis[]; rules: Rule[] } {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const axes = Array.from({ length: int(3, 6) }, (_, i) => ({
    name: `ax${i}`,
    values: Array.from({ length: int(2, 5) }, (_, v) => `${String.fromCharCode(97 + i)}${v}`),
  }));
  const rules: Rule[] = [];
  for (let n = int(0, 6); n > 0; n--) {
    const i = int(0, axes.length - 1);
    let j = int(0, axes.length - 2);
    if (j >= i) j++;
    const A = axes[i]!;
    const B = axes[j]!;
    rules.push({
      kind: r() < 0.5 ? 'excludes' : 'implies',
      a: A.name,
      x: A.values[int(0, A.values.length - 1)]!,
      b: B.name,
      y: B.values[int(0, B.values.length - 1)]!,
    });
  }
  return { axes, rules };
}

test('random constrained configurations are covered exactly (pruning oracle)', () => {
  let hidden = 0; // uncoverable pairs the oracle cannot reject on their own, so the search must prove them
  for (let seed = 1; seed <= 40; seed++) {
    const { axes, rules } = randomConfig(seed);
    const { uncoverable } = checkCoverage(axes, oracle(rules));
    hidden += uncoverable.filter(([a, x, b, y]) => oracle(rules)({ [a]: x, [b]: y })).length;
  }
  expect(hidden, 'the random configurations should exercise the search').toBeGreaterThan(0);
});

test('random constrained configurations are covered exactly (oracle that never prunes partials)', () => {
  for (let seed = 101; seed <= 130; seed++) {
    const { axes, rules } = randomConfig(seed);
    const exact = oracle(rules);
    checkCoverage(axes, exact, noPruning(axes, exact));
  }
});

test('a handful of valid rows hidden from a non-pruning oracle are found by search', () => {
  const axes = grid(5, 4);
  const r = rng(5);
  const needles = Array.from({ length: 6 }, () => JSON.stringify(axes.map((a) => a.values[Math.floor(r() * 4)])));
  const exact = (row: Row) => needles.includes(JSON.stringify(axes.map((a) => row[a.name])));
  const { rows } = checkCoverage(axes, exact, noPruning(axes, exact));
  expect(rows.length).toBeLessThanOrEqual(6);
});

test('a chain of constraints behind a non-pruning oracle: no coverable pair given up', () => {
  const axes = grid(7, 4);
  const exact = oracle([
    { kind: 'implies', a: 'a0', x: 'v0', b: 'a1', y: 'v0' },
    { kind: 'excludes', a: 'a1', x: 'v0', b: 'a2', y: 'v0' },
    { kind: 'implies', a: 'a3', x: 'v1', b: 'a6', y: 'v2' },
  ]);
  checkCoverage(axes, exact, noPruning(axes, exact));
});

test('other planner seeds stay correct', () => {
  const { axes, rules } = randomConfig(7);
  for (const seed of [0, 1, 42, 0xffffffff]) checkCoverage(axes, oracle(rules), oracle(rules), seed);
});

test('6 axes × 5 values, unconstrained: all pairs in at most 40 rows', () => {
  const axes = grid(6, 5);
  const { rows, uncoverable } = checkCoverage(axes, () => true);
  expect(uncoverable).toEqual([]);
  expect(rows.length).toBeGreaterThanOrEqual(25);
  expect(rows.length).toBeLessThanOrEqual(40);
});

test('3 axes × 3 values, unconstrained: at most 11 rows', () => {
  const { rows } = checkCoverage(grid(3, 3), () => true);
  expect(rows.length).toBeLessThanOrEqual(11);
});

test('8 axes × 8 values finishes quickly and covers every pair', () => {
  const axes = grid(8, 8);
  const started = performance.now();
  const { rows } = pairwise(axes, () => true);
  expect(performance.now() - started).toBeLessThan(5000);
  const covered = new Set(rows.flatMap((r) => pairsOf(axes, r)));
  expect(covered.size).toBe(allPairs(axes).length);
});

test('deterministic: same input, same output', () => {
  const { axes, rules } = randomConfig(3);
  expect(pairwise(axes, oracle(rules))).toEqual(pairwise(axes, oracle(rules)));
  expect(pairwise(grid(6, 5), () => true, { seed: 9 })).toEqual(pairwise(grid(6, 5), () => true, { seed: 9 }));
});

test('uncoverable pairs are reported, including ones only a search can find', () => {
  const axes: Axis[] = [
    { name: 'python', values: ['3.9', '3.11', '3.12'] },
    { name: 'ray', values: ['2.9', '2.35'] },
    { name: 'torch', values: ['2.1', '2.5'] },
  ];
  const rules: Rule[] = [
    { kind: 'excludes', a: 'python', x: '3.12', b: 'ray', y: '2.9' }, // direct
    { kind: 'implies', a: 'torch', x: '2.1', b: 'ray', y: '2.9' }, // so python 3.12 + torch 2.1 is impossible,
    // although the partial {python: 3.12, torch: 2.1} passes the oracle
  ];
  const { uncoverable } = checkCoverage(axes, oracle(rules));
  expect(uncoverable).toEqual([
    ['python', '3.12', 'ray', '2.9'],
    ['python', '3.12', 'torch', '2.1'],
    ['ray', '2.35', 'torch', '2.1'],
  ]);
});

test('the oracle only ever sees known axes and values', () => {
  const { axes, rules } = randomConfig(11);
  const exact = oracle(rules);
  const strange: Row[] = [];
  pairwise(axes, (r) => {
    if (!Object.entries(r).every(([name, value]) => axes.find((a) => a.name === name)?.values.includes(value))) strange.push(r);
    return exact(r);
  });
  expect(strange).toEqual([]);
});

test('edge cases', () => {
  expect(pairwise([], () => true)).toEqual({ rows: [], uncoverable: [] });
  // one axis: one row per valid value
  expect(pairwise([{ name: 'k8s', values: ['1.29', '1.30', '1.31'] }], (r) => r.k8s !== '1.30')).toEqual({
    rows: [{ k8s: '1.29' }, { k8s: '1.31' }],
    uncoverable: [],
  });
  // single-valued axes
  checkCoverage(
    [
      { name: 'a', values: ['only'] },
      { name: 'b', values: ['x', 'y', 'z'] },
      { name: 'c', values: ['one'] },
    ],
    () => true,
  );
  // two axes: the seed pair is the whole row, so its check is the exact one
  checkCoverage(grid(2, 3), oracle([{ kind: 'excludes', a: 'a0', x: 'v1', b: 'a1', y: 'v2' }]));
  // nothing is valid: no rows, every pair uncoverable
  const axes = grid(3, 2);
  const none = checkCoverage(axes, () => false);
  expect(none.rows).toEqual([]);
  expect(none.uncoverable).toHaveLength(allPairs(axes).length);
  // ...including when the oracle cannot tell before a row is complete
  const late = checkCoverage(axes, (r) => Object.keys(r).length < 3);
  expect(late.rows).toEqual([]);
  // an axis with no values makes every row impossible
  expect(pairwise([...grid(2, 2), { name: 'empty', values: [] }], () => true).rows).toEqual([]);
  expect(() => pairwise([...grid(2, 2), ...grid(1, 2)], () => true)).toThrow(/duplicate axis/);
  // duplicate values collapse
  expect(pairwise([{ name: 'a', values: ['x', 'x'] }, { name: 'b', values: ['y'] }], () => true).rows).toEqual([
    { a: 'x', b: 'y' },
  ]);
});
