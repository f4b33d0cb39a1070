// The torch stacks of the operator's MNIST e2e: each named pin set's wheelhouse and each PyTorch
// stand-in image, built cold (a scratch cache, the image removed first) several times, beside the
// warm lookup a run pays once they are built. Prints time (median), size and files.
// Run: node --import tsx bench/torch.ts operator-mnist-pl1.5 [--runs 3] [--image codeflare-matrix/pytorch:1.11.0-py3.9]
// Downloads from PyPI (about 0.8 GB for pl1.5, about 3 GB for the torch 2 sets) per cold run; no test runs it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadCatalog } from '../matrix/catalog/index.js';
import { ensureWheelhouse } from '../harness/toolchain/wheelhouse.js';
import { workloadImage } from '../harness/providers/kind/workloads.js';
import { docker, dockerOk } from '../harness/docker.js';
import { duration } from '../harness/toolchain/index.js';
import { table } from '../harness/table.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '3' }, image: { type: 'string', multiple: true, default: [] } } });
const runs = Number(values.runs);
const sets = loadCatalog().wheelhouses;
const wanted = positionals.map((id) => sets.find((p) => p.id === id) ?? (console.error(`no pin set ${id} (known: ${sets.map((p) => p.id).join(', ')})`), process.exit(2)));
if (!wanted.length && !values.image.length) {
  console.error(`name pin sets (${sets.map((p) => p.id).join(', ')}) and/or --image <stand-in>`);
  process.exit(2);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (n: number): string => (n / 1e6).toFixed(0);
const rows: string[][] = [];

for (const p of wanted) {
  const cold: number[] = [];
  let files = 0, bytes = 0;
  for (let i = 0; i < runs; i++) {
    const home = mkdtempSync(join(tmpdir(), 'cfm-bench-torch-'));
    process.env.CODEFLARE_MATRIX_HOME = home;
    try {
      const t = performance.now();
      const w = await ensureWheelhouse(p);
      cold.push(performance.now() - t);
      files = w.manifest.files.length;
      bytes = w.manifest.files.reduce((n, f) => n + f.size, 0);
      // warm: the same call again, the manifest read back
      if (i === runs - 1) {
        const warm: number[] = [];
        for (let k = 0; k < 10; k++) {
          const t2 = performance.now();
          await ensureWheelhouse(p);
          warm.push(performance.now() - t2);
        }
        rows.push([`wheelhouse ${p.id} (Python ${p.python})`, duration(median(cold)), `${median(warm).toFixed(1)} ms`, `${(median(cold) / median(warm)).toFixed(0)}×`, `${mb(bytes)} MB, ${files} files`]);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
      delete process.env.CODEFLARE_MATRIX_HOME;
    }
  }
}

for (const image of values.image) {
  const cold: number[] = [];
  for (let i = 0; i < runs; i++) {
    await docker(['rmi', image]);
    const t = performance.now();
    await workloadImage(image, () => {});
    cold.push(performance.now() - t);
  }
  const warm: number[] = [];
  for (let k = 0; k < 10; k++) {
    const t = performance.now();
    await workloadImage(image, () => {});
    warm.push(performance.now() - t);
  }
  const size = Number((await dockerOk(['image', 'inspect', '--format', '{{.Size}}', image])).trim());
  rows.push([`image ${image}`, duration(median(cold)), `${median(warm).toFixed(1)} ms`, `${(median(cold) / median(warm)).toFixed(0)}×`, `${mb(size)} MB`]);
}

console.log(table(['what', `cold (median of ${runs})`, 'warm (median of 10)', 'cold / warm', 'size'], rows));
