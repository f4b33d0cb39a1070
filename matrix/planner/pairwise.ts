// The `pairwise` planner strategy: a strength-2 covering array with constraints, built greedily one
// row at a time (AETG / PICT style). Each row starts from the uncovered pair whose values still
// occur in the most uncovered pairs, then fills the other axes one by one with the value that
// covers the most new pairs; several randomised candidates are built per row and the best is kept.
// Filling is a depth-first search in greedy order with forward checking, so constraints that lead to
// a dead end are backtracked instead of failing, and a seed pair whose search finds no valid row is
// uncoverable.

export type Axis = { name: string; values: string[] };

export type PairwiseResult = {
  rows: Record<string, string>[];
  /** [axisA, valueA, axisB, valueB], axisA before axisB in input order. */
  uncoverable: Array<[string, string, string, string]>;
};

/** Candidate rows built per emitted row; more buys slightly fewer rows for proportionally more time. */
const CANDIDATES = 30;
/** valid() calls allowed when searching for a row containing one seed pair. Running out reports the
 * pair as uncoverable rather than searching forever; that can be wrong only when the oracle rejects
 * few partials (so proofs need near-exhaustive search) on a large grid. */
const SEARCH_BUDGET = 50_000;
/** Budget of the first search attempt; each restart doubles it. */
const FIRST_ATTEMPT = 500;
const DEFAULT_SEED = 0x5eed;

const UNCOVERED = 0;
const COVERED = 1;
const UNCOVERABLE = 2;

/** mulberry32: small, fast, and good enough for tie-breaks. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class BudgetExceeded extends Error {}

/**
 * Returns assignments (one value per axis name) such that every pair of values of any two axes that
 * CAN appear together in some valid assignment appears in at least one returned assignment.
 * `valid(partial)` is called with partial assignments (only some axes set) and must return false only
 * if no completion can be valid — a pruning oracle; for complete assignments it is the exact check.
 *
 * A pair is reported `uncoverable` when a search proves no valid row holds it, or (see SEARCH_BUDGET)
 * gives up. Expect on the order of values × axes² oracle calls per candidate row.
 *
 * Edge cases: 0 axes → `rows: []` (there is nothing to vary, so nothing to plan); 1 axis → one row
 * per valid value (there are no pairs, so single values are what must be covered). Duplicate values
 * within an axis are collapsed; duplicate axis names are an error.
 */
export function pairwise(
  axes: Axis[],
  valid: (a: Record<string, string>) => boolean,
  opts: { seed?: number } = {},
): PairwiseResult {
  const names = axes.map((a) => a.name);
  if (new Set(names).size !== names.length) throw new Error(`pairwise: duplicate axis names in ${names.join(', ')}`);
  const values = axes.map((a) => [...new Set(a.values)]);
  const k = axes.length;
  if (k === 0) return { rows: [], uncoverable: [] };
  if (k === 1) {
    const name = names[0]!;
    return { rows: values[0]!.filter((v) => valid({ [name]: v })).map((v) => ({ [name]: v })), uncoverable: [] };
  }

  const rand = prng(opts.seed ?? DEFAULT_SEED);
  const size = values.map((v) => v.length);

  // Pair (i, vi, j, vj) with i < j lives at base[i][j] + vi * size[j] + vj in `state`.
  const base: number[][] = [];
  let total = 0;
  for (let i = 0; i < k; i++) {
    base.push(new Array<number>(k).fill(0));
    for (let j = i + 1; j < k; j++) {
      base[i]![j] = total;
      total += size[i]! * size[j]!;
    }
  }
  const pairAt = (i: number, vi: number, j: number, vj: number): number =>
    i < j ? base[i]![j]! + vi * size[j]! + vj : base[j]![i]! + vj * size[i]! + vi;
  const state = new Uint8Array(total);
  let remaining = total;
  // Uncovered pairs each value still takes part in: steers the choice of seed pair.
  const allValues = size.reduce((a, b) => a + b, 0);
  const open = size.map((n) => new Array<number>(n).fill(allValues - n));

  const settle = (p: number, to: typeof COVERED | typeof UNCOVERABLE, i: number, vi: number, j: number, vj: number) => {
    if (state[p] !== UNCOVERED) return;
    state[p] = to;
    remaining--;
    open[i]![vi]!--;
    open[j]![vj]!--;
  };

  // The oracle sees a fresh object in axis order with only the set axes.
  const record = (row: Int32Array): Record<string, string> => {
    const r: Record<string, string> = {};
    for (let i = 0; i < k; i++) if (row[i]! >= 0) r[names[i]!] = values[i]![row[i]!]!;
    return r;
  };

  let budget = 0;
  let greedy = true;
  const check = (row: Int32Array): boolean => {
    if (budget-- <= 0) throw new BudgetExceeded();
    return valid(record(row));
  };

  // Depth-first fill of the free axes, values tried best-first: with no dead ends this is exactly
  // the greedy choice, and a dead end backtracks rather than giving up on the seed pair. Forward
  // checking (the values each free axis can still take) finds a dead end before the other axes are
  // filled, and fills the most constrained axis next; ties keep the shuffled order, which is what
  // varies the candidates.
  const fill = (row: Int32Array, free: number[]): boolean => {
    if (free.length === 0) return true;
    let pick = -1;
    let options: number[] = [];
    for (let f = 0; f < free.length; f++) {
      const a = free[f]!;
      const ok: number[] = [];
      for (let v = 0; v < size[a]!; v++) {
        row[a] = v;
        if (check(row)) ok.push(v);
      }
      row[a] = -1;
      if (ok.length === 0) return false;
      if (pick < 0 || ok.length < options.length) [pick, options] = [f, ok];
    }
    const a = free[pick]!;
    const rest = free.filter((_, f) => f !== pick);
    const scored = options.map((v) => {
      let gain = 0;
      for (let b = 0; b < k; b++) if (row[b]! >= 0 && state[pairAt(a, v, b, row[b]!)] === UNCOVERED) gain++;
      return { v, gain: greedy ? gain : 0, tie: rand() };
    });
    scored.sort((x, y) => y.gain - x.gain || x.tie - y.tie);
    for (const { v } of scored) {
      row[a] = v;
      if (fill(row, rest)) return true;
    }
    row[a] = -1;
    return false;
  };

  // A valid row holding the seed pair, or undefined if there is none (or none turned up within the
  // budget). Restarts with doubling budgets, because a search that guessed badly near the top can
  // spend everything in one hopeless subtree; a search that ends within its budget is a proof.
  // Restarts try values in random order: the greedy order may be what led it astray.
  const complete = (i: number, vi: number, j: number, vj: number): Int32Array | undefined => {
    greedy = true;
    for (let spent = 0, allot = FIRST_ATTEMPT; spent < SEARCH_BUDGET; spent += allot, allot *= 2, greedy = false) {
      budget = Math.min(allot, SEARCH_BUDGET - spent);
      const row = new Int32Array(k).fill(-1);
      row[i] = vi;
      row[j] = vj;
      const free = shuffle(
        names.map((_, x) => x).filter((x) => x !== i && x !== j),
        rand,
      );
      try {
        return check(row) && fill(row, free) ? row : undefined;
      } catch (e) {
        if (!(e instanceof BudgetExceeded)) throw e;
      }
    }
    return undefined;
  };

  const gainOf = (row: Int32Array): number => {
    let gain = 0;
    for (let i = 0; i < k; i++)
      for (let j = i + 1; j < k; j++) if (state[pairAt(i, row[i]!, j, row[j]!)] === UNCOVERED) gain++;
    return gain;
  };

  // The uncovered pair whose two values are in the most uncovered pairs, ties broken at random.
  const seedPair = (): [number, number, number, number] | undefined => {
    let best: [number, number, number, number] | undefined;
    let bestWeight = -1;
    let ties = 0;
    for (let i = 0; i < k; i++)
      for (let j = i + 1; j < k; j++)
        for (let vi = 0; vi < size[i]!; vi++)
          for (let vj = 0; vj < size[j]!; vj++) {
            if (state[pairAt(i, vi, j, vj)] !== UNCOVERED) continue;
            const w = open[i]![vi]! + open[j]![vj]!;
            if (w > bestWeight) [best, bestWeight, ties] = [[i, vi, j, vj], w, 1];
            else if (w === bestWeight && rand() * ++ties < 1) best = [i, vi, j, vj];
          }
    return best;
  };

  const rows: Record<string, string>[] = [];
  while (remaining > 0) {
    let best: Int32Array | undefined;
    let bestGain = 0;
    for (let c = 0; c < CANDIDATES && remaining > 0; c++) {
      const seed = seedPair();
      if (!seed) break;
      const [i, vi, j, vj] = seed;
      const row = complete(i, vi, j, vj);
      if (!row) {
        settle(pairAt(i, vi, j, vj), UNCOVERABLE, i, vi, j, vj);
        continue;
      }
      const gain = gainOf(row);
      if (gain > bestGain) [best, bestGain] = [row, gain];
    }
    if (!best) continue; // every candidate's seed turned out uncoverable; they are settled now
    for (let i = 0; i < k; i++)
      for (let j = i + 1; j < k; j++) settle(pairAt(i, best[i]!, j, best[j]!), COVERED, i, best[i]!, j, best[j]!);
    rows.push(record(best));
  }

  const uncoverable: Array<[string, string, string, string]> = [];
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++)
      for (let vi = 0; vi < size[i]!; vi++)
        for (let vj = 0; vj < size[j]!; vj++)
          if (state[pairAt(i, vi, j, vj)] === UNCOVERABLE)
            uncoverable.push([names[i]!, values[i]![vi]!, names[j]!, values[j]![vj]!]);
  return { rows, uncoverable };
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
