// The whole chain in one test, as the stack is used: the SDK creates, MCAD or Kueue admits,
// KubeRay creates the pods, the pods run (on fake nodes: Running, no process), the SDK sees the
// cluster ready, down() removes everything. (That Ray itself runs in those pods needs real pods:
// KubeRay's dashboard test, marked for such providers.)
import { test, expect, blocked, requires } from '../fixtures/index.js';
import { apiOf, rayApi } from '../fixtures/objects.js';
import { sdkOptions, sdkScript } from '../fixtures/sdk-script.js';
import { rayPods } from '../fixtures/wait.js';
import { until } from '../harness/kube.js';

test.describe('integration', { tag: '@integration', annotation: requires({ components: ['codeflare-sdk', 'kuberay'] }) }, () => {
  test('SDK up() → admitted → KubeRay pods Running → SDK sees READY → down() removes everything', async ({ cell, cluster, kube, namespace, sdk, quota }) => {
    if (cell.versions.kueue) await quota(16);
    const opts = JSON.stringify(sdkOptions(cell.versions));
    await sdk.ok(sdkScript, ['up', 'chain', namespace, opts]);

    // admitted: by Kueue (a Workload for the RayCluster with an admission) or by MCAD (the AppWrapper
    // dispatched); with neither (era C) the SDK makes the RayCluster itself
    if (cell.versions.kueue) {
      const wl = apiOf('kueue', cell.versions.kueue, 'Workload')!;
      await until('Workload admitted', async () => ((await kube.custom.listNamespacedCustomObject({ ...wl, namespace })) as { items: { status?: { admission?: unknown } }[] }).items.some((w) => w.status?.admission));
    } else if (cell.versions.mcad) {
      const aw = apiOf('codeflare-sdk', cell.versions['codeflare-sdk']!, 'AppWrapper')!;
      await until('AppWrapper dispatched', async () => /Running|Dispatched|Resuming/i.test(((await kube.custom.getNamespacedCustomObject({ ...aw, namespace, name: 'chain' })) as { status?: { state?: string; phase?: string } }).status?.state ?? ''));
    }
    await until('head and worker pods Running', async () => (await rayPods(kube, namespace, 'chain')) === 2, 180_000);
    // What is left needs OpenShift's router (an SDK before 0.11 reads the host it gives the dashboard Route).
    if (cell.needs.includes('openshift-router') && !cluster.capabilities.includes('openshift-router')) {
      await sdk.ok(sdkScript, ['down', 'chain', namespace, opts]);
      blocked(`up() → dispatched → pods Running passed; status() needs OpenShift's router (codeflare-sdk ${sdk.version} reads the dashboard Route's host): runs on an existing OpenShift cluster`);
    }
    const status = await sdk.ok(sdkScript, ['status', 'chain', namespace, opts]);
    expect(status.stdout, status.all).toContain('STATUS READY True');

    await sdk.ok(sdkScript, ['down', 'chain', namespace, opts]);
    const api = rayApi(cell.versions.kuberay!);
    await until('RayCluster gone', async () => ((await kube.custom.listNamespacedCustomObject({ ...api, namespace })) as { items: unknown[] }).items.length === 0);
    await until('pods gone', async () => (await kube.core.listNamespacedPod({ namespace })).items.length === 0, 120_000);
  });

});
