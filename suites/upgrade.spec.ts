// Release upgrade cells (strategy `release`): setup installed the previous stack, made a RayCluster,
// then upgraded each component in place. What was made before must survive the upgrade and be
// reconciled by the new controllers. (The integration suite then runs on the upgraded stack.)
import { test, expect, requires, type Kube } from '../fixtures/index.js';
import { apiOf, rayApi, type Api } from '../fixtures/objects.js';
import type { CellFixture } from '../fixtures/index.js';

type Cell = CellFixture;
import { getObj, gone, rayPods, rayReady } from '../fixtures/wait.js';
import { until } from '../harness/kube.js';

test.describe('upgrade', { tag: '@upgrade', annotation: requires({ upgrade: true, components: ['kuberay'] }) }, () => {
  test('a RayCluster made before the upgrade survives it and is reconciled by the new controller', async ({ cell, kube }) => {
    const pre = cell.state.preUpgrade;
    expect(pre, 'setup made objects before the upgrade').toBeDefined();
    const api = rayApi(cell.versions.kuberay!);
    const name = pre!.rayClusters[0]!;
    await rayReady(kube, api, pre!.namespace, name, 2);
    // reconciled now, not only left standing: a change made after the upgrade takes effect
    const r = await kube.kubectl(['patch', `rayclusters.${api.version}.${api.group}`, name, '-n', pre!.namespace, '--type', 'json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/workerGroupSpecs/0/replicas', value: 2 }])]);
    expect(r.ok, r.all).toBe(true);
    await until('2 workers Running after the upgrade', async () => (await rayPods(kube, pre!.namespace, name)) === 3, 120_000);
    expect((await getObj(kube, api, pre!.namespace, name)).status?.state).toBe('ready');
  });
});

/** What setup made before the upgrade: its AppWrapper is still Running, and the new controller removes what it wrapped once it is deleted. */
async function inFlight(cell: Cell, kube: Kube, aw: Api): Promise<void> {
  const pre = cell.state.preUpgrade;
  const name = pre?.appWrappers?.[0];
  expect(name, 'setup made an AppWrapper in flight before the upgrade').toBeDefined();
  const ray = rayApi(cell.versions.kuberay!);
  const s = ((await getObj(kube, aw, pre!.namespace, name!)) as { status?: { phase?: string; state?: string } }).status;
  expect(s?.phase ?? s?.state).toBe('Running'); // v1beta2 says phase, MCAD's v1beta1 state
  await rayReady(kube, ray, pre!.namespace, name!, 2);
  await kube.custom.deleteNamespacedCustomObject({ ...aw, namespace: pre!.namespace, name: name! });
  await gone(kube, ray, pre!.namespace, name!);
}

test.describe('upgrade with an AppWrapper in flight', { tag: '@upgrade' }, () => {
  test('an AppWrapper Running before the upgrade is Running after it, and the new controller removes what it wrapped when it is deleted', { annotation: requires({ upgrade: true, components: ['kuberay', 'kueue', 'appwrapper'] }) }, async ({ cell, kube }) => {
    await inFlight(cell, kube, apiOf('appwrapper', cell.versions.appwrapper!, 'AppWrapper')!);
  });

  test('an MCAD AppWrapper dispatched before the upgrade is Running after it, and the new MCAD removes what it wrapped when it is deleted', { annotation: requires({ upgrade: true, components: ['kuberay', 'mcad'] }) }, async ({ cell, kube }) => {
    await inFlight(cell, kube, apiOf('mcad', cell.versions.mcad!, 'AppWrapper')!);
  });
});
