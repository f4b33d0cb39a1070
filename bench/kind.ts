// Benchmark: a kind cluster from the node image built here against the local provider's cluster,
// in one run, same Kubernetes version (create to ready, delete, memory of one idle cluster); and the
// node image build, cold (its images removed; toolchain entries kept, their own build times listed)
// and warm (everything cached).
// Run: node --import tsx bench/kind.ts [--runs 3] [--kubernetes v1.27.16] [--cold]
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { docker, requireEngine } from '../harness/docker.js';
import { processesUnder } from '../harness/processes.js';
import { LocalProvider } from '../harness/providers/local/provider.js';
import { KindProvider } from '../harness/providers/kind/provider.js';
import { buildNodeImage } from '../harness/providers/kind/nodeimage.js';
import { clusterDir } from '../harness/providers/state.js';
import { kindName } from '../harness/providers/kind/provision.js';
import { defaultVersions, listToolchain } from '../harness/toolchain/index.js';
import { table } from '../harness/table.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, kubernetes: { type: 'string', default: 'v1.27.16' }, cold: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const k8s = values.kubernetes!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const time = async (f: () => Promise<unknown>) => {
  const t = Date.now();
  await f();
  return Date.now() - t;
};

await requireEngine('bench/kind.ts');

// Node image: cold = the images it is made of removed (base, kube-proxy base, control-plane images,
// the node image itself), then built again; warm = built when everything is there.
const rows: string[][] = [];
if (values.cold) {
  const ours = (await docker(['image', 'ls', '--filter', 'label=codeflare-matrix.io/inputs', '--format', '{{.Repository}}:{{.Tag}}'])).stdout
    .split('\n')
    .filter((t) => t && !/rayproject|busybox|debian-python|kuberay|kueue/.test(t));
  await docker(['rmi', '-f', ...ours]);
  const cold = await buildNodeImage(k8s, (l) => console.log(`  ${l}`));
  rows.push(['node image, cold (debootstrap ×2, images, assemble)', s(cold.seconds * 1000), '1 run']);
}
const warm: number[] = [];
for (let i = 0; i < 5; i++) warm.push((await buildNodeImage(k8s)).seconds * 1000);
rows.push(['node image, warm (all cached)', s(median(warm)), 'median of 5']);
const pinned = defaultVersions();
for (const l of listToolchain()) {
  const m = l.entry?.manifest;
  if (!m) continue;
  const tool = ['kind', 'crictl', 'coredns'].includes(l.component) && l.version === pinned[l.component as 'kind' | 'crictl' | 'coredns'];
  if ((l.component === 'kubernetes-node' && l.version === k8s) || tool) rows.push([`toolchain ${l.component} ${l.version} (Go build, once per machine)`, s(m.buildSeconds * 1000), 'recorded at build']);
}
console.log(table(['node image', 'time', 'runs'], rows));

// Clusters: the same version on both providers, one at a time.
const kind = new KindProvider();
const local = new LocalProvider();
const result: [string, { up: number[]; down: number[]; mib: number }][] = [];
for (const [label, p] of [['local (processes + kwok)', local], ['kind (node image built here)', kind]] as const) {
  const r = { up: [] as number[], down: [] as number[], mib: 0 };
  for (let i = 0; i < runs; i++) {
    const name = `bk-${process.pid}-${i}`;
    r.up.push(await time(() => p.create({ name, kubernetes: k8s })));
    if (i === 0) {
      await new Promise((res) => setTimeout(res, 15_000)); // idle, not starting
      if (p === kind) {
        const st = (await docker(['stats', '--no-stream', '--format', '{{.MemUsage}}', `${kindName(name)}-control-plane`])).stdout.trim();
        const m = /^([\d.]+)(MiB|GiB)/.exec(st);
        r.mib = m ? Number(m[1]) * (m[2] === 'GiB' ? 1024 : 1) : 0;
      } else {
        r.mib = processesUnder(clusterDir(name)).reduce((a, x) => a + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${x.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024, 0);
      }
    }
    r.down.push(await time(() => p.destroy(name)));
  }
  result.push([label, r]);
}
const base = result[0]![1];
console.log(
  table(
    ['provider', `create to ready (median of ${runs})`, 'ratio', 'delete', 'idle memory'],
    result.map(([label, r]) => [label, s(median(r.up)), (median(r.up) / median(base.up)).toFixed(2), s(median(r.down)), `${r.mib.toFixed(0)} MiB`]),
  ),
);
console.log(`Kubernetes ${k8s}; kind waits for the control plane Ready (--wait); local for nodes Ready and the default ServiceAccount.`);
