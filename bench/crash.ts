// Benchmark: crash cleanup. A run of one cell is SIGKILLed at a random moment — its whole process
// group (a CI runner cancelling a job), or only the top process (the cell's Playwright process then
// finishes the cell and tears it down by itself) — and what is left is counted: marked processes,
// clusters, kind and build containers, listening ports, temporary folders, half-written results.
// Then the janitor runs (`cluster down --orphans`, what every run does first) and it is counted again.
// Run: node --import tsx bench/crash.ts [--provider local|kind] [--trials 20] [--kill both|group|top]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUILDER_LABEL } from '../harness/docker.js';
import { run } from '../lib/exec.js';
import { repoRoot } from '../lib/paths.js';
import { MARKER } from '../harness/processes.js';
import { clusterNames, readState } from '../harness/providers/state.js';
import { RUN_ENV } from '../harness/run/layout.js';

const { values } = parseArgs({ options: { provider: { type: 'string', default: 'local' }, trials: { type: 'string', default: '20' }, kill: { type: 'string', default: 'both' } } });
const provider = values.provider!;
const trials = Number(values.trials);
const kinds = values.kill === 'both' ? ['group', 'top'] : [values.kill!];
const bin = join(repoRoot, 'bin', 'codeflare-matrix.js');
const work = mkdtempSync(join(tmpdir(), 'cfm-bench-crash-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// One era E cell (KubeRay, Kueue, the SDK; no operator: buildable everywhere), one suite.
const config = join(work, 'crash.yaml');
const cell = provider === 'kind' ? '{ kubernetes: "1.27", kuberay: v1.3.2, kueue: v0.11.6, codeflare-sdk: v0.38.2, appwrapper: v1.1.2 }' : '{ kubernetes: "1.31", kuberay: v1.3.2, kueue: v0.11.6, codeflare-sdk: v0.35.0 }';
writeFileSync(config, `name: crash\nprovider: ${provider}\nkubernetes: ["${provider === 'kind' ? '1.27' : '1.31'}"]\ninclude:\n  - ${cell}\nsuites: ["kuberay"]\nretries: 0\n`);

/** Live processes whose environment names this run's folder (every process the run started inherits it). */
function ofRun(out: string): { pid: number; marked: boolean }[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const env = readFileSync(`/proc/${p}/environ`, 'utf8').split('\0');
      return env.includes(`${RUN_ENV}=${out}`) ? [{ pid: Number(p), marked: env.some((e) => e.startsWith(`${MARKER}=`)) }] : [];
    } catch {
      return [];
    }
  });
}

async function lines(cmd: string, args: string[]): Promise<string[]> {
  const r = await run(cmd, args, { timeout: 60_000 });
  return r.ok ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
}

const containers = async () => (provider === 'kind' ? [...(await lines('docker', ['ps', '-aq', '--filter', 'label=io.x-k8s.kind.cluster'])), ...(await lines('docker', ['ps', '-aq', '--filter', `label=${BUILDER_LABEL}`]))] : []);

/** What the run left: its processes (and their listening ports), its clusters, new containers, temporary folders, partial files. */
async function left(pid: number, out: string, temp: string, baseContainers: string[]): Promise<Record<string, string[]>> {
  const procs = ofRun(out);
  const pids = new Set(procs.map((p) => p.pid));
  const ports = (await lines('ss', ['-ltnpH'])).filter((l) => [...l.matchAll(/pid=(\d+)/g)].some((m) => pids.has(Number(m[1])))).map((l) => l.split(/\s+/)[3]!);
  const partial = existsSync(out) ? readdirSync(out, { recursive: true }).map(String).filter((f) => f.endsWith('.tmp')) : [];
  let results: string[] = [];
  if (existsSync(join(out, 'results.json'))) {
    try {
      JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    } catch {
      results = ['results.json does not parse'];
    }
  }
  return {
    processes: procs.map((p) => `pid ${p.pid}${p.marked ? ' (marked)' : ''}`),
    clusters: clusterNames().filter((n) => readState(n)?.owner === pid || !readState(n)),
    containers: (await containers()).filter((c) => !baseContainers.includes(c)),
    ports,
    // Playwright's and tsx's compile caches live in TMPDIR by design (kept and reused across runs)
    temp: readdirSync(temp).filter((f) => !/^(playwright-transform-cache|tsx)-\d+$/.test(f)),
    'half-written': [...partial, ...results],
  };
}

async function runOnce(kill?: { kind: string; atMs: number }): Promise<{ ms: number; step: string; before: Record<string, string[]>; after: Record<string, string[]> }> {
  const out = join(work, `run-${Date.now()}`);
  const temp = join(out, 'tmpdir'); // the run's TMPDIR: Go's, Python's and Node's temporary folders land here
  mkdirSync(temp, { recursive: true });
  const baseContainers = await containers();
  const t0 = Date.now();
  const child = spawn(process.execPath, [bin, 'run', '-c', config, '-o', out], { cwd: work, detached: true, stdio: 'ignore', env: { ...process.env, TMPDIR: temp } });
  current = child.pid;
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  let step = 'finished';
  if (kill) {
    await Promise.race([exited, sleep(kill.atMs)]);
    const cells = existsSync(join(out, 'cells')) ? readdirSync(join(out, 'cells')) : [];
    const stepFile = cells[0] ? join(out, 'cells', cells[0], 'step') : '';
    step = child.exitCode !== null ? 'finished' : stepFile && existsSync(stepFile) ? readFileSync(stepFile, 'utf8').trim().split('\n')[0]!.slice(0, 40) : 'before the cell';
    try {
      process.kill(kill.kind === 'group' ? -child.pid! : child.pid!, 'SIGKILL');
    } catch {
      // it had finished
    }
  }
  await exited;
  // a top-process kill leaves the cell's Playwright process (unmarked) to finish the cell and tear it down
  for (const t = Date.now(); ofRun(out).some((p) => !p.marked) && Date.now() - t < 20 * 60_000; ) await sleep(2000);
  await sleep(2000);
  const ms = Date.now() - t0;
  const before = await left(child.pid!, out, temp, baseContainers);
  await run(process.execPath, [bin, 'cluster', 'down', '--orphans'], { timeout: 10 * 60_000 });
  const after = await left(child.pid!, out, temp, baseContainers);
  return { ms, step, before, after };
}

// Ctrl-C on the benchmark: the trial's run is stopped as a user would (SIGINT to its group), then the janitor.
let current: number | undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    if (current) process.kill(-current, 'SIGINT');
    setTimeout(() => void run(process.execPath, [bin, 'cluster', 'down', '--orphans']).finally(() => process.exit(130)), 15_000);
  });
}

const count = (r: Record<string, string[]>) => Object.values(r).reduce((a, v) => a + v.length, 0);
const show = (r: Record<string, string[]>) => Object.entries(r).filter(([, v]) => v.length).map(([k, v]) => `${k} ${v.length}`).join(', ') || 'nothing';

await run(process.execPath, [bin, 'cluster', 'down', '--orphans'], { timeout: 10 * 60_000 });
console.log(`crash cleanup on ${provider}: one era E cell; a whole run first, to time it`);
const whole = await runOnce();
console.log(`  a whole run: ${(whole.ms / 1000).toFixed(0)} s; left after it: ${show(whole.before)}\n`);
const span = whole.ms;
const rows: string[][] = [];
const totals: Record<string, { trials: number; before: number; after: number; trialsLeaving: number; trialsLeavingAfter: number }> = {};
for (const kind of kinds) {
  totals[kind] = { trials: 0, before: 0, after: 0, trialsLeaving: 0, trialsLeavingAfter: 0 };
  for (let i = 1; i <= trials; i++) {
    const atMs = Math.round(1000 + Math.random() * (span - 1000));
    const r = await runOnce({ kind, atMs });
    const t = totals[kind]!;
    t.trials++;
    t.before += count(r.before);
    t.after += count(r.after);
    if (count(r.before)) t.trialsLeaving++;
    if (count(r.after)) t.trialsLeavingAfter++;
    const row = [kind, String(i), `${(atMs / 1000).toFixed(0)} s`, r.step, show(r.before), show(r.after)];
    rows.push(row);
    console.log(`  ${row.join(' | ')}${count(r.after) ? `  ${JSON.stringify(r.after)}` : ''}`);
  }
}
console.log(`\n${provider}: kill | trials | trials leaving something before the janitor (items) | after the janitor (items)`);
for (const [kind, t] of Object.entries(totals)) console.log(`  ${kind.padEnd(5)} | ${t.trials} | ${t.trialsLeaving} (${t.before}) | ${t.trialsLeavingAfter} (${t.after})`);
rmSync(work, { recursive: true, force: true });
