// The pod player on the local provider, for real: a Deployment naming an MCAD image (as the
// operator of operators makes one from its MCAD custom resource) is played by MCAD's own binary,
// built at the version the image tag names, with the pod's arguments and its ConfigMap environment,
// under the pod's ServiceAccount; deleting the Deployment stops it; others are left alone.
import { test, expect } from '@playwright/test';
import { join } from 'node:path';
import { LocalProvider } from '../../providers/local/provider.js';
import { clusterHost } from '../../providers/provider.js';
import { alive, processesUnder } from '../../processes.js';
import { netnsSupport } from '../../net/netns.js';
import { getFrom, makePodNetwork, podNetworksUnder } from '../../net/podnet.js';
import { run } from '../../../lib/exec.js';
import { testKubernetes, toolchainEntry } from '../../toolchain/index.js';
import { clients, until } from '../../testing.js';
import { resolveSource } from '../source.js';
import { COMPONENT_LABEL } from './pod.js';
import { imageComponent, readPlayed, startPlayer, stopPlayer } from './player.js';

test.describe.configure({ timeout: 30 * 60_000 });

const k8s = testKubernetes();
const provider = new LocalProvider();
const name = `t-play-${process.pid}`;
const namespace = 'era-a';

test('images name catalog components by repository and tag prefix', () => {
  expect(imageComponent('quay.io/project-codeflare/mcad-controller:release-v1.34.1', ['mcad', 'instascale'])).toEqual({ id: 'mcad', version: 'v1.34.1' });
  expect(imageComponent('quay.io/project-codeflare/instascale-controller:v0.0.8', ['mcad', 'instascale'])).toEqual({ id: 'instascale', version: 'v0.0.8' });
  expect(imageComponent('quay.io/project-codeflare/mcad-controller:latest', ['mcad'])).toBeUndefined();
  expect(imageComponent('quay.io/project-codeflare/mcad-controller:release-v1.34.1', ['instascale'])).toBeUndefined();
  expect(imageComponent('localhost:5000/mcad-controller', ['mcad'])).toBeUndefined();
});

test('a Deployment with an MCAD image is played by MCAD v1.34.1 as its pod would run; deleting it stops the process', async () => {
  const cluster = await provider.create({ name, kubernetes: k8s });
  try {
    const kubectl = toolchainEntry('kubernetes', k8s).bin.kubectl!;
    const k = (args: string[]) => run(kubectl, ['--kubeconfig', cluster.kubeconfig, ...args]);
    const ctx = { cluster, kubectl, log: (l: string) => console.log(l), timeoutMs: 120_000 };
    // MCAD's CRDs, as the operator of operators ships them
    const mcad = await resolveSource('mcad', 'v1.34.1');
    expect((await k(['apply', '--server-side', '-f', join(mcad.dir, 'config', 'crd', 'bases')])).ok).toBe(true);
    const { core, apps } = clients(cluster.kubeconfig);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'mcad-controller-mcad' } } });
    expect((await k(['create', 'clusterrolebinding', 'mcad-played', '--clusterrole=cluster-admin', `--serviceaccount=${namespace}:mcad-controller-mcad`])).ok).toBe(true);
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'mcad-mcad-config' }, data: { DISPATCHER_MODE: 'false', PREEMPTION: 'false' } } });
    const dir = join(cluster.dir, 'components', 'operator-under-test');
    const player = startPlayer(ctx, dir, ['mcad', 'instascale']);
    const deployment = (n: string, image: string, labels: Record<string, string> = {}) => ({
      metadata: { name: n, namespace, labels },
      spec: {
        selector: { matchLabels: { app: n } },
        template: {
          metadata: { labels: { app: n } },
          spec: { serviceAccountName: 'mcad-controller-mcad', containers: [{ name: 'c', image, args: ['--v', '4', '--logtostderr'], envFrom: [{ configMapRef: { name: 'mcad-mcad-config' } }] }] },
        },
      },
    });
    await apps.createNamespacedDeployment({ namespace, body: deployment('mcad-controller-mcad', 'quay.io/project-codeflare/mcad-controller:release-v1.34.1') });
    // Not ours to play: an image of no component, and a Deployment the harness installed itself.
    await apps.createNamespacedDeployment({ namespace, body: deployment('other', 'registry.invalid/other:v1.0.0') });
    await apps.createNamespacedDeployment({ namespace, body: deployment('installed', 'quay.io/project-codeflare/mcad-controller:release-v1.34.1', { [COMPONENT_LABEL]: 'mcad' }) });

    const key = `${namespace}/mcad-controller-mcad`;
    const played = await until('the MCAD Deployment played', async () => readPlayed(player).find((p) => p.deployment === key && p.phase !== 'building'), 20 * 60_000);
    expect(played.error ?? '').toBe('');
    expect(played).toMatchObject({ component: 'mcad', version: 'v1.34.1', phase: 'running' });
    expect(played.provenance?.resolved).toBe('v1.34.1');
    expect(played.provenance?.differences.join('\n')).toMatch(/played for Deployment era-a\/mcad-controller-mcad/);
    expect(alive(played.pid!, join(player.dir, `${namespace}-mcad-controller-mcad`))).toBe(true);
    // the pod's own arguments, the catalog's addresses, and its ConfigMap as environment
    const cmdline = (await run('cat', [`/proc/${played.pid}/cmdline`])).stdout.split('\0');
    expect(cmdline).toEqual(expect.arrayContaining(['--v', '4', '--logtostderr']));
    // on its own network's address where the cell has a namespace (as root), else loopback
    expect(!!played.network).toBe(!!cluster.network);
    expect(cmdline.some((a) => a.startsWith(`--healthProbeListenAddr=${played.network?.address ?? clusterHost(cluster)}:`))).toBe(true);
    expect((await run('cat', [`/proc/${played.pid}/environ`])).stdout.split('\0')).toContain('DISPATCHER_MODE=false');
    expect(readPlayed(player).map((p) => p.deployment)).toEqual([key]);

    await apps.deleteNamespacedDeployment({ namespace, name: 'mcad-controller-mcad' });
    await until('played process stopped', async () => readPlayed(player).find((p) => p.deployment === key)?.phase === 'stopped', 60_000);
    expect(alive(played.pid!, join(player.dir, `${namespace}-mcad-controller-mcad`))).toBe(false);
    if (cluster.network) expect(await podNetworksUnder(cluster.network.netns, cluster.dir)).toEqual([]);
    await stopPlayer(player);
    expect(processesUnder(player.dir)).toEqual([]);
  } finally {
    await provider.destroy(name);
  }
});

// MCAD ≤ v1.33.0's metrics adapter binds :8080 on every interface, fixed in its code: two pods of it
// each have theirs. As root each played pod has a network of its own too, linked to its cell's,
// removed when the pod stops, with the player, and with the cluster (the janitor's way after a
// killed run); without network namespaces they share the host's, and the second says which port
// it found held.
test('two Deployments of MCAD v1.33.0, which binds :8080 fixed, both run, each in a network of its own; stop and the janitor leave none', async () => {
  const cname = `t-podnet-${process.pid}`;
  const cluster = await provider.create({ name: cname, kubernetes: k8s });
  try {
    const kubectl = toolchainEntry('kubernetes', k8s).bin.kubectl!;
    const k = (args: string[]) => run(kubectl, ['--kubeconfig', cluster.kubeconfig, ...args]);
    const ctx = { cluster, kubectl, log: (l: string) => console.log(l), timeoutMs: 120_000 };
    const mcad = await resolveSource('mcad', 'v1.33.0');
    expect((await k(['apply', '--server-side', '-f', join(mcad.dir, 'config', 'crd', 'bases')])).ok).toBe(true);
    const { core, apps } = clients(cluster.kubeconfig);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'mcad' } } });
    expect((await k(['create', 'clusterrolebinding', 'mcad-played', '--clusterrole=cluster-admin', `--serviceaccount=${namespace}:mcad`])).ok).toBe(true);
    const player = startPlayer(ctx, join(cluster.dir, 'components', 'operator-under-test'), ['mcad']);
    const image = 'quay.io/project-codeflare/mcad-controller:release-v1.33.0';
    for (const n of ['mcad-a', 'mcad-b']) {
      await apps.createNamespacedDeployment({
        namespace,
        body: { metadata: { name: n, namespace }, spec: { selector: { matchLabels: { app: n } }, template: { metadata: { labels: { app: n } }, spec: { serviceAccountName: 'mcad', containers: [{ name: 'c', image }] } } } },
      });
    }
    const keys = [`${namespace}/mcad-a`, `${namespace}/mcad-b`];
    const played = await until('both played', async () => {
      const all = readPlayed(player).filter((p) => keys.includes(p.deployment) && p.phase !== 'building');
      return all.length === 2 ? all : undefined;
    }, 20 * 60_000);
    if (!cluster.network) {
      // the host's network: one holds :8080, the other cannot bind it and says so
      test.info().annotations.push({ type: 'shared network', description: netnsSupport().how });
      expect(played.map((p) => p.phase).sort()).toEqual(['failed', 'running']);
      expect(played.find((p) => p.phase === 'failed')?.hostPort).toMatch(/:8080$/);
      await stopPlayer(player);
      return;
    }
    for (const p of played) {
      expect(p.error ?? '').toBe('');
      expect(p).toMatchObject({ component: 'mcad', version: 'v1.33.0', phase: 'running' });
      expect(p.hostPort).toBeUndefined();
      expect(p.network).toMatchObject({ cell: cluster.network.netns, address: expect.stringMatching(/^10\.234\./) });
      expect(p.provenance?.differences.join('\n')).toMatch(new RegExp(`network of its own, as a pod has \\(namespace ${p.network!.netns} `));
      // it serves at its own address, and binds :8080 in its own namespace; the cell answers its probes
      const cmdline = (await run('cat', [`/proc/${p.pid}/cmdline`])).stdout.split('\0');
      expect(cmdline.some((x) => x.startsWith(`--healthProbeListenAddr=${p.network!.address}:`))).toBe(true);
      const ss = await run('nsenter', [`--net=/run/netns/${p.network!.netns}`, 'ss', '-ltnH', 'sport = :8080']);
      expect(ss.stdout.trim().split('\n'), ss.all).toHaveLength(1);
      expect((await getFrom(cluster.network.netns, `http://${p.network!.address}:8080/`)).status).toBeGreaterThan(0);
    }
    const [a, b] = [played.find((p) => p.deployment === keys[0])!, played.find((p) => p.deployment === keys[1])!];
    expect(a.network!.netns).not.toBe(b.network!.netns);
    const names = async () => (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]);
    const podsOfCell = async () => (await names()).filter((n) => n!.startsWith(`cfm-pod-${cluster.network!.netns.split('-').pop()}-`));
    expect((await podsOfCell()).sort()).toEqual([a.network!.netns, b.network!.netns].sort());

    // The Deployment gone: its process and its network go; the other runs on.
    await apps.deleteNamespacedDeployment({ namespace, name: 'mcad-a' });
    await until('mcad-a stopped', async () => readPlayed(player).find((p) => p.deployment === keys[0])?.phase === 'stopped', 60_000);
    expect(await podsOfCell()).toEqual([b.network!.netns]);
    expect(await podNetworksUnder(cluster.network.netns, player.dir)).toEqual([expect.objectContaining({ netns: b.network!.netns })]);
    // The player killed: its played process and network outlive it, until the uninstall stops it.
    process.kill(player.pid, 'SIGKILL');
    await until('player gone', async () => !alive(player.pid, player.dir), 10_000);
    expect(processesUnder(player.dir).length).toBeGreaterThan(0);
    await stopPlayer(player);
    expect(processesUnder(player.dir)).toEqual([]);
    expect(await podsOfCell()).toEqual([]);
    expect(await podNetworksUnder(cluster.network.netns, cluster.dir)).toEqual([]);
    // A run killed as its player made a pod's network: the janitor removes the cluster whose run is
    // gone (the provider's destroy), and the pod's network with it.
    const cell = cluster.network;
    const left = await makePodNetwork(cell.netns, join(player.dir, `${namespace}-mcad-c`));
    await provider.destroy(cname);
    expect(processesUnder(cluster.dir)).toEqual([]);
    expect((await names()).filter((n) => n === cell.netns || n === left.netns)).toEqual([]);
    expect((await run('ip', ['link', 'show', cell.veth])).ok).toBe(false);
  } finally {
    await provider.destroy(cname);
  }
});
