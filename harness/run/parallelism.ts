// Which cells run first, and how many at once when neither -j nor the config says: as many as the
// cores and the free memory hold, from what a cell of the provider was measured to use
// (cell-memory.json, from bench/cell-memory.ts): its peak memory, and the cores it keeps busy on
// average. A cell mostly waits (a controller's readiness, a scheduler's window), so the cores hold
// more cells than there are cores. The run's first line says how it chose.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../lib/paths.js';
import { blockedAhead, type Cell } from '../../matrix/cell.js';

type Figure = { peakMiB: number; cores?: number; measured: string };
type Figures = Record<string, Figure | string>;

/** MemAvailable (what can be had without swapping), in MiB; undefined where /proc/meminfo is not. */
export function availableMiB(): number | undefined {
  try {
    const kib = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
    return kib ? Math.floor(Number(kib) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** What one cell of `provider` was measured to use, if measured: peak memory (MiB), cores busy on average. */
export function cellFigures(provider: string): { mib?: number; cores?: number } {
  const f = (JSON.parse(readFileSync(join(repoRoot, 'harness', 'run', 'cell-memory.json'), 'utf8')) as Figures)[provider];
  if (typeof f !== 'object') return {};
  return { ...(f.peakMiB > 0 ? { mib: f.peakMiB } : {}), ...(f.cores && f.cores > 0 ? { cores: f.cores } : {}) };
}

/** The default number of cells at once, and why: min(cores / a cell's cores, free memory / a cell's), at least 1. */
export function machineParallelism(provider: string, o: { cores?: number; freeMiB?: number; cellMiB?: number; cellCores?: number } = {}): { n: number; why: string } {
  const cores = o.cores ?? availableParallelism();
  const free = o.freeMiB ?? availableMiB();
  const measured = cellFigures(provider);
  const cell = o.cellMiB ?? measured.mib;
  const cellCores = o.cellCores ?? measured.cores;
  const gib = (m: number) => `${(m / 1024).toFixed(1)} GiB`;
  // Without a measured CPU figure a cell is taken to keep a core busy.
  const byCpu = cellCores ? Math.max(1, Math.floor(cores / cellCores)) : cores;
  const cpuWhy = cellCores ? `${cores} core(s) / ${cellCores} a ${provider} cell keeps busy (measured) = ${byCpu}` : `${cores} core(s)`;
  if (free === undefined || cell === undefined) {
    return { n: Math.max(1, byCpu), why: `${cpuWhy}${cell === undefined ? `; no measured memory of a ${provider} cell` : '; free memory unknown'}` };
  }
  const byMemory = Math.floor(free / cell);
  const n = Math.max(1, Math.min(byCpu, byMemory));
  const bound = byMemory < byCpu ? 'memory' : 'cores';
  return { n, why: `${cpuWhy}, ${gib(free)} free / ${gib(cell)} a ${provider} cell (measured) = ${byMemory}: ${bound} bound` };
}

/**
 * The order cells take lanes in: longest first, as earlier runs timed them (a cell never timed
 * first: a cold one builds), so the lanes end together; cells blocked ahead last, since they only
 * record why and need no lane while the others start. Ties keep the plan's order.
 */
export function cellOrder<C extends Pick<Cell, 'id' | 'violations' | 'unavailable'>>(cells: C[], timed: Map<string, number>): C[] {
  const rank = (c: C) => (blockedAhead(c) ? -1 : (timed.get(c.id) ?? Infinity));
  return [...cells].sort((a, b) => (rank(a) === rank(b) ? 0 : rank(b) > rank(a) ? 1 : -1));
}
