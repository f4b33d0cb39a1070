// Kueue e2e: its webhook suspends a queued Job, it admits within the ClusterQueue's quota and holds
// beyond it. Each test makes its own ClusterQueue (named after its namespace) and removes it.
import { test, expect, requires } from '../fixtures/index.js';
import { apiOf, batchJob } from '../fixtures/objects.js';
import { until } from '../harness/kube.js';
import { pendingForQuota } from '../fixtures/kueue.js';

test.describe('Kueue', { tag: '@kueue', annotation: requires({ components: ['kueue'] }) }, () => {
  test('a Job in a LocalQueue is suspended, admitted within quota and runs to completion', async ({ cell, kube, namespace, quota }) => {
    await quota(4);
    const job = await kube.batch.createNamespacedJob({ namespace, body: batchJob('small', { queue: 'lq', cpu: '250m' }) as never });
    expect(job.spec?.suspend).toBe(true); // Kueue's webhook suspends it until admitted
    await until('small completed', async () => (await kube.batch.readNamespacedJob({ namespace, name: 'small' })).status?.succeeded === 1, 120_000);
    const wl = apiOf('kueue', cell.versions.kueue!, 'Workload')!;
    const workloads = (await kube.custom.listNamespacedCustomObject({ ...wl, namespace })) as { items: { status?: { admission?: { clusterQueue?: string } } }[] };
    expect(workloads.items[0]?.status?.admission?.clusterQueue).toBe(namespace);
  });

  test('a Job beyond the quota stays suspended while the quota is used', async ({ cell, kube, namespace, quota }) => {
    await quota(4);
    await kube.batch.createNamespacedJob({ namespace, body: batchJob('big', { queue: 'lq', cpu: '3', parallelism: 2 }) as never });
    expect(await pendingForQuota(kube, cell.versions.kueue!, namespace, { kind: 'Job', name: 'big' })).toMatch(/quota/i);
    expect((await kube.batch.readNamespacedJob({ namespace, name: 'big' })).spec?.suspend).toBe(true);
    expect((await kube.core.listNamespacedPod({ namespace, labelSelector: 'job-name=big' })).items).toHaveLength(0);
  });
});
