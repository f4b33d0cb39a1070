// Wall time of `codeflare-matrix run` for a config, with and without cluster reuse, with 1 and 2
// cells at a time, and the time per phase (provision, install, suites, teardown) summed over cells.
// Median of --runs runs per setting; ratios against the plain setting (new clusters, 1 at a time).
//   node --import tsx bench/run.ts [--config matrix.yaml] [--runs 3] [--suites kuberay,kueue] [--settings plain,reuse,par2,reuse+par2]
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { run } from '../lib/exec.js';
import { repoRoot } from '../lib/paths.js';
import { readResults } from '../model/results.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const runs = Number(arg('runs', '3'));
const settings = arg('settings', 'plain,reuse,par2,reuse+par2').split(',');
const dir = mkdtempSync(join(tmpdir(), 'cfm-bench-run-'));
// The same config with the suites narrowed (the bench measures the harness, not the suites' waits).
const config = join(dir, 'config.yaml');
const doc = parse(readFileSync(arg('config', join(repoRoot, 'matrix.yaml')), 'utf8')) as Record<string, unknown>;
const suites = arg('suites', '');
if (suites) doc.suites = suites.split(',');
doc.retries = 0;
writeFileSync(config, stringify(doc));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

type Row = { setting: string; wall: number[]; phases: Record<string, number[]>; cells: number; reused: number; statuses: string };
const rows: Row[] = [];
for (const setting of settings) {
  const row: Row = { setting, wall: [], phases: { provision: [], install: [], suites: [], teardown: [] }, cells: 0, reused: 0, statuses: '' };
  for (let i = 0; i < runs; i++) {
    const out = join(dir, `${setting}-${i}`);
    const args = ['run', '-c', config, '-o', out, ...(setting.includes('reuse') ? ['--reuse-clusters'] : []), '-j', setting.includes('par2') ? '2' : '1'];
    const t0 = Date.now();
    await run('node', [join(repoRoot, 'bin/codeflare-matrix.js'), ...args], { cwd: repoRoot });
    row.wall.push(Date.now() - t0);
    const r = readResults(join(out, 'results.json'));
    for (const p of Object.keys(row.phases)) row.phases[p]!.push(r.cells.reduce((n, c) => n + ((c.phases as Record<string, number>)[p] ?? 0), 0));
    row.cells = r.cells.length;
    row.reused = r.cells.filter((c) => c.cluster?.reused).length;
    row.statuses = [...new Set(r.cells.map((c) => c.status))].join('/');
    console.error(`${setting} run ${i + 1}: ${s(Date.now() - t0)}`);
  }
  rows.push(row);
}
const base = median(rows[0]!.wall);
console.log(`config ${arg('config', 'matrix.yaml')}${suites ? ` (suites ${suites})` : ''}, median of ${runs}; phases summed over cells`);
console.log(['setting', 'cells', 'reused', 'wall', 'ratio', 'provision', 'install', 'suites', 'teardown', 'status'].join('\t'));
for (const r of rows) {
  console.log([r.setting, r.cells, r.reused, s(median(r.wall)), (median(r.wall) / base).toFixed(2), ...['provision', 'install', 'suites', 'teardown'].map((p) => s(median(r.phases[p]!))), r.statuses].join('\t'));
}
