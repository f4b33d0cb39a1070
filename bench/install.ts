// Benchmark: install and uninstall time (process mode, local provider) of each component that can
// be built here, and of the era stacks that can (E, and E with AppWrapper standalone: era D's stack
// without its operator, which the Go module proxy here does not serve); builds warm (cached), median of several runs.
// Cold = the recorded build time of the component (bench/components.ts) plus the warm install.
// Run: node --import tsx bench/install.ts [--runs 3]
import { parseArgs } from 'node:util';
import type { ComponentId } from '../matrix/catalog/index.js';
import { buildComponent } from '../harness/components/build.js';
import { resolveSource } from '../harness/components/source.js';
import { installStack, uninstallStack } from '../harness/components/install/index.js';
import type { Built } from '../harness/components/types.js';
import { LocalProvider } from '../harness/providers/local/provider.js';
import { table } from '../harness/table.js';
import { testKubernetes, toolchainEntry } from '../harness/toolchain/index.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const k8s = testKubernetes('>=1.29.0');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const stacks: [string, Partial<Record<ComponentId, string>>][] = [
  ['KubeRay v0.5.0', { kuberay: 'v0.5.0' }],
  ['KubeRay v1.3.2', { kuberay: 'v1.3.2' }],
  ['MCAD v1.34.1 (Helm chart)', { mcad: 'v1.34.1' }],
  ['Kueue v0.11.6 (webhooks)', { kueue: 'v0.11.6' }],
  ['AppWrapper v1.1.2 (webhooks)', { appwrapper: 'v1.1.2' }],
  ['era E: KubeRay v1.3.2 + Kueue v0.11.6', { kuberay: 'v1.3.2', kueue: 'v0.11.6' }],
  ['era E + AppWrapper v1.1.2 (era D without its operator)', { kuberay: 'v1.3.2', appwrapper: 'v1.1.2', kueue: 'v0.11.6' }],
];
const provider = new LocalProvider();
const rows: string[][] = [];
for (const [title, versions] of stacks) {
  const builds: Partial<Record<ComponentId, Built>> = {};
  for (const [id, v] of Object.entries(versions) as [ComponentId, string][]) builds[id] = await buildComponent(await resolveSource(id, v));
  const install: number[] = [];
  const remove: number[] = [];
  for (let i = 0; i < runs; i++) {
    const name = `bench-install-${process.pid}`;
    const cluster = await provider.create({ name, kubernetes: k8s });
    try {
      const ctx = { cluster, kubectl: toolchainEntry('kubernetes', k8s).bin.kubectl! };
      let t = Date.now();
      const stack = await installStack(ctx, builds);
      install.push(Date.now() - t);
      t = Date.now();
      await uninstallStack(ctx, stack);
      remove.push(Date.now() - t);
    } finally {
      await provider.destroy(name);
    }
  }
  rows.push([title, s(median(install)), `${s(Math.min(...install))}–${s(Math.max(...install))}`, s(median(remove))]);
}
console.log(`Kubernetes ${k8s}, local provider, builds cached, median of ${runs} (each run on a new cluster)\n`);
console.log(table(['stack', 'install', 'range', 'uninstall'], rows));
console.log('\ncold install = the components\' cold build times (node --import tsx bench/components.ts) + the install above');
