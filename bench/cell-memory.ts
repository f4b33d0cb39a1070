// The memory and CPU a cell uses: samples every cell running on this machine (any run, any home)
// and prints each one's peak resident memory, summed over its process tree: the cell's Playwright
// process and its descendants (workers, kubectl, the SDK's Python), and every process that carries
// the marker of the cell's cluster (etcd, apiserver, controllers, played pods, the pod player); and
// the cores a cell keeps busy on average. Only reads /proc. Its figures are what `run` divides free
// memory and the cores by for its default -j (harness/run/parallelism.ts, cell-memory.json).
//   node --import tsx bench/cell-memory.ts [--seconds 600] [--every 2]     (Ctrl-C prints the figures so far)
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

type Proc = { pid: number; ppid: number; rssKiB: number; args: string[]; owner?: string };

function procs(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      let owner: string | undefined;
      try {
        owner = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').find((e) => e.startsWith('CODEFLARE_MATRIX_OWNER='))?.slice(23);
      } catch {
        /* gone, or not ours to read */
      }
      out.push({ pid: Number(name), ppid, rssKiB: rss, args, ...(owner ? { owner } : {}) });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** cell id → RSS (KiB) now: its Playwright tree plus its cluster's marked processes. */
export function sample(): Map<string, number> {
  const all = procs();
  const children = new Map<number, Proc[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const cells = new Map<string, number>();
  for (const p of all) {
    const at = p.args.indexOf('--project');
    if (at < 0 || !p.args.some((a) => a.endsWith('cli.js')) || !p.args.includes('-c')) continue;
    const id = p.args[at + 1]!;
    if (['unit', 'kind'].includes(id)) continue; // a test run, not a cell
    const seen = new Set<number>();
    const walk = (x: Proc) => {
      if (seen.has(x.pid)) return;
      seen.add(x.pid);
      for (const c of children.get(x.pid) ?? []) walk(c);
    };
    walk(p);
    // the cluster a cell makes is named cm-<last 8 of its id>-<time> (harness/run/cell.ts)
    const cluster = new RegExp(`/clusters/cm-${id.slice(-8).replace(/[^a-z0-9-]/g, '')}-[a-z0-9]+(/|$)`);
    for (const x of all) if (x.owner && cluster.test(x.owner)) seen.add(x.pid);
    cells.set(id, all.filter((x) => seen.has(x.pid)).reduce((n, x) => n + x.rssKiB, 0));
  }
  return cells;
}

/** The machine's CPU time so far, in clock ticks: busy (everything but idle and iowait) and total. */
function cpuTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

export type Sampled = { cells: Map<string, number>; machineMiB: number; cpu?: { machineCores: number; cellCores: number; ticks: number } };

/**
 * Samples every `everyMs` until `stop()`; then each cell's peak (KiB), the machine's peak in use
 * (MiB: MemTotal - MemAvailable), and the CPU: the machine's busy cores on average, and a cell's
 * (the machine's busy cores over the cells running, averaged over the samples where some ran: the
 * engine's share and what cells share, such as Docker, included).
 */
export function sampler(everyMs = 3000): { stop: () => Sampled } {
  const peak = new Map<string, number>();
  const cores = availableParallelism();
  let machine = 0;
  let last = cpuTicks();
  const busy: number[] = [];
  const perCell: number[] = [];
  const tick = () => {
    const now = sample();
    for (const [id, kib] of now) peak.set(id, Math.max(peak.get(id) ?? 0, kib));
    const info = readFileSync('/proc/meminfo', 'utf8');
    const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    machine = Math.max(machine, (kib('MemTotal') - kib('MemAvailable')) / 1024);
    const t = cpuTicks();
    if (t.total > last.total) {
      const c = ((t.busy - last.busy) / (t.total - last.total)) * cores;
      busy.push(c);
      if (now.size) perCell.push(c / now.size);
    }
    last = t;
  };
  const timer = setInterval(tick, everyMs);
  tick();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    stop: () => {
      clearInterval(timer);
      const round = (x: number) => Math.round(x * 100) / 100;
      return { cells: peak, machineMiB: Math.round(machine), ...(perCell.length ? { cpu: { machineCores: round(mean(busy)), cellCores: round(mean(perCell)), ticks: perCell.length } } : {}) };
    },
  };
}

/** Resolves after `seconds`, or at Ctrl-C (SIGINT, SIGTERM): a sampler's figures so far either way. */
export function untilStopped(seconds: number): Promise<void> {
  return new Promise<void>((r) => {
    setTimeout(r, seconds * 1000).unref();
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => r());
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '600' }, every: { type: 'string', default: '2' } } });
  const s = sampler(Number(values.every) * 1000);
  await untilStopped(Number(values.seconds));
  const { cells: peak, machineMiB, cpu } = s.stop();
  const mib = (k: number) => Math.round(k / 1024);
  console.log('cell\tpeak RSS (MiB, its process tree and its cluster)');
  for (const [id, kib] of [...peak].sort((a, b) => b[1] - a[1])) console.log(`${id}\t${mib(kib)}`);
  const all = [...peak.values()].sort((a, b) => a - b);
  if (all.length) console.log(`cells sampled: ${all.length}; median peak ${mib(all[Math.floor(all.length / 2)]!)} MiB; largest ${mib(all.at(-1)!)} MiB; machine's peak in use ${machineMiB} MiB`);
  else console.log('no cell ran while sampling');
  if (cpu) console.log(`CPU: the machine ${cpu.machineCores} of ${availableParallelism()} core(s) busy on average; a cell ${cpu.cellCores} core(s) on average (busy cores over the cells running, ${cpu.ticks} samples)`);
}
