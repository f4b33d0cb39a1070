// The pod player on the local provider, for real: a Deployment naming an MCAD image (as the
// operator of operators makes one from its MCAD custom resource) is played by MCAD's own binary,
// built at the version the image tag names, with the pod's arguments and its ConfigMap environment,
// under the pod's ServiceAccount; deleting the Deployment stops it; others are left alone.
import { test, expect } from '@playwright/test';
import { join } from 'node:path';
import { LocalProvider } from '../../providers/local/provider.js';
import { clusterHost } from '../../providers/provider.js';
import { alive, processesUnder } from '../../processes.js';
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
    // on the cluster's address: its network namespace's where it has one, else loopback
    expect(cmdline.some((a) => a.startsWith(`--healthProbeListenAddr=${clusterHost(cluster)}:`))).toBe(true);
    expect((await run('cat', [`/proc/${played.pid}/environ`])).stdout.split('\0')).toContain('DISPATCHER_MODE=false');
    expect(readPlayed(player).map((p) => p.deployment)).toEqual([key]);

    await apps.deleteNamespacedDeployment({ namespace, name: 'mcad-controller-mcad' });
    await until('played process stopped', async () => readPlayed(player).find((p) => p.deployment === key)?.phase === 'stopped', 60_000);
    expect(alive(played.pid!, join(player.dir, `${namespace}-mcad-controller-mcad`))).toBe(false);
    await stopPlayer(player);
    expect(processesUnder(player.dir)).toEqual([]);
  } finally {
    await provider.destroy(name);
  }
});
