// MCAD in process mode on the local provider, for real: built from its Go module, its Helm chart
// rendered by helm (CRDs included) and applied, kar-controllers running as its ServiceAccount.
// An AppWrapper wrapping a batch Job is dispatched and completes; one larger than every fake node
// stays queued until a node that fits is added.
import { test, expect } from '@playwright/test';
import { LocalProvider } from '../../providers/local/provider.js';
import { createNodes } from '../../providers/local/nodes.js';
import { testKubernetes, toolchainEntry } from '../../toolchain/index.js';
import { clients, until } from '../../testing.js';
import { resolveSource } from '../source.js';
import { buildComponent } from '../build.js';
import { installProcess, uninstall } from './index.js';

test.describe.configure({ mode: 'serial', timeout: 30 * 60_000 });

const k8s = testKubernetes('>=1.29.0');
const provider = new LocalProvider();
const name = `t-mcad-${process.pid}`;
const group = 'workload.codeflare.dev';
const version = 'v1beta1';
const namespace = 'aw';

/** An AppWrapper (MCAD v1beta1, workload.codeflare.dev from MCAD v1.34.1) around a batch Job of `pods` pods of `cpu` each. */
function appWrapper(nameOf: string, pods: number, cpu: string) {
  const resources = { requests: { cpu, memory: '1Gi' }, limits: { cpu, memory: '1Gi' } };
  return {
    apiVersion: `${group}/${version}`,
    kind: 'AppWrapper',
    metadata: { name: nameOf, namespace },
    spec: {
      schedulingSpec: { minAvailable: pods },
      resources: {
        GenericItems: [{
          replicas: 1,
          completionstatus: 'Complete',
          custompodresources: [{ replicas: pods, ...resources }],
          generictemplate: {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: { name: nameOf, namespace },
            spec: { parallelism: pods, completions: pods, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '10'], resources }] } } },
          },
        }],
      },
    },
  };
}

test('MCAD v1.34.1: installed from its Helm chart; AppWrappers dispatched, or queued until capacity exists', async () => {
  const cluster = await provider.create({ name, kubernetes: k8s });
  try {
    const ctx = { cluster, kubectl: toolchainEntry('kubernetes', k8s).bin.kubectl!, log: (l: string) => console.log(l) };
    const built = await buildComponent(await resolveSource('mcad', 'v1.34.1'), { log: (l: string) => console.log(l) });
    const installed = await installProcess(ctx, 'mcad', built);
    expect(installed.serviceAccount).toBe('mcad-controller');
    const { custom, core, batch } = clients(cluster.kubeconfig);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await until('default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace }));
    const state = async (n: string) => ((await custom.getNamespacedCustomObject({ group, version, namespace, plural: 'appwrappers', name: n })) as { status?: { state?: string } }).status?.state;

    // a batch Job in an AppWrapper: dispatched, its Job created by MCAD, run to completion on fake nodes
    await custom.createNamespacedCustomObject({ group, version, namespace, plural: 'appwrappers', body: appWrapper('small', 1, '1') });
    await until('small dispatched and completed', async () => (await state('small')) === 'Completed');
    expect((await batch.readNamespacedJob({ name: 'small', namespace })).status?.succeeded).toBe(1);

    // larger than the fake nodes (2 × 16 CPU): 3 pods of 12 CPU stay queued, no Job is made…
    await custom.createNamespacedCustomObject({ group, version, namespace, plural: 'appwrappers', body: appWrapper('large', 3, '12') });
    await new Promise((r) => setTimeout(r, 15_000));
    expect(await state('large')).not.toMatch(/Running|Completed|Dispatched/);
    await expect(batch.readNamespacedJob({ name: 'large', namespace })).rejects.toMatchObject({ code: 404 });
    // …until a node that fits the third pod is added
    await createNodes(cluster.kubeconfig, [{ name: 'node-2', cpu: '16', memory: '64Gi', gpu: 0, labels: {} }]);
    await until('large dispatched', async () => ['Running', 'Completed'].includes((await state('large')) ?? ''), 180_000);
    await until('large Job created', () => batch.readNamespacedJob({ name: 'large', namespace }));

    await core.deleteNamespace({ name: namespace });
    await uninstall(ctx, installed);
  } finally {
    await provider.destroy(name);
  }
});
