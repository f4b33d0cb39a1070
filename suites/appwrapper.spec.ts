// AppWrapper e2e, wherever its controller runs (standalone in era E, embedded in the operator in
// era D): an AppWrapper in a LocalQueue is suspended by the webhooks, admitted by Kueue (its
// built-in AppWrapper integration), unwrapped by the AppWrapper controller, and its phase follows
// what it wraps; beyond the quota nothing is unwrapped; the webhooks refuse a malformed one;
// deleting it removes what it wrapped.
import { test, expect, requires, type Kube } from '../fixtures/index.js';
import { apiOf, appWrapper, batchJob, deployment, rayApi, rayCluster, type Api } from '../fixtures/objects.js';
import { dryRun, getObj, gone, rayPods } from '../fixtures/wait.js';
import { until } from '../harness/kube.js';
import { pendingForQuota } from '../fixtures/kueue.js';

type AppWrapperObj = { spec: { suspend?: boolean }; status?: { phase?: string } };

/** The AppWrapper API of the cell (the AppWrapper component serves it, standalone or embedded). */
const awApi = (v: string): Api => apiOf('appwrapper', v, 'AppWrapper')!;

/** An AppWrapper around `wrapped` in LocalQueue lq; podSets inferred by the controller for kinds it knows. */
const queued = (api: Api, name: string, wrapped: { kind: string }) => appWrapper(api, name, wrapped, [], { queue: 'lq' });

const phase = async (kube: Kube, api: Api, namespace: string, name: string) => ((await getObj(kube, api, namespace, name)) as unknown as AppWrapperObj).status?.phase;

test.describe('AppWrapper', { tag: '@appwrapper', annotation: requires({ components: ['appwrapper', 'kueue'] }) }, () => {
  test('a queued AppWrapper around a Job is suspended, admitted by Kueue, and Succeeds with its Job', async ({ cell, kube, namespace, quota }) => {
    await quota(4);
    const api = awApi(cell.versions.appwrapper!);
    const made = (await kube.custom.createNamespacedCustomObject({ ...api, namespace, body: queued(api, 'job', batchJob('job', { cpu: '250m' })) })) as AppWrapperObj;
    expect(made.spec.suspend).toBe(true); // held until Kueue admits it
    const wl = apiOf('kueue', cell.versions.kueue!, 'Workload')!;
    type Workload = { metadata: { ownerReferences?: { kind: string; name: string }[] }; status?: { admission?: { clusterQueue?: string } } };
    const admitted = await until('its Workload admitted', async () => ((await kube.custom.listNamespacedCustomObject({ ...wl, namespace })) as { items: Workload[] }).items.find((w) => w.status?.admission && w.metadata.ownerReferences?.some((o) => o.kind === 'AppWrapper' && o.name === 'job')), 120_000);
    expect(admitted.status!.admission!.clusterQueue).toBe(namespace);
    await until('AppWrapper Succeeded', async () => (await phase(kube, api, namespace, 'job')) === 'Succeeded', 180_000);
    // AppWrapper judges by its pods; the Job controller's status follows
    await until('its Job succeeded', async () => (await kube.batch.readNamespacedJob({ namespace, name: 'job' })).status?.succeeded === 1, 60_000);
    await kube.custom.deleteNamespacedCustomObject({ ...api, namespace, name: 'job' });
  });

  test('an AppWrapper around a RayCluster runs it; deleting the AppWrapper removes the RayCluster', { annotation: requires({ components: ['kuberay'] }) }, async ({ cell, kube, namespace, quota }) => {
    await quota(4);
    const api = awApi(cell.versions.appwrapper!);
    const ray = rayApi(cell.versions.kuberay!);
    await kube.custom.createNamespacedCustomObject({ ...api, namespace, body: queued(api, 'ray', rayCluster(ray, 'ray', { workers: 1 })) });
    await until('AppWrapper Running', async () => (await phase(kube, api, namespace, 'ray')) === 'Running', 240_000);
    await until('head and worker Running', async () => (await rayPods(kube, namespace, 'ray')) === 2, 120_000);
    await kube.custom.deleteNamespacedCustomObject({ ...api, namespace, name: 'ray' });
    await gone(kube, ray, namespace, 'ray'); // with it
  });

  // codeflare-operator@v1.16.0 test/e2e/deployment_appwrapper_test.go: Running, still Running a while later, gone with it.
  test('an AppWrapper around a Deployment is admitted and Running, and stays so; deleting it removes the Deployment', async ({ cell, kube, namespace, quota }) => {
    await quota(4);
    const api = awApi(cell.versions.appwrapper!);
    await kube.custom.createNamespacedCustomObject({ ...api, namespace, body: queued(api, 'deploy', deployment('deploy', { replicas: 2 })) });
    await until('AppWrapper Running', async () => (await phase(kube, api, namespace, 'deploy')) === 'Running', 180_000);
    await until('its Deployment available', async () => (await kube.apps.readNamespacedDeployment({ namespace, name: 'deploy' })).status?.availableReplicas === 2, 120_000);
    await new Promise((r) => setTimeout(r, 15_000));
    expect(await phase(kube, api, namespace, 'deploy')).toBe('Running');
    await kube.custom.deleteNamespacedCustomObject({ ...api, namespace, name: 'deploy' });
    await until('its Deployment gone', async () => kube.apps.readNamespacedDeployment({ namespace, name: 'deploy' }).then(() => false, (e: { code?: number }) => e.code === 404), 120_000);
  });

  test('beyond the quota an AppWrapper stays suspended and nothing it wraps is made', async ({ cell, kube, namespace, quota }) => {
    await quota(4);
    const api = awApi(cell.versions.appwrapper!);
    await kube.custom.createNamespacedCustomObject({ ...api, namespace, body: queued(api, 'big', batchJob('big', { cpu: '3', parallelism: 2 })) });
    expect(await pendingForQuota(kube, cell.versions.kueue!, namespace, { kind: 'AppWrapper', name: 'big' })).toMatch(/quota/i);
    expect(((await getObj(kube, api, namespace, 'big')) as unknown as AppWrapperObj).spec.suspend).toBe(true);
    await expect(kube.batch.readNamespacedJob({ namespace, name: 'big' })).rejects.toMatchObject({ code: 404 });
    await kube.custom.deleteNamespacedCustomObject({ ...api, namespace, name: 'big' });
  });

  test('the webhooks accept a valid AppWrapper and refuse a podSet path that is not in what it wraps', async ({ cell, kube, namespace }) => {
    const api = awApi(cell.versions.appwrapper!);
    const check = (body: { metadata: { name: string } }) => dryRun(kube, namespace, body, test.info().outputPath(`${body.metadata.name}.json`));
    const job = batchJob('job', { cpu: '250m' });
    const ok = await check(appWrapper(api, 'valid', job, [{ replicas: 1, cpu: '250m' }]));
    expect(ok.ok, ok.all).toBe(true);
    const bad = await check(appWrapper(api, 'invalid', job, [{ replicas: 1, cpu: '250m', path: 'template.spec.nothing' }]));
    expect(bad.ok).toBe(false);
    expect(bad.stderr).toMatch(/admission webhook .* denied/);
  });
});
