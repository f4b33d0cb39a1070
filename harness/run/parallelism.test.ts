// -j from the machine: min(cores / a cell's measured cores, free memory / a cell's measured peak), at least one, and why.
import { test, expect } from '@playwright/test';
import { cellFigures, cellOrder, machineParallelism } from './parallelism.js';

test('cells that keep a core busy: the cores, unless the free memory holds fewer cells; never none; the line says which bound', () => {
  const cores = machineParallelism('local', { cores: 2, freeMiB: 19_000, cellMiB: 1_000, cellCores: 1 });
  expect(cores.n).toBe(2);
  expect(cores.why).toMatch(/2 core\(s\) \/ 1 a local cell keeps busy \(measured\) = 2, 18\.6 GiB free \/ 1\.0 GiB a local cell \(measured\) = 19: cores bound/);
  const memory = machineParallelism('local', { cores: 8, freeMiB: 3_500, cellMiB: 1_000, cellCores: 1 });
  expect(memory.n).toBe(3);
  expect(memory.why).toMatch(/memory bound/);
  expect(machineParallelism('local', { cores: 4, freeMiB: 300, cellMiB: 1_000, cellCores: 1 }).n).toBe(1);
  // a provider with no measured figure: the cores alone, and it says so
  const kind = machineParallelism('kind', { cores: 2, freeMiB: 19_000 });
  expect(kind.n).toBe(2);
  expect(kind.why).toMatch(/no measured memory of a kind cell/);
});

test('cells that keep half a core busy: twice the cores, unless the memory holds fewer', () => {
  const waits = machineParallelism('local', { cores: 2, freeMiB: 19_000, cellMiB: 1_000, cellCores: 0.5 });
  expect(waits.n).toBe(4);
  expect(waits.why).toMatch(/2 core\(s\) \/ 0\.5 a local cell keeps busy \(measured\) = 4, .* = 19: cores bound/);
  expect(machineParallelism('local', { cores: 2, freeMiB: 2_500, cellMiB: 1_000, cellCores: 0.5 })).toMatchObject({ n: 2, why: expect.stringMatching(/memory bound/) });
  // a cell busier than a core still runs
  expect(machineParallelism('local', { cores: 1, freeMiB: 19_000, cellMiB: 1_000, cellCores: 1.5 }).n).toBe(1);
});

test('a local cell\'s peak memory and cores are data measured here (bench/cell-memory.ts), not a guess', () => {
  const local = cellFigures('local');
  expect(local.mib).toBeGreaterThan(100);
  expect(local.cores).toBeGreaterThan(0);
  expect(local.cores).toBeLessThan(4);
});

test('cells take lanes longest first as earlier runs timed them, untimed ones before them, blocked-ahead ones last', () => {
  const cell = (id: string, o: { unavailable?: string[] } = {}) => ({ id, violations: [], unavailable: o.unavailable ?? [] });
  const cells = [cell('short'), cell('ahead', { unavailable: ['codeflare-operator v1.2.0: the Go module proxy refuses it'] }), cell('long'), cell('new'), cell('mid'), cell('new2')];
  const timed = new Map([['short', 60_000], ['long', 600_000], ['mid', 200_000], ['ahead', 5_000]]);
  expect(cellOrder(cells, timed).map((c) => c.id)).toEqual(['new', 'new2', 'long', 'mid', 'short', 'ahead']);
  // nothing timed: the plan's order, blocked ones last
  expect(cellOrder(cells, new Map()).map((c) => c.id)).toEqual(['short', 'long', 'new', 'mid', 'new2', 'ahead']);
});
