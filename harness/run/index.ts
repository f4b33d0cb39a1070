// `codeflare-matrix run`: plan → per cell a Playwright process (setup project, the cell's suites,
// teardown project) → results. One Playwright process per cell keeps cells apart (a cell that
// crashes its process takes no other cell with it; Playwright's dependent projects would skip every
// later cell after a failed one); `parallelism` of them run at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, closeSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { loadCatalog } from '../../matrix/catalog/index.js';
import { loadConfig, type MatrixConfig } from '../../matrix/config.js';
import { plan as makePlan, type Plan } from '../../matrix/planner/index.js';
import { blockedAhead, type Cell } from '../../matrix/cell.js';
import { cellStatus, failsRun, readResults, writeResults, RESULTS_SCHEMA, type CellResult, type Results } from '../../model/results.js';
import { baselineRuns, mergeRerun, rerunSelection } from './rerun.js';
import { FINISHED, type CellTests, type FinishedTest } from './cell-reporter.js';
import { finishAllure } from '../../reports/allure.js';
import { pickSuites } from '../../suites/index.js';
import { UserError } from '../../lib/errors.js';
import { loadSources } from '../components/git.js';
import { askRegistries } from '../components/where.js';
import { carried } from '../components/provenance.js';
import { checkOutput, writeAtomic } from '../../lib/files.js';
import { removeSecrets } from './secrets.js';
import { compiled, repoRoot } from '../../lib/paths.js';
import { janitor } from '../providers/janitor.js';
import { providerFor } from '../providers/index.js';
import { clusterNames, readState, startTime } from '../providers/state.js';
import { ensureToolchain, tools } from '../toolchain/index.js';
import { RUN_ENV, cellDir, readCellState, readStep, type RunOptions } from './layout.js';
import { poolKey } from './pool.js';
import { hostPorts } from '../components/install/common.js';
import { clash, nextCell, sharesNetwork, waitLines, type Claims } from './claims.js';
import { cellOrder, machineParallelism } from './parallelism.js';

export type RunArgs = {
  config: string;
  strategy?: Plan['strategy'];
  maxCells?: number;
  chain?: MatrixConfig['chain'];
  /** A results file: run again only what did not pass there, and merge. */
  rerunFailed?: string;
  /** Each test this many times. */
  repeat?: number;
  /** A baseline results file (or the config's): failed tests are looked up there, no baseline stack runs. */
  baseline?: string;
  cells?: string[];
  shard?: { index: number; total: number };
  retries?: number;
  parallelism?: number;
  reuseClusters: boolean;
  keepOnFailure: boolean;
  out?: string;
  log?: (line: string) => void;
  /** A plan made by the caller (bisect's probe: one cell, one test), run as it is: the config is not planned again. */
  plan?: Plan;
};

export type RunOutcome = { dir: string; results: Results; exitCode: number };

const version = (): string => (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** The plan a run works on: the config's, narrowed to --cells and --shard, cells of one pool key together. */
export function runPlan(a: RunArgs): Plan {
  const loaded = loadConfig(a.config);
  const p = makePlan(loaded, loadCatalog(), { strategy: a.strategy, maxCells: a.maxCells, chain: a.chain, sources: loadSources(loaded.text, loaded.path) });
  pickSuites(p.run.suites, (i) => loaded.place(`suites[${i}]`) ?? `${a.config}: suites`);
  let cells = p.cells;
  if (a.cells?.length) {
    const unknown = a.cells.filter((id) => !cells.some((c) => c.id === id));
    if (unknown.length) throw new UserError(`no cell ${unknown.join(', ')} in the plan of ${a.config}`, '--cells', `pick ids from: npx codeflare-matrix plan -c ${a.config}`);
    cells = cells.filter((c) => a.cells!.includes(c.id));
  }
  // Shards take whole cells, the same way `plan --github-matrix` splits them.
  if (a.shard) cells = cells.filter((_, j) => j % a.shard!.total === a.shard!.index - 1);
  if (cells.length === 0) throw new UserError('this shard has no cell', '--shard', 'use fewer shards than cells');
  const only = a.rerunFailed ? rerunSelection(readResults(a.rerunFailed), a.rerunFailed, p) : undefined;
  if (only) cells = cells.filter((c) => c.id in only); // may be none: nothing to rerun
  // A baseline left out by --cells or --shard is a baseline stack here (a rerun's earlier results hold them all).
  const kept = new Set(cells.map((c) => c.id));
  const byFile = a.baseline !== undefined || typeof loaded.config.baseline === 'string';
  const baselines = byFile ? [] : [...(p.baselines ?? []), ...(only ? [] : p.cells.filter((c) => !kept.has(c.id) && cells.some((k) => k.baseline?.cell === c.id)))];
  const key = (c: Cell) => poolKey(p.provider, c.versions.kubernetes ?? '', c.era);
  const keys = [...new Set(cells.map(key))];
  cells = [...cells].sort((x, y) => keys.indexOf(key(x)) - keys.indexOf(key(y)));
  return {
    ...p,
    cells,
    baselines,
    run: { ...p.run, ...(a.retries !== undefined ? { retries: a.retries } : {}), ...(a.parallelism !== undefined ? { parallelism: a.parallelism } : {}), ...(a.repeat ? { repeat: a.repeat } : {}), ...(only ? { only } : {}) },
  };
}

/** The plan in a few lines, for the start of a run: each cell, and why one blocked ahead will not run. */
export function planLines(p: Plan): string[] {
  const ahead = p.cells.filter((c) => blockedAhead(c));
  const runs = p.cells.length - ahead.length;
  return [
    `plan: ${p.cells.length} cell(s), ${runs} to run${ahead.length ? `, ${ahead.length} blocked ahead (not run, not a failure)` : ''}`,
    ...p.cells.map((c) => {
      const why = blockedAhead(c);
      return `  ${c.id}  ${why ? `blocked ahead: ${why}` : `runs: ${c.title}`}`;
    }),
    // stacks outside the matrix, run only for the tests that fail in the cells they are the baseline of
    ...(p.baselines ?? []).map((b) => `  baseline ${b.id} of ${p.cells.filter((c) => c.baseline?.cell === b.id).map((c) => c.id).join(', ')}: ${b.title}`),
  ];
}

/**
 * A run folder is one run's. Two runs at once on one host each take their own (the default names
 * one by the start time); a second run naming a folder that another holds — running or finished —
 * is refused here, before anything is built or written.
 */
function claim(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const owner = join(dir, 'owner');
  const held = ['run.json', 'results.json'].some((f) => existsSync(join(dir, f)));
  try {
    if (!held) return writeFileSync(owner, `${process.pid} ${startTime(process.pid)}\n`, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const [pid, start] = (existsSync(owner) ? readFileSync(owner, 'utf8') : '').trim().split(' ');
  if (pid && startTime(Number(pid)) === start) throw new UserError(`the run folder is in use by a run still going (pid ${pid})`, dir, 'pass another --out, or none: each run gets its own folder');
  throw new UserError('the run folder holds an earlier run', dir, 'pass a new --out folder (`npx codeflare-matrix merge` joins the results of several)');
}

export async function runMatrix(a: RunArgs): Promise<RunOutcome> {
  const log = a.log ?? ((l: string) => console.log(l));
  let p = a.plan ?? runPlan(a);
  // A fresh machine has no record of what its registries serve: ask for what this plan needs, then plan again.
  if (!a.plan && (await askRegistries(p.cells, p.sources))) p = runPlan(a);
  const started = new Date();
  const id = `${p.name}-${started.toISOString().replace(/[:.]/g, '-')}`;
  const dir = resolve(a.out ?? join('out', 'runs', id));
  checkOutput(dir, a.out ? '--out' : 'run folder', 'folder');
  claim(dir);
  const opts: RunOptions = { id, owner: process.pid, reuseClusters: a.reuseClusters, keepOnFailure: a.keepOnFailure, startedAt: started.toISOString() };
  writeAtomic(join(dir, 'plan.json'), JSON.stringify(p, null, 2) + '\n');
  writeAtomic(join(dir, 'run.json'), JSON.stringify(opts, null, 2) + '\n');
  // The plan first, before any build: what runs, what is blocked ahead and why.
  for (const line of planLines(p)) log(line);
  for (const line of await janitor()) log(`janitor: removed ${line}`);
  // A fresh machine: the binaries the plan's clusters and installs need, built once (cached after).
  const kubernetes = [...new Set(p.cells.filter((c) => !blockedAhead(c)).map((c) => c.versions.kubernetes!))];
  await ensureToolchain({ kubernetes, tools: [...tools], log });

  const results: Results = {
    schema: RESULTS_SCHEMA,
    harness: { name: 'codeflare-matrix', version: version() },
    config: { name: p.name, path: p.config.path, hash: p.config.hash },
    strategy: p.strategy,
    provider: p.provider,
    runs: [{ id, startedAt: opts.startedAt, finishedAt: opts.startedAt, interrupted: false, host: hostname(), ...(a.shard ? { shard: a.shard } : {}) }],
    cells: [],
  };
  if (a.repeat) results.runs[0]!.repeat = a.repeat;
  // A rerun's results file is the earlier one with what ran again merged in, at every save.
  const earlier = a.rerunFailed ? readResults(a.rerunFailed) : undefined;
  const merged = (): Results => (earlier && p.run.only ? mergeRerun(earlier, a.rerunFailed!, results, p.run.only) : results);
  const save = () => {
    results.runs[0]!.finishedAt = new Date().toISOString();
    writeResults(join(dir, 'results.json'), merged());
  };
  if (!p.cells.length) {
    log(`nothing to rerun: no cell of ${a.rerunFailed} failed, was flaky or was blocked`);
    save();
    return { dir, results: merged(), exitCode: 0 };
  }
  // -j, else the config's, else what the machine allows (harness/run/parallelism.ts)
  const chosen = p.run.parallelism === undefined ? machineParallelism(p.provider) : undefined;
  const lanesN = p.run.parallelism ?? chosen!.n;
  p.run.parallelism = lanesN;
  Object.assign(results.runs[0]!, { parallelism: lanesN, ...(chosen ? { parallelismWhy: chosen.why } : {}) });
  log(`run ${id}: ${p.cells.length} cell(s), ${lanesN} at a time${chosen ? ` (from the machine: ${chosen.why}; -j N to choose)` : ''}${a.reuseClusters ? ', clusters reused' : ''} → ${relative(process.cwd(), dir) || dir}`);

  const running = new Map<string, { child: ChildProcess; startedAt: Date }>();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: stopping the running cells, then removing this run's clusters…`);
    for (const { child } of running.values()) child.kill('SIGINT');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const timed = earlierDurations(dir);
  const queue = cellOrder(p.cells, timed);
  const isBaseline = (cell: Cell) => !p.cells.includes(cell);
  const due = baselineRuns(p);
  const stream = finishedTests(dir, log);
  const tick = progressLine(dir, p, results, running, queue, started, timed, log);
  const progress = setInterval(() => {
    for (const id of running.keys()) stream(id);
    tick();
  }, 1000);
  try {
    const runOne = async (cell: Cell) => {
      const t0 = new Date();
      const child = spawnCell(dir, cell);
      running.set(cell.id, { child, startedAt: t0 });
      await new Promise<void>((done) => child.on('exit', () => done()));
      stream(cell.id);
      running.delete(cell.id);
      const r = cellResult(dir, p, cell, t0, interrupted);
      if (isBaseline(cell)) (results.baselines ??= []).push(r);
      else results.cells.push(r);
      // its failed tests run again on its baseline stack, once every cell that stack is the baseline of is done
      for (const b of due(r)) {
        p.run.only = { ...p.run.only, [b.cell.id]: b.tests };
        writeAtomic(join(dir, 'plan.json'), JSON.stringify(p, null, 2) + '\n');
        queue.push(b.cell);
        log(`baseline ${b.cell.id} (${b.cell.title}): the ${b.tests.length} test(s) that failed in ${b.of.join(', ')} run again on it`);
      }
      save();
    };
    // Only where the cells' processes share the host's network do fixed ports queue cells.
    const shared = sharesNetwork(providerFor(p.provider));
    const claims = (cell: Cell): Claims => (shared && !blockedAhead(cell) ? hostPorts(cell.versions) : new Map());
    const holding = new Map<string, Claims>();
    const waiting = new Set<string>();
    const wakers: (() => void)[] = [];
    const lanes = Array.from({ length: Math.min(lanesN, queue.length) }, async () => {
      while (queue.length && !interrupted) {
        const i = nextCell(queue, claims, holding);
        if (i < 0) {
          const fresh = queue.filter((c) => !waiting.has(c.id)).map((c) => clash(c.id, claims(c), holding)!);
          for (const c of fresh) waiting.add(c.cell);
          for (const line of waitLines(fresh)) log(line);
          await new Promise<void>((wake) => wakers.push(wake));
          continue;
        }
        const [cell] = queue.splice(i, 1);
        holding.set(cell!.id, claims(cell!));
        try {
          await runOne(cell!);
        } finally {
          holding.delete(cell!.id);
          for (const wake of wakers.splice(0)) wake();
        }
      }
    });
    await Promise.all(lanes);
    for (const cell of queue.filter((c) => !isBaseline(c))) results.cells.push(cellResult(dir, p, cell, new Date(), true));
  } finally {
    clearInterval(progress);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Every cluster this run still owns (the pool, a cell killed mid-setup); kept ones have no owner.
    for (const name of clusterNames()) {
      const s = readState(name);
      if (s?.owner === process.pid) await providerFor(s.provider).destroy(name);
    }
    results.runs[0]!.interrupted = interrupted;
    save();
    finishAllure(dir, results);
    writeExecutor(dir, id);
    // the folder is uploaded and shared: no kubeconfig or key stays in it
    const removed = removeSecrets(dir);
    if (removed.length) log(`removed ${removed.length} credential file(s) from the run folder (kubeconfigs, keys): ${removed.slice(0, 3).join(', ')}${removed.length > 3 ? ', …' : ''}`);
  }
  const final = merged();
  // the same count as every report's (results.ts): a cell blocked ahead does not fail the run
  return { dir, results: final, exitCode: interrupted ? 130 : final.cells.some(failsRun) ? 1 : 0 };
}

/** Allure's executor info: who ran it (GitHub Actions when there), which build, where its page is. */
function writeExecutor(dir: string, id: string): void {
  const gh = process.env.GITHUB_RUN_ID ? process.env : undefined;
  const url = gh ? `${gh.GITHUB_SERVER_URL}/${gh.GITHUB_REPOSITORY}/actions/runs/${gh.GITHUB_RUN_ID}` : undefined;
  const executor = { name: gh ? 'GitHub Actions' : `codeflare-matrix on ${hostname()}`, type: gh ? 'github' : 'local', buildName: id, ...(url ? { buildUrl: url, reportUrl: url } : {}) };
  writeAtomic(join(dir, 'allure-results', 'executor.json'), JSON.stringify(executor, null, 2) + '\n');
}

/** Compiled (dist/), the cells run the compiled suites: Playwright does not transform TypeScript under node_modules. */
const playwrightConfig = compiled ? join(repoRoot, 'dist', 'playwright.config.js') : join(repoRoot, 'playwright.config.ts');

function spawnCell(dir: string, cell: Cell): ChildProcess {
  mkdirSync(cellDir(dir, cell.id), { recursive: true });
  const out = openSync(join(cellDir(dir, cell.id), 'playwright.log'), 'a', 0o600);
  try {
    const cli = join(repoRoot, 'node_modules', '@playwright', 'test', 'cli.js');
    return spawn(process.execPath, [cli, 'test', '-c', playwrightConfig, '--project', cell.id], {
      cwd: repoRoot,
      stdio: ['ignore', out, out],
      env: { ...process.env, [RUN_ENV]: dir, FORCE_COLOR: '0', PLAYWRIGHT_HTML_OUTPUT_DIR: join(cellDir(dir, cell.id), 'playwright-report') },
    });
  } finally {
    closeSync(out);
  }
}

/** A cell's result from what its setup recorded and its reporter wrote. */
export function cellResult(dir: string, p: Plan, cell: Cell, startedAt: Date, interrupted: boolean): CellResult {
  const state = readCellState(dir, cell.id);
  const testsFile = join(cellDir(dir, cell.id), 'tests.json');
  const tests = existsSync(testsFile) ? (JSON.parse(readFileSync(testsFile, 'utf8')) as CellTests) : undefined;
  const played = (state?.played ?? []).flatMap((p) => (p.provenance ? [p.provenance] : []));
  const provenance = [...(state?.installed.map((i) => i.provenance) ?? []), ...played, ...(state?.sdk ? [state.sdk.provenance] : [])];
  const suites = tests?.suites ?? [];
  const reason = state?.error ?? (!tests ? (interrupted ? 'the run was interrupted before this cell finished' : `no results from the cell's Playwright process (see ${relative(dir, join(cellDir(dir, cell.id), 'playwright.log'))})`) : undefined);
  const status = state?.error || !tests ? 'blocked' : cellStatus(suites);
  return {
    id: cell.id,
    title: cell.title,
    era: cell.era,
    provider: p.provider,
    kubernetes: cell.versions.kubernetes ?? '',
    requested: cell.versions as Record<string, string>,
    origin: cell.origin as Record<string, string>,
    ...(cell.upgradeFrom ? { upgradeFrom: cell.upgradeFrom as Record<string, string> } : {}),
    provenance,
    ...(state?.serverVersion ? { serverVersion: state.serverVersion } : {}),
    ...(suites.some((s) => s.code?.datasets?.length) ? { datasets: suites.flatMap((s) => s.code?.datasets ?? []) } : {}),
    differences: [...provenance.flatMap((x) => x.differences), ...provenance.flatMap((x) => carried(x, cell.versions)), ...(state?.sdkError ? [state.sdkError] : []), ...(cell.notes ?? [])],
    status,
    ...(reason ? { reason } : {}),
    ...(status === 'blocked' && blockedAhead(cell) ? { ahead: true } : {}),
    suites,
    phases: { ...(state?.phases ?? {}), suites: suites.reduce((n, s) => n + s.tests.reduce((m, t) => m + t.durationMs, 0), 0) },
    ...(state?.cluster ? { cluster: { name: state.cluster.name, reused: state.cluster.reused, ...(state.cluster.workers ? { workers: state.cluster.workers, why: state.cluster.workersWhy ?? [] } : {}) } } : {}),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    artifacts: relative(dir, cellDir(dir, cell.id)),
    ...(cell.baseline ? { baseline: cell.baseline } : {}),
  };
}

const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

const MARK: Record<string, string> = { passed: '✓', flaky: '✓', failed: '✘', 'not-applicable': '-', blocked: '-', interrupted: '✘' };

/** Prints each cell's tests as they finish (its reporter appends them), as Playwright's list reporter does. */
function finishedTests(dir: string, log: (l: string) => void): (cell: string) => void {
  const read = new Map<string, number>();
  return (cell) => {
    const file = join(cellDir(dir, cell), FINISHED);
    if (!existsSync(file)) return;
    const text = readFileSync(file, 'utf8');
    const end = text.lastIndexOf('\n') + 1; // whole lines only
    for (const line of text.slice(read.get(cell) ?? 0, end).split('\n').filter(Boolean)) {
      const t = JSON.parse(line) as FinishedTest;
      const how = t.status === 'flaky' ? ` (passed on retry ${t.retry})` : t.status === 'failed' && t.retry ? ` (retry ${t.retry})` : t.status === 'not-applicable' ? ' (not applicable)' : t.status === 'blocked' ? ' (blocked)' : '';
      log(`  ${MARK[t.status] ?? '?'} ${cell} › ${t.suite} › ${t.title} (${(t.durationMs / 1000).toFixed(1)}s)${how}`);
    }
    read.set(cell, end);
  };
}

/** How long each cell took in earlier runs beside this one (the newest results of each), for estimates. */
function earlierDurations(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const parent = dirname(dir);
  let runs: string[] = [];
  try {
    runs = readdirSync(parent).filter((r) => join(parent, r) !== dir && existsSync(join(parent, r, 'results.json')));
  } catch {
    return out;
  }
  const newest = runs.map((r) => ({ r, t: statSync(join(parent, r, 'results.json')).mtimeMs })).sort((a, b) => a.t - b.t).slice(-50);
  for (const { r } of newest) {
    try {
      const res = JSON.parse(readFileSync(join(parent, r, 'results.json'), 'utf8')) as Results;
      for (const c of res.cells) if (c.startedAt && c.finishedAt && !c.ahead) out.set(c.id, Date.parse(c.finishedAt) - Date.parse(c.startedAt));
    } catch {
      // a results file that does not parse says nothing about durations
    }
  }
  return out;
}

/** "~4m10s left": what the queued and running cells took in earlier runs (unknown ones as the median of the known), over the lanes. */
function left(p: Plan, running: Map<string, { startedAt: Date }>, queue: Cell[], earlier: Map<string, number>): string {
  const known = [...earlier.values()].sort((a, b) => a - b);
  if (!known.length) return '';
  const guess = (id: string) => earlier.get(id) ?? known[Math.floor(known.length / 2)]!;
  const ms = queue.reduce((a, c) => a + guess(c.id), 0) + [...running].reduce((a, [id, r]) => a + Math.max(0, guess(id) - (Date.now() - r.startedAt.getTime())), 0);
  return ` · ~${clock(ms / Math.max(1, Math.min(p.run.parallelism ?? 1, queue.length + running.size)))} left (from earlier runs)`;
}

/** One line per change of any running cell's step (and one every 30 s), so CI logs show progress too. */
function progressLine(dir: string, p: Plan, results: Results, running: Map<string, { startedAt: Date }>, queue: Cell[], started: Date, earlier: Map<string, number>, log: (l: string) => void): () => void {
  const shown = { line: '', at: 0 };
  return () => {
    const line = [...running.keys()].map((id) => `${id}: ${readStep(dir, id) ?? 'starting'}`).join(' | ');
    if (line === shown.line && Date.now() - shown.at < 30_000) return;
    Object.assign(shown, { line, at: Date.now() });
    log(`[${clock(Date.now() - started.getTime())}] ${results.cells.length}/${p.cells.length} cells done${left(p, running, queue, earlier)} · ${line || 'finishing'}`);
  };
}
