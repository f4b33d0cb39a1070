// Benchmark: how fast the CLI answers — `--help`, `plan` on the default config, `report` and `gate`
// on a 100-cell results file — compiled (dist/, what the package ships) and from the TypeScript
// sources through tsx (a checkout without a build: the "before"), beside `node -e 0` in the same run.
// Run: npm run build && node --import tsx bench/startup.ts [--runs 7]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../lib/paths.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
const bin = join(repoRoot, 'bin', 'codeflare-matrix.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (!existsSync(join(repoRoot, 'dist', 'harness', 'cli.js'))) {
  console.error('bench/startup.ts: no dist/ — run `npm run build` first');
  process.exit(2);
}

// 100 cells: the two of a committed shard, repeated under distinct ids.
const dir = mkdtempSync(join(tmpdir(), 'cfm-bench-startup-'));
const shard = JSON.parse(readFileSync(join(repoRoot, 'reports', 'testdata', 'shard-1.json'), 'utf8')) as { cells: { id: string }[] };
const cells = Array.from({ length: 100 }, (_, i) => ({ ...shard.cells[i % shard.cells.length]!, id: `${shard.cells[i % shard.cells.length]!.id}-${i}` }));
const results = join(dir, 'results.json');
writeFileSync(results, JSON.stringify({ ...shard, cells }));

/** Wall time of one command, in ms; the exit status does not matter (gate fails on these results). */
function time(args: string[], env: Record<string, string> = {}): number {
  const t = performance.now();
  try {
    execFileSync(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
  } catch {
    // a non-zero exit is an answer too
  }
  return performance.now() - t;
}

const commands: [string, string[], number][] = [
  ['--help', ['--help'], 300],
  ['plan (default config)', ['plan'], 600],
  ['report (100 cells)', ['report', results], 600],
  ['gate (100 cells)', ['gate', results, '--release', 'v1.2.0'], 600],
];

const base = median(Array.from({ length: runs }, () => time(['-e', '0'])));
console.log(`CLI start-up, median of ${runs} runs; node -e 0: ${base.toFixed(0)} ms\n`);
console.log(`${'command'.padEnd(24)}${'compiled'.padStart(10)}${'×node'.padStart(8)}${'sources'.padStart(10)}${'×node'.padStart(8)}${'goal'.padStart(8)}`);
for (const [name, args, goal] of commands) {
  const compiled = median(Array.from({ length: runs }, () => time([bin, ...args])));
  const sources = median(Array.from({ length: runs }, () => time([bin, ...args], { CODEFLARE_MATRIX_FROM_SOURCE: '1' })));
  const mark = compiled <= goal ? 'ok' : 'over';
  console.log(`${name.padEnd(24)}${`${compiled.toFixed(0)} ms`.padStart(10)}${(compiled / base).toFixed(1).padStart(8)}${`${sources.toFixed(0)} ms`.padStart(10)}${(sources / base).toFixed(1).padStart(8)}${`≤${goal}`.padStart(8)} ${mark}`);
}
rmSync(dir, { recursive: true, force: true });
