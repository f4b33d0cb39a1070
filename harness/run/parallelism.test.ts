// -j from the machine: min(cores, free memory / a cell's measured peak), at least one, and why.
import { test, expect } from '@playwright/test';
import { cellMiB, machineParallelism } from './parallelism.js';

test('cells at once: the cores, unless the free memory holds fewer cells; never none; the line says which bound', () => {
  const cores = machineParallelism('local', { cores: 2, freeMiB: 19_000, cellMiB: 1_000 });
  expect(cores.n).toBe(2);
  expect(cores.why).toMatch(/2 core\(s\), 18\.6 GiB free \/ 1\.0 GiB a local cell \(measured\) = 19: cores bound/);
  const memory = machineParallelism('local', { cores: 8, freeMiB: 3_500, cellMiB: 1_000 });
  expect(memory.n).toBe(3);
  expect(memory.why).toMatch(/memory bound/);
  expect(machineParallelism('local', { cores: 4, freeMiB: 300, cellMiB: 1_000 }).n).toBe(1);
  // a provider with no measured figure: the cores alone, and it says so
  const kind = machineParallelism('kind', { cores: 2, freeMiB: 19_000 });
  expect(kind.n).toBe(2);
  expect(kind.why).toMatch(/no measured memory of a kind cell/);
});

test('a local cell\'s peak memory is data measured here (bench/cell-memory.ts), not a guess', () => {
  expect(cellMiB('local')).toBeGreaterThan(100);
});
