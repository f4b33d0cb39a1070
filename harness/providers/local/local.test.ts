// The local provider with real processes: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok, built from Go modules (the toolchain must be built: npm test does it).
import { test, expect } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../lib/exec.js';
import { repoRoot } from '../../../lib/paths.js';
import { processesUnder, startProcess } from '../../processes.js';
import { get } from '../../net/http.js';
import { cellNetworksUnder, makeCellNetwork, netnsSupport, removeCellNetwork, removeNetns, vethlessNetworks } from '../../net/netns.js';
import { clients, scratchDir, until } from '../../testing.js';
import { testKubernetesVersions, toolchainEntry } from '../../toolchain/index.js';
import { clusterDir, clustersDir, readState } from '../state.js';
import { janitor } from '../janitor.js';
import { LocalProvider } from './provider.js';

test.describe.configure({ mode: 'serial', timeout: 180_000 });

const [k1, k2] = testKubernetesVersions();
const provider = new LocalProvider();
const name = (s: string) => `t-${s}-${process.pid}`;

test.afterAll(async () => {
  for (const n of ['a', 'b', 'v2', 'gc']) await provider.destroy(name(n));
});

test('a cluster reports its Kubernetes version, listens only on its own address, and writes a 0600 kubeconfig', async () => {
  const c = await provider.create({ name: name('a'), kubernetes: k1! });
  const { version, core } = clients(c.kubeconfig);
  expect((await version.getCode()).gitVersion).toBe(k1);
  expect(statSync(c.kubeconfig).mode & 0o777).toBe(0o600);
  expect(statSync(join(c.dir, 'pki', 'admin.key')).mode & 0o777).toBe(0o600);
  const server = readFileSync(c.kubeconfig, 'utf8').match(/server: (\S+)/)![1]!;
  // as root its own network namespace (10.233.0.0/16), else the host's loopback
  const host = provider.ownNetwork ? c.network!.address : '127.0.0.1';
  expect(host).toMatch(provider.ownNetwork ? /^10\.233\.\d+\.\d+$/ : /^127\.0\.0\.1$/);
  expect(server).toBe(`https://${host}:${server.split(':').pop()}`);
  // every listening socket of the cluster's processes is on that address or loopback
  const pids = processesUnder(c.dir).map((p) => p.pid);
  const ss = c.network ? await run('nsenter', [`--net=/run/netns/${c.network.netns}`, 'ss', '-ltnpH']) : await run('ss', ['-ltnpH']);
  const ours = ss.stdout.split('\n').filter((l) => pids.some((p) => l.includes(`pid=${p},`)));
  expect(ours.length).toBeGreaterThanOrEqual(5);
  for (const l of ours) expect(l.split(/\s+/)[3], l).toMatch(new RegExp(`^(${host.replaceAll('.', '\\.')}|127\\.0\\.0\\.1):\\d+$`));
  if (c.network) {
    // and none of them on the host's own network
    const onHost = (await run('ss', ['-ltnpH'])).stdout.split('\n').filter((l) => pids.some((p) => l.includes(`pid=${p},`)));
    expect(onHost).toEqual([]);
  }
  const nodes = await core.listNode();
  expect(nodes.items.map((n) => n.metadata!.name).sort()).toEqual(['gpu-1', 'node-1']);
});

test('a second Kubernetes version reports its own version', async () => {
  test.skip(!k2, 'only one Kubernetes version pinned');
  const c = await provider.create({ name: name('v2'), kubernetes: k2! });
  expect((await clients(c.kubeconfig).version.getCode()).gitVersion).toBe(k2);
  await provider.destroy(name('v2'));
});

test('a CRD is applied server-side and becomes Established', async () => {
  const kc = provider.kubeconfig(name('a'));
  const kubectl = toolchainEntry('kubernetes', k1!).bin.kubectl!;
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.codeflare.dev' },
    spec: {
      group: 'example.codeflare.dev',
      names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
  const file = join(scratchDir('cfm-crd'), 'crd.json');
  writeFileSync(file, JSON.stringify(crd));
  const r = await run(kubectl, ['--kubeconfig', kc, 'apply', '--server-side', '--field-manager=codeflare-matrix', '-f', file]);
  expect(r.ok, r.all).toBe(true);
  const { ext } = clients(kc);
  await until('Established', async () => (await ext.readCustomResourceDefinition({ name: crd.metadata.name })).status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
});

test('a Deployment gets Ready pods on fake nodes; a GPU pod lands only on a GPU node', async () => {
  const { apps, core } = clients(provider.kubeconfig(name('a')));
  const namespace = 'deploy';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await until('default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace }));
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] } },
      },
    },
  });
  await until('3 ready replicas', async () => (await apps.readNamespacedDeployment({ name: 'web', namespace })).status?.readyReplicas === 3);
  const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
  for (const p of pods.items) {
    expect(p.status?.phase).toBe('Running');
    expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  }
  for (let i = 0; i < 4; i++) {
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: `gpu-${i}` }, spec: { containers: [{ name: 'c', image: 'registry.invalid/cuda:1', resources: { limits: { 'nvidia.com/gpu': '1' } } }] } },
    });
  }
  for (let i = 0; i < 4; i++) {
    const p = await until(`gpu-${i} running`, async () => {
      const pod = await core.readNamespacedPod({ name: `gpu-${i}`, namespace });
      return pod.status?.phase === 'Running' && pod;
    });
    expect(p.spec?.nodeName).toBe('gpu-1');
  }
  // the GPU node has 4: a fifth GPU pod cannot be scheduled anywhere
  await core.createNamespacedPod({ namespace, body: { metadata: { name: 'gpu-4' }, spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { 'nvidia.com/gpu': '1' } } }] } } });
  const unschedulable = await until('gpu-4 unschedulable', async () => {
    const pod = await core.readNamespacedPod({ name: 'gpu-4', namespace });
    return pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable');
  });
  expect(unschedulable.message).toMatch(/nvidia\.com\/gpu/);
});

test('a namespace with pods deletes completely (garbage collection and finalizers work)', async () => {
  const { apps, core } = clients(provider.kubeconfig(name('a')));
  await core.deleteNamespace({ name: 'deploy' });
  await until('namespace gone', async () => {
    try {
      await core.readNamespace({ name: 'deploy' });
      return false;
    } catch (e) {
      return (e as { code?: number }).code === 404;
    }
  }, 90_000);
  expect((await apps.listDeploymentForAllNamespaces()).items.filter((d) => d.metadata?.namespace === 'deploy')).toHaveLength(0);
  expect((await core.listPodForAllNamespaces()).items.filter((p) => p.metadata?.namespace === 'deploy')).toHaveLength(0);
});

test('two clusters at once are isolated; each in its own network runs a process bound to the same fixed port', async () => {
  const b = await provider.create({ name: name('b'), kubernetes: k1! });
  if (provider.ownNetwork) {
    // what a controller that fixes its webhook port does (codeflare-operator from v1.4.0: 9443, every interface)
    const serve = `require('http').createServer((q, s) => s.end(process.env.CELL)).listen(9443)`;
    const both = [readState(name('a'))!, readState(name('b'))!];
    for (const c of both) {
      const dir = join(c.dir, 'components', 'fixed-port');
      mkdirSync(dir, { recursive: true });
      startProcess(process.execPath, ['-e', serve], { log: join(dir, 'serve.log'), owner: dir, env: { CELL: c.name }, netns: c.network!.netns });
    }
    for (const c of both) await until(`${c.name} answers on 9443`, async () => (await get(`http://${c.network!.address}:9443/`)).body === c.name, 20_000);
  } else test.info().annotations.push({ type: 'shared network', description: netnsSupport().how });
  const a = clients(provider.kubeconfig(name('a')));
  const bb = clients(b.kubeconfig);
  await a.core.createNamespace({ body: { metadata: { name: 'only-in-a' } } });
  await expect(bb.core.readNamespace({ name: 'only-in-a' })).rejects.toMatchObject({ code: 404 });
  expect(readFileSync(b.kubeconfig, 'utf8')).not.toBe(readFileSync(provider.kubeconfig(name('a')), 'utf8'));
  const list = await provider.list();
  expect(list.filter((c) => [name('a'), name('b')].includes(c.name)).every((c) => c.healthy)).toBe(true);
  const network = b.network;
  await provider.destroy(name('b'));
  expect(existsSync(clusterDir(name('b')))).toBe(false);
  expect(processesUnder(clusterDir(name('b')))).toHaveLength(0);
  if (network) {
    expect((await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0])).not.toContain(network.netns);
    expect((await run('ip', ['link', 'show', network.veth])).ok).toBe(false);
  }
  // a is untouched
  expect((await a.core.readNamespace({ name: 'only-in-a' })).metadata?.name).toBe('only-in-a');
});

test('kill -9 of the harness, then the janitor: no process and no folder is left', async () => {
  const script = join(scratchDir('cfm-kill'), 'hold.mts');
  writeFileSync(script, `
import { LocalProvider } from ${JSON.stringify(join(repoRoot, 'harness/providers/local/provider.ts'))};
await new LocalProvider().create({ name: ${JSON.stringify(name('killed'))}, kubernetes: ${JSON.stringify(k1)} });
console.log('READY');
setInterval(() => {}, 1000);
`);
  const { execa } = await import('execa');
  const child = execa('node', ['--import', 'tsx', script], { cwd: repoRoot, reject: false });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
    void child.then((r) => reject(new Error(`holder exited: ${r.all ?? r.stderr}`)));
  });
  const dir = clusterDir(name('killed'));
  expect(processesUnder(dir).length).toBe(5);
  child.kill('SIGKILL');
  await child;
  expect(processesUnder(dir).length).toBe(5); // the cluster outlives its owner…
  const removed = await janitor();
  expect(removed).toContain(name('killed')); // …until the janitor sees the owner is gone
  expect(processesUnder(dir)).toHaveLength(0);
  expect(existsSync(dir)).toBe(false);
  expect(processesUnder(clustersDir()).filter((p) => p.owner.includes(name('killed')))).toHaveLength(0);
  expect((await cellNetworksUnder(clustersDir())).filter((n) => n.owner === dir)).toEqual([]);
});

test('a cell network whose cluster folder is gone is the janitor\'s: found by its veth\'s alias, never another home\'s', async () => {
  test.skip(!provider.ownNetwork, `cells share the host's network here: ${netnsSupport().how}`);
  const gone = join(clustersDir(), name('gone'));
  const elsewhere = join(scratchDir('cfm-other-home'), 'clusters', 'x');
  const [mine, theirs] = [await makeCellNetwork(gone), await makeCellNetwork(elsewhere)];
  try {
    expect(mine.address).not.toBe(theirs.address);
    // another test's janitor (tests run side by side in one home) may take it first: what counts is that it is gone
    const removed = await janitor();
    expect(removed).not.toContain(theirs.netns);
    expect((await run('ip', ['link', 'show', mine.veth])).ok).toBe(false);
    expect((await run('ip', ['link', 'show', theirs.veth])).ok).toBe(true);
    // a namespace no veth holds (its claimant killed half-way) is no one's: removed once a minute old
    const half = 'cfm-cell-16000';
    expect((await run('ip', ['netns', 'add', half])).ok).toBe(true);
    expect(await vethlessNetworks()).not.toContain(half); // it might be being made right now
    expect(await vethlessNetworks(0)).toContain(half);
    expect(await vethlessNetworks(0)).not.toContain(theirs.netns);
    await removeNetns(half);
    expect((await run('ip', ['netns', 'list'])).stdout).not.toContain(half);
  } finally {
    await removeCellNetwork(mine, gone);
    await removeCellNetwork(theirs, elsewhere);
  }
});
