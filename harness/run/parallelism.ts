// How many cells run at once when neither -j nor the config says: as many as the cores and the
// free memory allow, the memory from what a cell of the provider was measured to use
// (cell-memory.json, from bench/cell-memory.ts). The run's first line says how it chose.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../lib/paths.js';

type Figures = Record<string, { peakMiB: number; measured: string } | string>;

/** MemAvailable (what can be had without swapping), in MiB; undefined where /proc/meminfo is not. */
export function availableMiB(): number | undefined {
  try {
    const kib = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
    return kib ? Math.floor(Number(kib) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** The measured peak memory of one cell of `provider`, in MiB, if measured. */
export function cellMiB(provider: string): number | undefined {
  const f = (JSON.parse(readFileSync(join(repoRoot, 'harness', 'run', 'cell-memory.json'), 'utf8')) as Figures)[provider];
  return typeof f === 'object' && f.peakMiB > 0 ? f.peakMiB : undefined;
}

/** The default number of cells at once, and why: min(cores, free memory / a cell's), at least 1. */
export function machineParallelism(provider: string, o: { cores?: number; freeMiB?: number; cellMiB?: number } = {}): { n: number; why: string } {
  const cores = o.cores ?? availableParallelism();
  const free = o.freeMiB ?? availableMiB();
  const cell = o.cellMiB ?? cellMiB(provider);
  const gib = (m: number) => `${(m / 1024).toFixed(1)} GiB`;
  if (free === undefined || cell === undefined) {
    return { n: Math.max(1, cores), why: `${cores} core(s)${cell === undefined ? `; no measured memory of a ${provider} cell` : '; free memory unknown'}` };
  }
  const byMemory = Math.floor(free / cell);
  const n = Math.max(1, Math.min(cores, byMemory));
  const bound = byMemory < cores ? 'memory' : 'cores';
  return { n, why: `${cores} core(s), ${gib(free)} free / ${gib(cell)} a ${provider} cell (measured) = ${byMemory}: ${bound} bound` };
}
