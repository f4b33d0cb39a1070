// `codeflare-matrix cluster up|list|down|logs`: clusters by hand, to point kubectl at.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { providerNames } from '../../matrix/ids.js';
import { Command, Option } from 'commander';
import { UserError } from '../../lib/errors.js';
import { table } from '../table.js';
import type { NodeSpec } from '../providers/provider.js';

// The providers load the Kubernetes client and the PKI library: only when a command needs them,
// so `--help` and bad arguments answer at once.
const providerFor = async (name: string) => (await import('../providers/index.js')).providerFor(name);

const stamp = () => new Date().toISOString().slice(11, 19);

/** "--gpu-nodes 2" etc. become fake nodes; none given: the default pair (one plain, one with 4 GPUs). */
async function nodes(o: { nodes?: string; gpuNodes?: string; gpus: string }): Promise<NodeSpec[]> {
  if (o.nodes === undefined && o.gpuNodes === undefined) return (await import('../providers/provider.js')).defaultNodes;
  const count = (v: string | undefined, flag: string) => {
    const n = Number(v ?? 0);
    if (!Number.isInteger(n) || n < 0 || n > 100) throw new UserError(`${flag} ${v} is not a whole number from 0 to 100`, flag, `e.g. ${flag} 2`);
    return n;
  };
  const plain = count(o.nodes, '--nodes');
  const gpu = count(o.gpuNodes, '--gpu-nodes');
  const per = count(o.gpus, '--gpus');
  if (plain + gpu === 0) throw new UserError('a cluster needs at least one node', '--nodes', 'pass --nodes 1');
  return [
    ...Array.from({ length: plain }, (_, i) => ({ name: `node-${i + 1}`, cpu: '16', memory: '64Gi', gpu: 0, labels: {} })),
    ...Array.from({ length: gpu }, (_, i) => ({ name: `gpu-${i + 1}`, cpu: '16', memory: '64Gi', gpu: per, labels: { 'nvidia.com/gpu.present': 'true' } })),
  ];
}

function up(): Command {
  return new Command('up')
    .description('start a cluster and print its kubeconfig (kept until `cluster down`)')
    .argument('[name]', 'cluster name', 'dev')
    .addOption(new Option('-p, --provider <name>', 'provider').choices(providerNames).default('local'))
    .option('-k, --kubernetes <version>', 'Kubernetes version (local): v1.31.14 or a minor like 1.31')
    .option('--nodes <n>', 'fake nodes without GPUs (local)')
    .option('--gpu-nodes <n>', 'fake nodes with nvidia.com/gpu (local)')
    .option('--gpus <n>', 'GPUs per GPU node (local)', '4')
    .option('--port <port>', 'apiserver port (local: on the cluster\'s own address, or 127.0.0.1; default: a free one)')
    .option('--kubeconfig <path>', 'kubeconfig of the cluster (existing)')
    .option('--context <name>', 'kubeconfig context (existing)')
    .action(async (name: string, o: { provider: string; kubernetes?: string; nodes?: string; gpuNodes?: string; gpus: string; port?: string; kubeconfig?: string; context?: string }) => {
      const fake = await nodes(o);
      const provider = await providerFor(o.provider);
      const port = o.port === undefined ? undefined : Number(o.port);
      if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new UserError(`--port ${o.port} is not a port number`, '--port', 'pass e.g. --port 6443');
      const { resolveKubernetesVersion, testKubernetes } = await import('../toolchain/versions.js');
      const kubernetes = o.provider !== 'existing' ? resolveKubernetesVersion(o.kubernetes ?? testKubernetes()) : '';
      // Ctrl-C while starting: remove the half-built cluster, then stop.
      const abort = (signal: NodeJS.Signals) => {
        void provider.destroy(name).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
      };
      process.once('SIGINT', abort).once('SIGTERM', abort);
      const t0 = Date.now();
      const cluster = await provider.create(
        { name, kubernetes, nodes: fake, port, kubeconfig: o.kubeconfig, context: o.context, keep: true },
        (line) => console.error(`${stamp()} ${line}`),
      );
      process.off('SIGINT', abort).off('SIGTERM', abort);
      console.error(`${stamp()} cluster ${name} ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (${o.provider}, Kubernetes ${cluster.kubernetes})`);
      console.log(`kubeconfig: ${cluster.kubeconfig}`);
      console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
    });
}

function list(): Command {
  return new Command('list')
    .description('list the clusters of this machine (every provider)')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const all = [...(await (await providerFor('local')).list()), ...(await (await providerFor('kind')).list()), ...(await (await providerFor('existing')).list())];
      if (o.json) return console.log(JSON.stringify(all, null, 2));
      if (all.length === 0) return console.log('no clusters (start one: npx codeflare-matrix cluster up)');
      console.log(table(['name', 'provider', 'kubernetes', 'status', 'owner', 'created', 'kubeconfig'], all.map((c) => [
        c.name, c.provider, c.kubernetes, c.healthy ? `ready (${c.detail})` : `unhealthy (${c.detail})`, c.owner ? `pid ${c.owner}` : 'kept', c.createdAt.slice(0, 19), c.kubeconfig,
      ])));
    });
}

function down(): Command {
  return new Command('down')
    .description('stop and remove clusters (for existing: only what the harness created there)')
    .argument('[names...]', 'cluster names')
    .option('--all', 'every cluster of this machine, and any orphaned process of ours')
    .option('--orphans', 'only clusters whose owning run is gone (what every run does first)')
    .action(async (names: string[], o: { all?: boolean; orphans?: boolean }) => {
      if (o.all || o.orphans) {
        const { janitor } = await import('../providers/janitor.js');
        const removed = await janitor({ all: o.all, log: (l) => console.error(l) });
        return console.log(removed.length ? `removed: ${removed.join(', ')}` : 'nothing to remove');
      }
      if (names.length === 0) throw new UserError('name the clusters to remove', 'cluster down', 'npx codeflare-matrix cluster down NAME, or --all');
      const { readState, clusterDir } = await import('../providers/state.js');
      for (const name of names) {
        const s = readState(name);
        if (!s && !existsSync(clusterDir(name))) throw new UserError(`no cluster ${name}`, 'cluster down', 'npx codeflare-matrix cluster list shows the clusters');
        await (await providerFor(s?.provider ?? 'local')).destroy(name);
        console.log(`removed ${name}`);
      }
    });
}

function logs(): Command {
  return new Command('logs')
    .description('show the last lines of a cluster component log, or export every log')
    .argument('<name>', 'cluster name')
    .argument('[component]', 'etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok')
    .option('-n, --lines <n>', 'lines to show', '50')
    .option('--export <dir>', 'copy every log of the cluster into DIR')
    .action(async (name: string, component: string | undefined, o: { lines: string; export?: string }) => {
      const s = (await import('../providers/state.js')).readState(name);
      if (!s) throw new UserError(`no cluster ${name}`, 'cluster logs', 'npx codeflare-matrix cluster list shows the clusters');
      if (o.export) {
        const files = await (await providerFor(s.provider)).exportLogs(name, o.export);
        return console.log(files.join('\n'));
      }
      const known = s.processes.map((p) => p.component);
      const pick = component ? s.processes.find((p) => p.component === component) : undefined;
      if (component && !pick) throw new UserError(`cluster ${name} has no component "${component}"`, 'cluster logs', `one of: ${known.join(', ')}`);
      for (const p of pick ? [pick] : s.processes) {
        const text = existsSync(p.log) ? readFileSync(p.log, 'utf8').trimEnd().split('\n').slice(-Number(o.lines)).join('\n') : '(no log)';
        console.log(`==> ${p.component} (${join(s.dir, 'logs')}) <==\n${text}\n`);
      }
    });
}

export function clusterCommand(): Command {
  return new Command('cluster').description('start, list, stop clusters and read their logs').addCommand(up()).addCommand(list()).addCommand(down()).addCommand(logs());
}
