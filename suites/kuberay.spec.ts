// KubeRay (ray-operator) e2e, at the cell's KubeRay version and the API version it serves.
// What fake nodes cannot show: no process runs inside a pod, so Ray itself never starts — the
// dashboard and a Ray job are tested only on a provider with real pods.
import { test, expect, requires } from '../fixtures/index.js';
import { rayApi, rayCluster } from '../fixtures/objects.js';
import { createObj, getObj, rayPods, rayReady } from '../fixtures/wait.js';
import { until } from '../harness/kube.js';

test.describe('KubeRay', { tag: '@kuberay', annotation: requires({ components: ['kuberay'] }) }, () => {
  test("a RayCluster's head and workers reach Running and its status says so", async ({ cell, kube, namespace }) => {
    const api = rayApi(cell.versions.kuberay!);
    await createObj(kube, api, namespace, rayCluster(api, 'rc', { workers: 2 }));
    const rc = await rayReady(kube, api, namespace, 'rc', 3);
    expect(rc.status.state).toBe('ready');
    const head = await kube.core.listNamespacedPod({ namespace, labelSelector: 'ray.io/cluster=rc,ray.io/node-type=head' });
    expect(head.items).toHaveLength(1);
    // the head Service KubeRay makes for clients and the dashboard
    const svc = await kube.core.listNamespacedService({ namespace, labelSelector: 'ray.io/cluster=rc' });
    expect(svc.items.length).toBeGreaterThan(0);
  });

  test('scaling workers up, then down by naming the worker to delete', async ({ cell, kube, namespace }) => {
    const api = rayApi(cell.versions.kuberay!);
    await createObj(kube, api, namespace, rayCluster(api, 'rc', { workers: 1 }));
    await rayReady(kube, api, namespace, 'rc', 2);
    const patch = (ops: object[]) => kube.kubectl(['patch', `rayclusters.${api.version}.${api.group}`, 'rc', '-n', namespace, '--type', 'json', '-p', JSON.stringify(ops)]);
    // Up to 2 workers: a real node here (2 cores, a control plane, KubeRay's and Kueue's controllers)
    // holds a head and two workers, each with KubeRay's own init container request.
    const up = await patch([{ op: 'replace', path: '/spec/workerGroupSpecs/0/replicas', value: 2 }]);
    expect(up.ok, up.all).toBe(true);
    await until('2 workers Running', async () => (await rayPods(kube, namespace, 'rc')) === 3, 180_000);
    // Scale-down deletes the workers named in scaleStrategy (every KubeRay version honours it).
    const workers = await kube.core.listNamespacedPod({ namespace, labelSelector: 'ray.io/cluster=rc,ray.io/node-type=worker' });
    const victims = workers.items.slice(0, 1).map((p) => p.metadata!.name!);
    const down = await patch([
      { op: 'replace', path: '/spec/workerGroupSpecs/0/replicas', value: 1 },
      { op: 'add', path: '/spec/workerGroupSpecs/0/scaleStrategy', value: { workersToDelete: victims } },
    ]);
    expect(down.ok, down.all).toBe(true);
    await until('1 worker left', async () => (await rayPods(kube, namespace, 'rc')) === 2, 120_000);
    const left = await kube.core.listNamespacedPod({ namespace, labelSelector: 'ray.io/cluster=rc,ray.io/node-type=worker' });
    expect(left.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name)).not.toContain(victims[0]);
  });

  test('deleting a RayCluster removes its pods and services', async ({ cell, kube, namespace }) => {
    const api = rayApi(cell.versions.kuberay!);
    await createObj(kube, api, namespace, rayCluster(api, 'rc', { workers: 1 }));
    await rayReady(kube, api, namespace, 'rc', 2);
    await kube.custom.deleteNamespacedCustomObject({ ...api, namespace, name: 'rc' });
    await until('RayCluster gone', async () => !(await getObj(kube, api, namespace, 'rc').catch(() => undefined)));
    await until('pods gone', async () => (await kube.core.listNamespacedPod({ namespace, labelSelector: 'ray.io/cluster=rc' })).items.length === 0, 120_000);
    await until('services gone', async () => (await kube.core.listNamespacedService({ namespace, labelSelector: 'ray.io/cluster=rc' })).items.length === 0, 120_000);
  });

  test('the Ray dashboard answers on the head Service', {
    tag: '@real-pods',
    annotation: requires({ capabilities: ['real-pods'], why: 'fake nodes run no process inside pods: Ray never starts' }),
  }, async ({ cell, kube, namespace }) => {
    const api = rayApi(cell.versions.kuberay!);
    await createObj(kube, api, namespace, rayCluster(api, 'rc', { workers: 0 }));
    await rayReady(kube, api, namespace, 'rc', 1, 600_000);
    // "ready" before KubeRay v1.1 means the pods Run (no readiness probe on the dashboard): it may
    // still be starting, as a user would find and retry
    let last = '';
    await until('the dashboard answers', async () => {
      const r = await kube.kubectl(['get', '--raw', `/api/v1/namespaces/${namespace}/services/rc-head-svc:dashboard/proxy/api/version`]);
      last = r.all;
      return r.ok;
    }, 120_000).catch((e: Error) => {
      throw new Error(`${e.message}: ${last.trim().split('\n').pop()}`);
    });
  });
});
