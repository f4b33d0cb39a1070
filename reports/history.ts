// History across runs, as TestGrid shows it: one column per results file (newest first), one row
// per cell, and for a cell failing now, the run where its current run of failures began.
import { readdirSync, realpathSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { UserError } from '../lib/errors.js';
import { readResults, type CellStatus, type Results } from '../model/results.js';

export type HistoryRun = { label: string; file: string; finishedAt: string };
export type History = {
  runs: HistoryRun[];
  cells: { id: string; title: string; requested: Record<string, string> }[];
  /** Per cell, its status in each run (null: not in that run). */
  statuses: Record<string, (CellStatus | null)[]>;
  /** Per cell failing in its newest run: the index of the run where that streak of failures began. */
  firstFailing: Record<string, number>;
};

const failing = (s: CellStatus | null | undefined): boolean => s === 'failed' || s === 'blocked';

/** results.json (what `run` writes) or NAME.results.json anywhere under `dir`; artifacts beside them are not results. */
export function findResults(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    throw new UserError('cannot read the history folder', dir, 'pass a folder holding earlier results.json files');
  }
  return names.filter((n) => basename(n) === 'results.json' || n.endsWith('.results.json')).map((n) => join(dir, n)).sort();
}

export function history(files: { path: string; results: Results }[], base = process.cwd()): History {
  const finished = (r: Results) => r.runs.map((x) => x.finishedAt).sort().at(-1) ?? r.cells.map((c) => c.finishedAt ?? '').sort().at(-1) ?? '';
  // The same file given twice (RESULTS inside DIR), or a copy of it (same runs), is one column.
  const seen = new Set<string>();
  const unique = files.filter((f) => {
    const keys = [realpathSync(f.path), f.results.runs.map((r) => r.id).sort().join('+')].filter(Boolean);
    if (keys.some((k) => seen.has(k))) return false;
    keys.forEach((k) => seen.add(k));
    return true;
  });
  const runs = unique.map((f) => ({ ...f, at: finished(f.results) })).sort((a, b) => (Date.parse(b.at) || 0) - (Date.parse(a.at) || 0) || a.path.localeCompare(b.path));
  const cells = new Map<string, History['cells'][number]>();
  for (const r of [...runs].reverse()) for (const c of r.results.cells) cells.set(c.id, { id: c.id, title: c.title, requested: c.requested });
  const statuses: History['statuses'] = {};
  const firstFailing: History['firstFailing'] = {};
  for (const id of cells.keys()) {
    const row = runs.map((r) => r.results.cells.find((c) => c.id === id)?.status ?? null);
    statuses[id] = row;
    // Walk back from the newest run the cell is in while it keeps failing; runs without the cell do not break the streak.
    let first: number | undefined;
    for (let i = 0; i < row.length; i++) {
      if (row[i] === null) continue;
      if (!failing(row[i])) break;
      first = i;
    }
    if (first !== undefined) firstFailing[id] = first;
  }
  return {
    runs: runs.map((r) => ({ label: `${r.at.slice(0, 16).replace('T', ' ') || '?'} · ${r.results.runs.map((x) => x.id).join('+')}`, file: relative(base, r.path) || r.path, finishedAt: r.at })),
    cells: [...cells.values()],
    statuses,
    firstFailing,
  };
}

/**
 * The history of a folder of results plus the current file (first, so a copy of it in the folder
 * is the same column). An empty folder is a first run's history: the current run alone.
 */
export function loadHistory(dir: string, current: { path: string; results: Results }): History {
  return history([current, ...findResults(dir).map((path) => ({ path, results: readResults(path) }))]);
}
