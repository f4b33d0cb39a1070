// The published history re-verified: `run -s published` over every operator row, timed, with the
// build cache's hit rate, each row's outcome and why, and the audit of the real history beside it.
//   node --import tsx bench/history.ts [--runs 1] [-j N] [--config matrix.yaml] [--out DIR]
// (-j: the run's own default, from the machine, unless given.) Where the time goes: per phase
// (build, provision, install and its readiness waits, tests, teardown), summed over cells and on
// the critical path (the lane of cells that ended last), from the phases each cell records.
//   node --import tsx bench/history.ts --results DIR [DIR…]     (figures of runs already made)
// Each failing test of the last run is labelled against its row's baseline, the previous row that
// ran (regression, already failing, flaky, new), as the run labels it.
// The operator's cells build from git: name its repository in the user's sources file
// (~/.config/codeflare-matrix/sources.yaml), as for any run. A run is cold when its builds are not
// cached yet; the script counts what each run built, so cold and warm runs say so themselves.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { componentsHome } from '../harness/components/build.js';
import { run } from '../lib/exec.js';
import { repoRoot } from '../lib/paths.js';
import { toolchainHome } from '../harness/toolchain/index.js';
import { readResults, type CellResult, type Results } from '../model/results.js';
import { loadCatalog } from '../matrix/catalog/index.js';
import { loadConfig } from '../matrix/config.js';
import { plan } from '../matrix/planner/index.js';
import { loadSources } from '../harness/components/git.js';
import { labelled, labelResults } from '../reports/baseline.js';
import { sampler } from './cell-memory.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '1' }, j: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' }, results: { type: 'boolean', default: false } },
});
const cli = join(repoRoot, 'bin', 'codeflare-matrix.js');
const s = (ms: number) => (ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s` : `${(ms / 1000).toFixed(1)}s`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Made = { what: string; seconds: number; at: number; sha256?: string };
/** Component builds and toolchain entries in the cache, with when they were made and how long they took. */
function cacheEntries(): Made[] {
  const out: Made[] = [];
  const scan = (root: string, depth: number) => {
    if (!existsSync(root)) return;
    for (const a of readdirSync(root)) {
      if (a.startsWith('.') || a === 'work') continue;
      for (const b of depth === 2 ? readdirSync(join(root, a)) : ['']) {
        const m = join(root, a, b, 'manifest.json');
        if (!existsSync(m)) continue;
        const j = JSON.parse(readFileSync(m, 'utf8')) as { createdAt?: string; builtAt?: string; buildSeconds?: number; seconds?: number; binary?: { sha256?: string } };
        out.push({ what: `${a} ${b}`.trim(), seconds: j.buildSeconds ?? j.seconds ?? 0, at: Date.parse(j.createdAt ?? j.builtAt ?? '') || 0, ...(j.binary?.sha256 ? { sha256: j.binary.sha256 } : {}) });
      }
    }
  };
  scan(componentsHome(), 2);
  scan(toolchainHome(), 2);
  return out;
}

type Figures = { dir: string; wallMs: number; cells: CellResult[]; built: Made[]; binaries: number; hits: number; j?: number; jWhy?: string; memory?: { cellMiB: number; machineMiB: number }; cpu?: { machineCores: number; cellCores: number } };
function figures(dir: string, wallMs?: number): Figures {
  const r = readResults(join(dir, 'results.json'));
  const start = Date.parse(r.runs[0]!.startedAt);
  const end = Math.max(...r.cells.map((c) => Date.parse(c.finishedAt ?? '') || start), start);
  const entries = cacheEntries();
  const built = entries.filter((e) => e.at >= start && e.at <= end);
  // Every component binary a cell ran, by digest; a hit is one whose cache entry was made before the run.
  const binaries = new Set(r.cells.flatMap((c) => (c.provenance ?? []).flatMap((p) => (p.binarySha256 ? [p.binarySha256] : []))));
  const before = new Set(entries.filter((e) => e.sha256 && e.at < start).map((e) => e.sha256));
  const hits = [...binaries].filter((b) => before.has(b)).length;
  return { dir, wallMs: wallMs ?? end - start, cells: r.cells, built, binaries: binaries.size, hits, j: r.runs[0]!.parallelism, jWhy: r.runs[0]!.parallelismWhy };
}

const made: Figures[] = [];
if (values.results) {
  for (const d of positionals) made.push(figures(d));
} else {
  for (let i = 0; i < Number(values.runs); i++) {
    const out = values.out ? `${values.out}-${i + 1}` : mkdtempSync(join(tmpdir(), 'cfm-bench-history-'));
    const t0 = Date.now();
    const memory = sampler(3000);
    const r = await run('node', [cli, 'run', '-s', 'published', ...(values.j ? ['-j', values.j] : []), '-o', out, ...(values.config ? ['-c', values.config] : [])], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    console.error(`run ${i + 1}: exit ${r.exitCode} in ${s(Date.now() - t0)} → ${out}`);
    if (r.exitCode === 2 || r.exitCode === 130) process.exit(r.exitCode); // bad input or interrupted: no figures of this run
    const peak = memory.stop();
    made.push({ ...figures(out, Date.now() - t0), memory: { cellMiB: Math.round(Math.max(0, ...peak.cells.values()) / 1024), machineMiB: peak.machineMiB }, ...(peak.cpu ? { cpu: peak.cpu } : {}) });
  }
}

const last = made.at(-1)!;
console.log(`history runs: ${made.length}; wall times ${made.map((f) => s(f.wallMs)).join(', ')}${made.length > 1 ? `; median ${s(median(made.map((f) => f.wallMs)))}` : ''}`);
console.log(['run', 'wall', 'cells', 'passed', 'failed', 'not run', 'built (entries)', 'build time', 'binaries used', 'cache hit rate'].join('\t'));
for (const f of made) {
  const n = (st: string[]) => f.cells.filter((c) => st.includes(c.status)).length;
  const components = f.built.filter((b) => !b.what.startsWith('kubernetes') && !['etcd', 'kwok', 'helm', 'kind', 'crictl', 'coredns'].includes(b.what.split(' ')[0]!));
  console.log([f.dir, s(f.wallMs), f.cells.length, n(['passed']), n(['failed', 'flaky']), n(['blocked', 'not-applicable']), `${f.built.length} (${components.length} components)`, s(f.built.reduce((t, b) => t + b.seconds * 1000, 0)), f.binaries, f.binaries ? `${((f.hits / f.binaries) * 100).toFixed(0)}% (${f.hits}/${f.binaries})` : '-'].join('\t'));
}

// Where the time went in the last run: each phase summed over its cells, and on the critical path:
// the cells one after another on the lane that ended last (lanes rebuilt from start and end times),
// with the time that lane stood idle (a cell waiting for another's port, or none left to take).
const PHASES = ['build', 'provision', 'install', 'ready', 'suites', 'teardown'] as const;
const LABEL: Record<(typeof PHASES)[number], string> = { build: 'build (components, SDK, images)', provision: 'provision (cluster up)', install: 'install (incl. ready)', ready: '  of which: readiness waits', suites: 'tests', teardown: 'teardown' };
{
  const timed = last.cells.filter((c) => c.startedAt && c.finishedAt && !c.ahead);
  const t = (x?: string) => Date.parse(x ?? '');
  const span = (c: CellResult) => t(c.finishedAt) - t(c.startedAt);
  const lanes: CellResult[][] = [];
  for (const c of [...timed].sort((a, b) => t(a.startedAt) - t(b.startedAt))) {
    const free = lanes.filter((l) => t(l.at(-1)!.finishedAt) <= t(c.startedAt) + 2000).sort((a, b) => t(b.at(-1)!.finishedAt) - t(a.at(-1)!.finishedAt))[0];
    if (free) free.push(c);
    else lanes.push([c]);
  }
  const critical = [...lanes].sort((a, b) => t(b.at(-1)!.finishedAt) - t(a.at(-1)!.finishedAt))[0] ?? [];
  const runStart = Math.min(...timed.map((c) => t(c.startedAt)));
  const idle = critical.reduce((n, c, i) => n + t(c.startedAt) - (i ? t(critical[i - 1]!.finishedAt) : runStart), 0);
  const sum = (cs: CellResult[], ph: (typeof PHASES)[number]) => cs.reduce((n, c) => n + (c.phases?.[ph] ?? 0), 0);
  // a cell's time outside its recorded phases: its Playwright process starting, checks, collecting logs
  const other = (cs: CellResult[]) => cs.reduce((n, c) => n + span(c) - PHASES.filter((p) => p !== 'ready').reduce((m, p) => m + (c.phases?.[p] ?? 0), 0), 0);
  const cellMs = timed.reduce((n, c) => n + span(c), 0);
  if (last.memory) console.log(`\npeak memory: ${last.memory.cellMiB} MiB the largest cell (its process tree and cluster), ${last.memory.machineMiB} MiB the machine in use`);
  if (last.cpu) console.log(`CPU: the machine ${last.cpu.machineCores} core(s) busy on average; a cell ${last.cpu.cellCores} (busy cores over the cells running; what cell-memory.json's cores is measured as)`);
  console.log(`\n-j ${last.j ?? '?'}${last.jWhy ? ` (from the machine: ${last.jWhy})` : ''}; ${lanes.length} lane(s); cell time ${s(cellMs)} over ${timed.length} cells run; critical path ${critical.length} cells, ${s(critical.length ? t(critical.at(-1)!.finishedAt) - runStart : 0)}`);
  console.log(['phase', 'summed over cells', 'share', 'on the critical path'].join('\t'));
  const row = (label: string, all: number, crit: number) => console.log([label, s(all), cellMs ? `${((all / cellMs) * 100).toFixed(0)}%` : '-', s(crit)].join('\t'));
  for (const ph of PHASES) row(LABEL[ph], sum(timed, ph), sum(critical, ph));
  row('other (cell process, checks, logs)', other(timed), other(critical));
  console.log(['idle (waiting to start)', '-', '-', s(idle)].join('\t'));
}

// Each row of the last run: its outcome and why.
console.log('\nrow\tera\tk8s\tstatus\twhy');
for (const c of last.cells) {
  const op = c.requested?.['codeflare-operator'] ?? '(none)';
  // Each test that did not pass, by its reason (blocked) or its first error line (failed, flaky).
  const line = (t: CellResult['suites'][number]['tests'][number]) => (t.reason || t.errors?.[0] || '').replace(/\x1b\[[0-9;]*m/g, '').split('\n')[0]!.slice(0, 160);
  const notPassed = (c.suites ?? []).flatMap((x) => x.tests.filter((t) => ['failed', 'flaky', 'blocked'].includes(t.status)).map((t) => `${x.name} ${t.status}: ${line(t)}`));
  const why = c.status === 'passed' ? '' : (c.reason ?? [...new Set(notPassed)].join('; '));
  console.log([op, c.era, c.kubernetes, c.status, why].join('\t'));
}

// Each failing test of the last run against its row's baseline. Results written before cells named
// their baseline take it from the plan of the same config (cell ids are the same for the same stack).
const r: Results = readResults(join(last.dir, 'results.json'));
if (!r.cells.some((c) => c.baseline)) {
  const path = [values.config, r.config.path, join(repoRoot, 'matrix.yaml')].find((p) => p && existsSync(p))!;
  const loaded = loadConfig(path);
  const p = plan(loaded, loadCatalog(), { strategy: r.strategy as never, sources: loadSources(loaded.text, loaded.path) });
  for (const c of r.cells) {
    const b = p.cells.find((x) => x.id === c.id)?.baseline;
    if (b) c.baseline = b;
  }
}
const op = (id: string) => r.cells.find((c) => c.id === id)?.requested['codeflare-operator'] ?? id;
const labels = labelled(labelResults(r, loadCatalog()));
console.log(`\nlabels (${labels.length}: each failing test against its row's baseline)\nrow\tlabel\tagainst\ttest\tevidence`);
for (const x of labels) console.log([op(x.cell), x.label.kind, x.label.baseline ? op(x.label.baseline.cell) : '-', `${x.suite} › ${x.test}`, x.label.evidence.replace(/\x1b\[[0-9;]*m/g, '').slice(0, 200)].join('\t'));

// The audit of the real history against these results (the operator's git source from the sources file).
const audit = await run('node', [cli, 'audit-history', join(last.dir, 'results.json')], { cwd: repoRoot });
console.log(`\naudit-history (exit ${audit.exitCode}):\n${audit.stdout.trim() || audit.all.trim()}`);
