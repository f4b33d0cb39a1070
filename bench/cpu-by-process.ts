// Where a machine's CPU goes while runs run: samples /proc every few seconds and prints the CPU time
// each kind of process used (by its command's name), its own and what its finished children used
// (a child that ends between samples, such as kubectl or a short Python, is counted in its parent's
// "children" column). Only reads /proc; run it beside a run or a benchmark.
//   node --import tsx bench/cpu-by-process.ts [--seconds 600] [--every 3]     (Ctrl-C prints the figures so far)
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { untilStopped } from './cell-memory.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '600' }, every: { type: 'string', default: '3' } } });
const HZ = 100; // USER_HZ: the unit of /proc/<pid>/stat's times on Linux

type Seen = { name: string; self: number; children: number };
const seen = new Map<string, Seen>(); // pid+start time → its latest times (ticks)
const start = new Map<string, Seen>(); // the same at the first sample it was seen in

/** A process's name for the table: the base name of its program (node, kube-apiserver, python3.11 …). */
function nameOf(pid: string, comm: string): string {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    const base = argv0.split('/').pop() ?? '';
    return base && !base.includes(' ') ? base : comm;
  } catch {
    return comm;
  }
}

function tick(first: boolean): void {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' '); // f[0] is field 3 (state)
      const key = `${pid}:${f[19]}`; // field 22: start time, so a reused pid is another process
      const now = { name: seen.get(key)?.name ?? nameOf(pid, comm), self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
      if (!seen.has(key)) start.set(key, first ? now : { ...now, self: 0, children: 0 });
      seen.set(key, now);
    } catch {
      // gone meanwhile
    }
  }
}

const t0 = Date.now();
tick(true);
const timer = setInterval(() => tick(false), Number(values.every) * 1000);
await untilStopped(Number(values.seconds));
clearInterval(timer);
tick(false);

const by = new Map<string, { self: number; children: number; n: number }>();
for (const [key, now] of seen) {
  const was = start.get(key)!;
  const row = by.get(now.name) ?? { self: 0, children: 0, n: 0 };
  row.self += now.self - was.self;
  row.children += now.children - was.children;
  row.n += 1;
  by.set(now.name, row);
}
const wall = (Date.now() - t0) / 1000;
const rows = [...by].filter(([, r]) => r.self + r.children > 0).sort((a, b) => b[1].self + b[1].children - (a[1].self + a[1].children));
const total = rows.reduce((n, [, r]) => n + r.self, 0) / HZ;
console.log(`${wall.toFixed(0)} s sampled on ${availableParallelism()} core(s); CPU seen in processes alive at a sample: ${total.toFixed(0)} s (${(total / wall).toFixed(2)} cores on average)`);
console.log(['process', 'processes', 'own CPU s', 'share', 'its finished children CPU s'].join('\t'));
for (const [name, r] of rows.slice(0, 25)) console.log([name, r.n, (r.self / HZ).toFixed(1), `${((r.self / HZ / total) * 100).toFixed(1)}%`, (r.children / HZ).toFixed(1)].join('\t'));
