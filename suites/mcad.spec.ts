// MCAD e2e (eras A and B: deployed by the operator, or compiled into it): AppWrappers at the API
// version the cell's MCAD serves. A RayCluster and a batch Job wrapped are dispatched; one larger
// than the nodes stays queued until a node that fits is added.
import { test, expect, requires } from '../fixtures/index.js';
import { apiOf, appWrapper, batchJob, rayApi, rayCluster } from '../fixtures/objects.js';
import { rayPods } from '../fixtures/wait.js';
import { createNodes } from '../harness/providers/local/nodes.js';
import { until } from '../harness/kube.js';
import type { Kube } from '../fixtures/index.js';

const state = async (kube: Kube, api: ReturnType<typeof apiOf> & {}, namespace: string, name: string) =>
  ((await kube.custom.getNamespacedCustomObject({ ...api, namespace, name })) as { status?: { state?: string } }).status?.state ?? '';

test.describe('MCAD', { tag: '@mcad', annotation: requires({ components: ['mcad'] }) }, () => {
  test('an AppWrapper wrapping a RayCluster is dispatched and KubeRay runs its pods', { annotation: requires({ components: ['kuberay'] }) }, async ({ cell, kube, namespace }) => {
    const aw = apiOf('mcad', cell.versions.mcad!, 'AppWrapper')!;
    const rc = rayCluster(rayApi(cell.versions.kuberay!), 'wrapped', { workers: 1 });
    // Declared as its pods request (50m each): MCAD dispatches on what is declared, and a 2-core kind
    // node beside its control plane has no 2 CPUs to spare ("Insufficient resources to dispatch AppWrapper").
    await kube.custom.createNamespacedCustomObject({ ...aw, namespace, body: appWrapper(aw, 'wrapped', { ...rc, metadata: { ...rc.metadata, namespace } }, [{ replicas: 2, cpu: '50m' }]) });
    await until('AppWrapper dispatched', async () => /Running|Dispatched/.test(await state(kube, aw, namespace, 'wrapped')), 120_000);
    await until('RayCluster pods Running', async () => (await rayPods(kube, namespace, 'wrapped')) === 2, 120_000);
  });

  test('an AppWrapper wrapping a batch Job is dispatched and completes', async ({ cell, kube, namespace }) => {
    const aw = apiOf('mcad', cell.versions.mcad!, 'AppWrapper')!;
    const job = batchJob('job', { cpu: '1' });
    await kube.custom.createNamespacedCustomObject({ ...aw, namespace, body: appWrapper(aw, 'job', { ...job, metadata: { ...job.metadata, namespace } }, [{ replicas: 1, cpu: '1' }]) });
    await until('AppWrapper completed', async () => (await state(kube, aw, namespace, 'job')) === 'Completed', 180_000);
    expect((await kube.batch.readNamespacedJob({ namespace, name: 'job' })).status?.succeeded).toBe(1);
  });

  test('an AppWrapper larger than the nodes stays queued until a node is added', {
    annotation: requires({ capabilities: ['fake-nodes'], why: 'the test adds a node, which only a fake-node cluster can do on demand' }),
  }, async ({ cell, cluster, kube, namespace }) => {
    const aw = apiOf('mcad', cell.versions.mcad!, 'AppWrapper')!;
    const nodes = await kube.core.listNode();
    const biggest = Math.max(...nodes.items.map((n) => Number(n.status?.allocatable?.cpu ?? 0)));
    const cpu = String(Math.ceil(biggest * 0.75)); // one such pod per node at most
    const job = batchJob('large', { cpu, parallelism: nodes.items.length + 1 });
    await kube.custom.createNamespacedCustomObject({ ...aw, namespace, body: appWrapper(aw, 'large', { ...job, metadata: { ...job.metadata, namespace } }, [{ replicas: nodes.items.length + 1, cpu }]) });
    // MCAD's own word that it looked and found no room (multi-cluster-app-dispatcher@v1.34.1
    // queuejob_controller_ex.go: backoff with "Insufficient resources to dispatch AppWrapper.", the same v1.31–v1.40)
    await until('MCAD backs off for want of resources', async () => {
      const o = (await kube.custom.getNamespacedCustomObject({ ...aw, namespace, name: 'large' })) as { status?: { conditions?: { type: string; message?: string }[] } };
      return (o.status?.conditions ?? []).some((c) => c.type === 'Backoff' && /Insufficient resources/.test(c.message ?? ''));
    }, 120_000);
    expect(await state(kube, aw, namespace, 'large')).not.toMatch(/Running|Completed|Dispatched/);
    const extra = `extra-${namespace}`.slice(0, 63);
    await createNodes(cluster.kubeconfig, [{ name: extra, cpu: String(biggest), memory: '64Gi', gpu: 0, labels: {} }]);
    try {
      await until('large dispatched', async () => /Running|Completed|Dispatched/.test(await state(kube, aw, namespace, 'large')), 180_000);
    } finally {
      await kube.core.deleteNode({ name: extra }); // the cluster may serve the next cell
    }
  });
});
