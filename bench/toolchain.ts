// Toolchain cost: the cold build of each default entry (as recorded in its manifest when it was
// built) against a warm ensureToolchain (cached: a stat per binary), plus binary sizes.
// Run: node --import tsx bench/toolchain.ts  — it never builds; run `codeflare-matrix toolchain build` first.
import { performance } from 'node:perf_hooks';
import { defaultVersions, duration, ensureToolchain, toolchainEntry, toolchainHome, tools, type Component, type Entry } from '../harness/toolchain/index.js';
import { table } from '../harness/table.js';

const mib = (n: number): string => (n / 2 ** 20).toFixed(1);

async function warmMs(opts: Parameters<typeof ensureToolchain>[0], runs = 20): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await ensureToolchain(opts);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const pinned = defaultVersions();
const wanted: [Component, string][] = [...tools.map((t) => [t, pinned[t]] as [Component, string]), ...pinned.kubernetes.map((v) => ['kubernetes', v] as [Component, string])];
console.log(`toolchain cache: ${toolchainHome()}\n`);

const rows: string[][] = [];
const sizes: string[][] = [];
const cached: Entry[] = [];
for (const [c, v] of wanted) {
  let e: Entry;
  try {
    e = toolchainEntry(c, v);
  } catch (err) {
    rows.push([c, v, 'not built', '', (err as Error).message]);
    continue;
  }
  cached.push(e);
  const warm = await warmMs(c === 'kubernetes' ? { kubernetes: [v] } : c === 'kubernetes-node' ? { kubernetes: [], node: [v] } : { kubernetes: [], tools: [c] });
  rows.push([c, v, duration(e.manifest.buildSeconds * 1000), `${warm.toFixed(2)} ms`, `${e.manifest.goVersion}, built ${e.manifest.createdAt.slice(0, 16)}`]);
  for (const [name, b] of Object.entries(e.manifest.binaries)) sizes.push([c, v, name, mib(b.size)]);
}
console.log(table(['component', 'version', 'cold build', 'warm ensure (median of 20)', 'note'], rows));
if (cached.length === wanted.length) {
  const all = await warmMs({ kubernetes: pinned.kubernetes, tools: [...tools] });
  const cold = cached.reduce((a, e) => a + e.manifest.buildSeconds, 0);
  console.log(`\nall defaults: cold ${duration(cold * 1000)} (sum of recorded builds), warm ${all.toFixed(2)} ms`);
}
console.log('\n' + table(['component', 'version', 'binary', 'MiB (stripped)'], sizes));
