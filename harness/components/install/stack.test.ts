// A stack on the local provider: KubeRay, AppWrapper and Kueue installed in the catalog's order
// (KubeRay and AppWrapper first, so Kueue's integrations for both are active). A RayCluster sent to
// a LocalQueue is held by Kueue's webhook, admitted within quota, then KubeRay brings its pods to
// Running and reports it ready; a second one over the quota stays suspended. An AppWrapper around a
// RayCluster goes the same way: admitted by Kueue, unwrapped by the AppWrapper controller, Running.
import { test, expect } from '@playwright/test';
import { LocalProvider } from '../../providers/local/provider.js';
import { testKubernetes, toolchainEntry } from '../../toolchain/index.js';
import { clients, kueueQueue, until } from '../../testing.js';
import { resolveSource } from '../source.js';
import { buildComponent } from '../build.js';
import { installStack, uninstallStack } from './index.js';
import { ensureSdk, sdkEnv } from '../sdk.js';
import { join } from 'node:path';
import { run } from '../../../lib/exec.js';
import { apiOf, appWrapper, rayApi, rayCluster as rayClusterOf } from '../../../fixtures/objects.js';

test.describe.configure({ mode: 'serial', timeout: 30 * 60_000 });

const k8s = testKubernetes('>=1.29.0');

const rayCluster = (name: string, cpu: string) => ({
  apiVersion: 'ray.io/v1',
  kind: 'RayCluster',
  metadata: { name, labels: { 'kueue.x-k8s.io/queue-name': 'lq' } },
  spec: {
    rayVersion: '2.46.0',
    headGroupSpec: { rayStartParams: {}, template: { spec: { containers: [{ name: 'ray-head', image: 'rayproject/ray:2.46.0', resources: { requests: { cpu, memory: '2Gi' }, limits: { cpu, memory: '2Gi' } } }] } } },
    workerGroupSpecs: [{ groupName: 'workers', replicas: 1, minReplicas: 1, maxReplicas: 1, rayStartParams: {}, template: { spec: { containers: [{ name: 'ray-worker', image: 'rayproject/ray:2.46.0', resources: { requests: { cpu, memory: '2Gi' }, limits: { cpu, memory: '2Gi' } } }] } } }],
  },
});

test('KubeRay v1.3.2, AppWrapper v1.1.2, Kueue v0.11.6: queued RayClusters and AppWrappers are admitted within quota and run', async () => {
  const provider = new LocalProvider();
  const name = `t-stack-${process.pid}`;
  const cluster = await provider.create({ name, kubernetes: k8s });
  try {
    const ctx = { cluster, kubectl: toolchainEntry('kubernetes', k8s).bin.kubectl!, log: (l: string) => console.log(l) };
    const builds = {
      kueue: await buildComponent(await resolveSource('kueue', 'v0.11.6')),
      kuberay: await buildComponent(await resolveSource('kuberay', 'v1.3.2')),
      appwrapper: await buildComponent(await resolveSource('appwrapper', 'v1.1.2')),
    };
    const stack = await installStack(ctx, builds);
    expect(stack.map((s) => s.component)).toEqual(['kuberay', 'appwrapper', 'kueue']); // the catalog's order, not the caller's
    // AppWrapper reads its configuration through the API: the harness's local addresses are in its ConfigMap
    const aw = stack.find((s) => s.component === 'appwrapper')!;
    expect(aw.settings['webhook port']).toMatch(/^9443 /);
    expect(aw.serviceAccount).toBe('appwrapper-controller-manager');
    const { core, custom } = clients(cluster.kubeconfig);
    const namespace = 'ray';
    await kueueQueue(cluster.kubeconfig, { namespace, cpu: 8, memory: '32Gi' });
    const rc = { group: 'ray.io', version: 'v1', namespace, plural: 'rayclusters' };
    const first = (await custom.createNamespacedCustomObject({ ...rc, body: rayCluster('first', '2') })) as { spec: { suspend?: boolean } };
    expect(first.spec.suspend).toBe(true); // held by Kueue's webhook until admitted
    await until('first ready', async () => ((await custom.getNamespacedCustomObject({ ...rc, name: 'first' })) as { status?: { state?: string } }).status?.state === 'ready');
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'ray.io/cluster=first' });
    expect(pods.items.filter((p) => p.status?.phase === 'Running')).toHaveLength(2);
    // 2 × 3 CPU more would exceed the 8 CPU quota (4 used): stays suspended, no pods
    await custom.createNamespacedCustomObject({ ...rc, body: rayCluster('second', '3') });
    await new Promise((r) => setTimeout(r, 8_000));
    expect(((await custom.getNamespacedCustomObject({ ...rc, name: 'second' })) as { spec: { suspend?: boolean } }).spec.suspend).toBe(true);
    expect((await core.listNamespacedPod({ namespace, labelSelector: 'ray.io/cluster=second' })).items).toHaveLength(0);

    await custom.deleteNamespacedCustomObject({ ...rc, name: 'second' });

    // An AppWrapper around a RayCluster: suspended by the webhooks, admitted by Kueue (its Workload
    // names the ClusterQueue), the RayCluster created by the AppWrapper controller and made ready by KubeRay.
    const awApi = apiOf('appwrapper', 'v1.1.2', 'AppWrapper')!;
    const awc = { group: awApi.group, version: awApi.version, namespace, plural: awApi.plural };
    const wrapped = (n: string, cpu: string) => appWrapper(awApi, n, rayClusterOf(rayApi('v1.3.2'), n, { cpu }), [], { queue: 'lq' });
    const phase = async (n: string) => ((await custom.getNamespacedCustomObject({ ...awc, name: n })) as { status?: { phase?: string } }).status?.phase;
    const made = (await custom.createNamespacedCustomObject({ ...awc, body: wrapped('wrapped', '2') })) as { spec: { suspend?: boolean } };
    expect(made.spec.suspend).toBe(true);
    await until('AppWrapper Running', async () => (await phase('wrapped')) === 'Running', 120_000);
    await until('its RayCluster ready', async () => ((await custom.getNamespacedCustomObject({ ...rc, name: 'wrapped' })) as { status?: { state?: string } }).status?.state === 'ready', 120_000);
    const workloads = (await custom.listNamespacedCustomObject({ group: 'kueue.x-k8s.io', version: 'v1beta1', namespace, plural: 'workloads' })) as { items: { metadata: { ownerReferences?: { kind: string; name: string }[] }; status?: { admission?: { clusterQueue: string } } }[] };
    expect(workloads.items.find((w) => w.metadata.ownerReferences?.some((o) => o.kind === 'AppWrapper' && o.name === 'wrapped'))?.status?.admission?.clusterQueue).toBe('cq');
    // over the quota (4 CPU used of 8; 2 × 3 more): stays suspended, nothing unwrapped
    await custom.createNamespacedCustomObject({ ...awc, body: wrapped('too-big', '3') });
    await new Promise((r) => setTimeout(r, 8_000));
    expect(((await custom.getNamespacedCustomObject({ ...awc, name: 'too-big' })) as { spec: { suspend?: boolean } }).spec.suspend).toBe(true);
    await expect(custom.getNamespacedCustomObject({ ...rc, name: 'too-big' })).rejects.toMatchObject({ code: 404 });
    // deleting the AppWrapper removes what it wrapped
    await custom.deleteNamespacedCustomObject({ ...awc, name: 'wrapped' });
    await until('wrapped RayCluster gone', () => custom.getNamespacedCustomObject({ ...rc, name: 'wrapped' }).then(() => false, (e: { code?: number }) => e.code === 404), 120_000);

    await core.deleteNamespace({ name: namespace });
    await custom.deleteClusterCustomObject({ group: 'kueue.x-k8s.io', version: 'v1beta1', plural: 'clusterqueues', name: 'cq' });
    await uninstallStack(ctx, stack);
    // clean: no CRD, webhook configuration or namespace of the stack left
    const left = await run(ctx.kubectl, ['--kubeconfig', cluster.kubeconfig, 'get', 'crd,mutatingwebhookconfigurations,validatingwebhookconfigurations,namespaces', '-o', 'name']);
    expect(left.stdout).not.toMatch(/ray\.io|kueue|codeflare|appwrapper/);
  } finally {
    await provider.destroy(name);
  }
});

// The CodeFlare SDK from PyPI, in its own virtualenv, against the same kind of stack: the chain
// SDK → Kueue → KubeRay → pods, as a user drives it (no operator: era E's shape).
const sdkScript = `
import sys, time
from codeflare_sdk import Cluster, ClusterConfiguration
c = Cluster(ClusterConfiguration(name="demo", namespace="sdk", num_workers=1,
    head_cpu_requests=1, head_cpu_limits=1, head_memory_requests=2, head_memory_limits=2,
    worker_cpu_requests=1, worker_cpu_limits=1, worker_memory_requests=2, worker_memory_limits=2,
    local_queue="lq", write_to_file=False))
action = sys.argv[1]
if action == "up":
    c.up()
elif action == "status":
    for _ in range(60):
        status, ready = c.status(print_to_console=False)
        if ready: break
        time.sleep(1)
    print("STATUS", status.name, ready)
elif action == "down":
    c.down()
`;

test('CodeFlare SDK v0.29.0: ClusterConfiguration → up() → status READY → down(), checked on the API server', async () => {
  const sdk = await ensureSdk('v0.29.0');
  const provider = new LocalProvider();
  const name = `t-sdk-${process.pid}`;
  const cluster = await provider.create({ name, kubernetes: k8s });
  try {
    const ctx = { cluster, kubectl: toolchainEntry('kubernetes', k8s).bin.kubectl!, log: (l: string) => console.log(l) };
    const stack = await installStack(ctx, {
      kuberay: await buildComponent(await resolveSource('kuberay', 'v1.3.2')),
      kueue: await buildComponent(await resolveSource('kueue', 'v0.11.6')),
    });
    const { core, custom } = clients(cluster.kubeconfig);
    const namespace = 'sdk';
    await kueueQueue(cluster.kubeconfig, { namespace, cpu: 16, memory: '64Gi' });
    const env = sdkEnv(cluster.kubeconfig, join(cluster.dir, 'sdk-home'));
    const py = (action: string) => run(sdk.python, ['-c', sdkScript, action], { env, timeout: 180_000 });

    const up = await py('up');
    expect(up.ok, up.all).toBe(true);
    // what SDK v0.29.0 creates: a ray.io/v1 RayCluster (no AppWrapper), in the LocalQueue
    const rc = (await custom.getNamespacedCustomObject({ group: 'ray.io', version: 'v1', namespace, plural: 'rayclusters', name: 'demo' })) as { metadata: { labels?: Record<string, string> } };
    expect(rc.metadata.labels?.['kueue.x-k8s.io/queue-name']).toBe('lq');
    const status = await py('status');
    expect(status.stdout, status.all).toContain('STATUS READY True');
    expect((await core.listNamespacedPod({ namespace, labelSelector: 'ray.io/cluster=demo' })).items.filter((p) => p.status?.phase === 'Running')).toHaveLength(2);
    const down = await py('down');
    expect(down.ok, down.all).toBe(true);
    await until('RayCluster gone', async () => (await custom.listNamespacedCustomObject({ group: 'ray.io', version: 'v1', namespace, plural: 'rayclusters' }) as { items: unknown[] }).items.length === 0);
    await until('pods gone', async () => (await core.listNamespacedPod({ namespace })).items.length === 0);

    await core.deleteNamespace({ name: namespace });
    await custom.deleteClusterCustomObject({ group: 'kueue.x-k8s.io', version: 'v1beta1', plural: 'clusterqueues', name: 'cq' });
    await uninstallStack(ctx, stack);
  } finally {
    await provider.destroy(name);
  }
});
