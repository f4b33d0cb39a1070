// Install mode `process` on the local provider, for real: KubeRay built from its Go module at the
// version, its own manifests applied, the binary running as its ServiceAccount; a RayCluster's
// head and workers reach Running on fake nodes and KubeRay says the cluster is ready.
import { test, expect } from '@playwright/test';
import { CustomObjectsApi, CoreV1Api, KubeConfig, ApiextensionsV1Api } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../lib/exec.js';
import { processesUnder } from '../../processes.js';
import { until } from '../../testing.js';
import { LocalProvider } from '../../providers/local/provider.js';
import { testKubernetes, toolchainEntry } from '../../toolchain/index.js';
import { resolveSource } from '../source.js';
import { buildComponent } from '../build.js';
import { installProcess, uninstall, upgradeComponent, COMPONENT_LABEL } from './index.js';

test.describe.configure({ mode: 'serial', timeout: 30 * 60_000 });

const k8s = testKubernetes('>=1.29.0');
const provider = new LocalProvider();
const name = `t-install-${process.pid}`;
test.beforeAll(async () => {
  await provider.create({ name, kubernetes: k8s });
});
test.afterAll(async () => {
  await provider.destroy(name);
});


const rayCluster = (apiVersion: string) => ({
  apiVersion,
  kind: 'RayCluster',
  metadata: { name: 'demo' },
  spec: {
    rayVersion: '2.7.0',
    headGroupSpec: { rayStartParams: {}, template: { spec: { containers: [{ name: 'ray-head', image: 'rayproject/ray:2.7.0', resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } } }] } } },
    workerGroupSpecs: [{ groupName: 'workers', replicas: 2, minReplicas: 0, maxReplicas: 4, rayStartParams: {}, template: { spec: { containers: [{ name: 'ray-worker', image: 'rayproject/ray:2.7.0', resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } } }] } } }],
  },
});

for (const [version, apiVersion] of [['v0.5.0', 'ray.io/v1alpha1'], ['v1.0.0', 'ray.io/v1'], ['v1.3.2', 'ray.io/v1']] as const) {
  test(`KubeRay ${version}: installed from its own manifests, runs as its ServiceAccount, makes a RayCluster ready`, async () => {
    const cluster = { ...(await provider.list()).find((c) => c.name === name)! };
    const ctx = { cluster, kubectl: toolchainEntry('kubernetes', k8s).bin.kubectl!, log: (l: string) => console.log(l) };
    const built = await buildComponent(await resolveSource('kuberay', version), { log: (l: string) => console.log(l) });
    expect(built.provenance.resolved).toBe(version);
    expect(built.provenance.deps?.some((d) => d.path === 'k8s.io/client-go')).toBe(true);
    const installed = await installProcess(ctx, 'kuberay', built);
    expect(installed.serviceAccount).toBe('kuberay-operator');

    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    const [group, v] = apiVersion.split('/') as [string, string];
    const namespace = `kr-${version.replace(/\W/g, '')}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await until('default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace }));
    await custom.createNamespacedCustomObject({ group, version: v, namespace, plural: 'rayclusters', body: rayCluster(apiVersion) });
    // head and workers Running on fake nodes, and KubeRay's own status says ready
    const pods = await until('3 Running pods', async () => {
      const list = await core.listNamespacedPod({ namespace, labelSelector: 'ray.io/cluster=demo' });
      return list.items.length === 3 && list.items.every((p) => p.status?.phase === 'Running') && list.items;
    });
    expect(pods.filter((p) => p.metadata?.labels?.['ray.io/group'] === 'headgroup')).toHaveLength(1);
    let last: unknown;
    const status = await until('state ready', async () => {
      const rc = (await custom.getNamespacedCustomObject({ group, version: v, namespace, plural: 'rayclusters', name: 'demo' })) as { status?: { state?: string; availableWorkerReplicas?: number } };
      last = rc.status;
      return rc.status?.state === 'ready' && rc.status;
    }).catch((e: Error) => {
      throw new Error(`${e.message}; last status: ${JSON.stringify(last)}`);
    });
    expect(status.availableWorkerReplicas).toBe(2);

    // uninstall leaves the cluster clean: no CRD, no labelled object, no process
    await core.deleteNamespace({ name: namespace });
    await uninstall(ctx, installed);
    const crds = await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
    expect(crds.items.filter((c) => c.spec.group === 'ray.io')).toHaveLength(0);
    const crb = await run(ctx.kubectl, ['--kubeconfig', cluster.kubeconfig, 'get', 'clusterroles,clusterrolebindings,serviceaccounts', '-A', '-l', `${COMPONENT_LABEL}=kuberay`, '-o', 'name']);
    expect(crb.stdout.trim()).toBe('');
    expect(processesUnder(join(cluster.dir, 'components', 'kuberay'))).toHaveLength(0);
    expect(existsSync(built.binary)).toBe(true);
  });
}


test('KubeRay upgraded in place v1.0.0 → v1.3.2: CRDs first, a RayCluster made before survives and is reconciled by the new controller', async () => {
  const cluster = { ...(await provider.list()).find((c) => c.name === name)! };
  const ctx = { cluster, kubectl: toolchainEntry('kubernetes', k8s).bin.kubectl!, log: (l: string) => console.log(l) };
  const a = await installProcess(ctx, 'kuberay', await buildComponent(await resolveSource('kuberay', 'v1.0.0')));
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = 'upgrade';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await until('default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace }));
  const rc = { group: 'ray.io', version: 'v1', namespace, plural: 'rayclusters', name: 'demo' };
  await custom.createNamespacedCustomObject({ ...rc, body: rayCluster('ray.io/v1') });
  await until('ready under v1.0.0', async () => ((await custom.getNamespacedCustomObject(rc)) as { status?: { state?: string } }).status?.state === 'ready');
  const uid = ((await custom.getNamespacedCustomObject(rc)) as { metadata: { uid: string } }).metadata.uid;

  const b = await upgradeComponent(ctx, a, await buildComponent(await resolveSource('kuberay', 'v1.3.2')));
  expect(b.version).toBe('v1.3.2');
  expect(b.namespace).toBe('default'); // KubeRay moved from ray-system to default in v1.3.0
  // only the new controller: its restarter (restart.mjs, a pod's restartPolicy) and the v1.3.2 binary it runs
  const left = processesUnder(join(cluster.dir, 'components', 'kuberay'));
  expect(left.map((p) => p.pid)).toContain(b.process!.pid);
  expect(left.map((p) => p.pid)).not.toContain(a.process!.pid);
  expect(left).toHaveLength(2);
  const after = (await custom.getNamespacedCustomObject(rc)) as { metadata: { uid: string } };
  expect(after.metadata.uid).toBe(uid); // the same object survived the CRD upgrade
  // reconciled by v1.3.2: scale the workers and see a third one Running
  await custom.patchNamespacedCustomObject(
    { ...rc, body: [{ op: 'replace', path: '/spec/workerGroupSpecs/0/replicas', value: 3 }] },
  );
  await until('3 workers Running', async () => (await core.listNamespacedPod({ namespace, labelSelector: 'ray.io/cluster=demo,ray.io/group=workers' })).items.filter((p) => p.status?.phase === 'Running').length === 3);
  await until('ready with 3 workers', async () => {
    const s = ((await custom.getNamespacedCustomObject(rc)) as { status?: { state?: string; availableWorkerReplicas?: number } }).status;
    return s?.state === 'ready' && s.availableWorkerReplicas === 3;
  });
  expect((await core.listNamespace()).items.map((n) => n.metadata?.name)).not.toContain('ray-system'); // the old namespace went with v1.0.0
  await core.deleteNamespace({ name: namespace });
  await uninstall(ctx, b);
});
