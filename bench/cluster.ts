// Benchmark: local `cluster up` to ready and `cluster down`, side by side in one run with the anchor
// `kwokctl --runtime binary` on the same binaries (and `kind create cluster` where kind and Docker
// are there); RSS of one idle cluster; how many idle clusters fit on this machine.
// Run: node --import tsx bench/cluster.ts [--runs 5] [--kubernetes v1.31.14]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { run, versionOf } from '../lib/exec.js';
import { processesUnder } from '../harness/processes.js';
import { LocalProvider } from '../harness/providers/local/provider.js';
import { clusterDir } from '../harness/providers/state.js';
import { defaultVersions, testKubernetes, toolchainEntry } from '../harness/toolchain/index.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, kubernetes: { type: 'string' }, fit: { type: 'string', default: '4' } } });
const runs = Number(values.runs);
const k8s = values.kubernetes ?? testKubernetes('>=1.29.0');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number) => (ms / 1000).toFixed(2);
const time = async (f: () => Promise<unknown>) => {
  const t = Date.now();
  await f();
  return Date.now() - t;
};

function rssMiB(pids: number[]): number {
  let kb = 0;
  for (const p of pids) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return kb / 1024;
}

async function local(): Promise<{ up: number[]; down: number[]; rss: number }> {
  const p = new LocalProvider();
  const up: number[] = [];
  const down: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const name = `bench-${process.pid}-${i}`;
    up.push(await time(() => p.create({ name, kubernetes: k8s })));
    if (i === 0) {
      await new Promise((r) => setTimeout(r, 10_000)); // settle: idle, not starting
      rss = rssMiB(processesUnder(clusterDir(name)).map((x) => x.pid));
    }
    down.push(await time(() => p.destroy(name)));
  }
  return { up, down, rss };
}

/** The anchor: kwokctl's binary runtime with the very same binaries, bound to 127.0.0.1, two nodes. */
async function kwokctl(): Promise<{ up: number[]; down: number[]; rss: number } | string> {
  const kube = toolchainEntry('kubernetes', k8s);
  const pinned = defaultVersions();
  const kwok = toolchainEntry('kwok', pinned.kwok);
  const etcd = toolchainEntry('etcd', pinned.etcd);
  const work = mkdtempSync(join(tmpdir(), 'cfm-kwokctl-'));
  const config = join(work, 'kwokctl.yaml');
  writeFileSync(config, 'apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokctlConfiguration\noptions:\n  bindAddress: 127.0.0.1\n');
  const env = {
    KWOK_WORKDIR: work,
    KWOK_RUNTIME: 'binary',
    KWOK_KUBE_VERSION: k8s,
    KWOK_KUBE_APISERVER_BINARY: kube.bin['kube-apiserver']!,
    KWOK_KUBE_CONTROLLER_MANAGER_BINARY: kube.bin['kube-controller-manager']!,
    KWOK_KUBE_SCHEDULER_BINARY: kube.bin['kube-scheduler']!,
    KWOK_KUBECTL_BINARY: kube.bin.kubectl!,
    KWOK_ETCD_BINARY: etcd.bin.etcd!,
    KWOK_CONTROLLER_BINARY: kwok.bin.kwok!,
  };
  const ctl = (...args: string[]) => run(kwok.bin.kwokctl!, ['--config', config, ...args], { env, timeout: 180_000 });
  const up: number[] = [];
  const down: number[] = [];
  let rss = 0;
  try {
    for (let i = 0; i < runs; i++) {
      const name = `bench-${i}`;
      let failure = '';
      up.push(await time(async () => {
        const c = await ctl('create', 'cluster', '--name', name, '--wait', '2m');
        if (!c.ok) return void (failure = c.all.split('\n').slice(-5).join(' | '));
        const s = await ctl('--name', name, 'scale', 'node', '--replicas', '2');
        if (!s.ok) return void (failure = s.all.split('\n').slice(-5).join(' | '));
        const w = await ctl('--name', name, 'kubectl', 'wait', '--for=condition=Ready', 'node', '--all', '--timeout=60s');
        if (!w.ok) failure = w.all.split('\n').slice(-3).join(' | ');
      }));
      if (failure) return `kwokctl failed: ${failure}`;
      if (i === 0) {
        await new Promise((r) => setTimeout(r, 10_000));
        const pids = (await run('pgrep', ['-f', join(work, 'clusters', name)])).stdout.split('\n').filter(Boolean).map(Number);
        rss = rssMiB(pids);
      }
      down.push(await time(() => ctl('delete', 'cluster', '--name', name)));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { up, down, rss };
}

async function kind(): Promise<string> {
  const v = await versionOf('kind', ['version']);
  const docker = (await run('docker', ['info', '--format', '{{.ServerVersion}}']).catch(() => ({ ok: false }))).ok;
  if (!v || !docker) return 'kind: not measured (kind or a running Docker engine is missing; the kind provider is issue 7)';
  const t = await time(() => run('kind', ['create', 'cluster', '--name', 'cfm-bench', '--wait', '3m']));
  const d = await time(() => run('kind', ['delete', 'cluster', '--name', 'cfm-bench']));
  return `kind create cluster: ${secs(t)} s, delete: ${secs(d)} s (one run)`;
}

/** Starts idle clusters side by side and reads their RSS; the machine's fit follows from memory. */
async function fit(n: number): Promise<string> {
  const p = new LocalProvider();
  const names = Array.from({ length: n }, (_, i) => `fit-${process.pid}-${i}`);
  try {
    for (const name of names) await p.create({ name, kubernetes: k8s });
    await new Promise((r) => setTimeout(r, 10_000));
    const each = names.map((name) => rssMiB(processesUnder(clusterDir(name)).map((x) => x.pid)));
    const avg = each.reduce((a, b) => a + b, 0) / n;
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    const cpu = Number(load) / n; // load an idle cluster adds (its controllers poll and renew leases)
    return `${n} idle clusters at once: RSS ${each.map((x) => x.toFixed(0)).join(', ')} MiB (avg ${avg.toFixed(0)}); load ${load}; free ${(freemem() / 2 ** 30).toFixed(1)} of ${(totalmem() / 2 ** 30).toFixed(1)} GiB → about ${Math.floor(totalmem() / 2 ** 20 / avg)} idle clusters fit in memory, about ${Math.floor(cpus().length / cpu)} on ${cpus().length} cores (load ${cpu.toFixed(2)} each)`;
  } finally {
    for (const name of names) await p.destroy(name);
  }
}

console.log(`Kubernetes ${k8s}, ${runs} runs each, warm toolchain; median (min–max)\n`);
const l = await local();
const k = await kwokctl();
const row = (what: string, up: number[], down: number[], rss: number) =>
  `${what.padEnd(26)} up ${secs(median(up))} s (${secs(Math.min(...up))}–${secs(Math.max(...up))})   down ${secs(median(down))} s   idle RSS ${rss.toFixed(0)} MiB`;
console.log(row('local (codeflare-matrix)', l.up, l.down, l.rss));
if (typeof k === 'string') console.log(`kwokctl --runtime binary   ${k}`);
else {
  console.log(row('kwokctl --runtime binary', k.up, k.down, k.rss));
  console.log(`\nratio local/kwokctl: up ${(median(l.up) / median(k.up)).toFixed(2)}, down ${(median(l.down) / median(k.down)).toFixed(2)}, RSS ${(l.rss / k.rss).toFixed(2)}`);
}
console.log(await kind());
console.log(await fit(Number(values.fit)));
