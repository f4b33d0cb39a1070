// Kueue in process mode on the local provider, for real: built from its Go module, its own
// manifests applied, its webhooks served from the host process (URL client configs, a certificate
// its own rotator accepts). A Job sent to a LocalQueue is suspended by Kueue's webhook, admitted
// within the ClusterQueue's quota and run; a Job over the quota stays suspended.
import { test, expect } from '@playwright/test';
import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { LocalProvider } from '../../providers/local/provider.js';
import { processesUnder } from '../../processes.js';
import { testKubernetes, toolchainEntry } from '../../toolchain/index.js';
import { clients, kueueQueue, until } from '../../testing.js';
import { resolveSource } from '../source.js';
import { buildComponent } from '../build.js';
import { installProcess, uninstall } from './index.js';

test.describe.configure({ timeout: 30 * 60_000 });

const k8s = testKubernetes('>=1.29.0');
const group = 'kueue.x-k8s.io';
const v = 'v1beta1';

test('Kueue v0.11.6: webhooks from the host; a Job admitted within quota, one over it kept suspended', async () => {
  const provider = new LocalProvider();
  const name = `t-kueue-${process.pid}`;
  const cluster = await provider.create({ name, kubernetes: k8s });
  try {
    const ctx = { cluster, kubectl: toolchainEntry('kubernetes', k8s).bin.kubectl!, log: (l: string) => console.log(l) };
    const installed = await installProcess(ctx, 'kueue', await buildComponent(await resolveSource('kueue', 'v0.11.6')));
    expect(installed.serviceAccount).toBe('kueue-controller-manager');
    const { custom, core, batch } = clients(cluster.kubeconfig);
    const namespace = 'team';
    await kueueQueue(cluster.kubeconfig, { namespace, cpu: 4, memory: '16Gi' });
    const job = (n: string, cpu: string) => ({
      metadata: { name: n, labels: { 'kueue.x-k8s.io/queue-name': 'lq' } },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '5'], resources: { requests: { cpu, memory: '1Gi' } } }] } } },
    });
    const small = await batch.createNamespacedJob({ namespace, body: job('small', '1') });
    expect(small.spec?.suspend).toBe(true); // Kueue's mutating webhook, called by the apiserver at the host process
    await until('small admitted and complete', async () => (await batch.readNamespacedJob({ name: 'small', namespace })).status?.succeeded === 1);
    await batch.createNamespacedJob({ namespace, body: job('big', '8') });
    await new Promise((r) => setTimeout(r, 8_000));
    expect((await batch.readNamespacedJob({ name: 'big', namespace })).spec?.suspend).toBe(true);
    const workloads = (await custom.listNamespacedCustomObject({ group, version: v, namespace, plural: 'workloads' })) as { items: { metadata: { name: string }; status?: { admission?: unknown } }[] };
    expect(workloads.items.filter((w) => w.status?.admission)).toHaveLength(1);

    await core.deleteNamespace({ name: namespace });
    await custom.deleteClusterCustomObject({ group, version: v, plural: 'clusterqueues', name: 'cq' });
    await uninstall(ctx, installed);
    expect(processesUnder(join(cluster.dir, 'components', 'kueue'))).toHaveLength(0);
    const link = '/tmp/k8s-webhook-server/serving-certs/tls.crt';
    expect(existsSync(link) ? readlinkSync(link) : '').not.toContain(cluster.dir);
    if (!existsSync(link)) expect(existsSync('/tmp/k8s-webhook-server')).toBe(false); // nor the folders made for it
  } finally {
    await provider.destroy(name);
  }
});
