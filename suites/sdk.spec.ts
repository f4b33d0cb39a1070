// The CodeFlare SDK at the cell's version, from PyPI in its own virtualenv, as a user drives it,
// checked on the API server: the objects that version creates (catalog `creates`: an AppWrapper
// v1beta1/v1beta2 or a RayCluster), their removal by down().
import { test, expect, requires } from '../fixtures/index.js';
import { apiOf } from '../fixtures/objects.js';
import { sdkOptions, sdkScript } from '../fixtures/sdk-script.js';
import { until } from '../harness/kube.js';

test.describe('CodeFlare SDK', { tag: '@sdk', annotation: requires({ components: ['codeflare-sdk', 'kuberay'] }) }, () => {
  test('ClusterConfiguration → up() creates the objects its version creates; down() removes them', async ({ cell, kube, namespace, sdk, quota }) => {
    if (cell.versions.kueue) await quota(16);
    const opts = JSON.stringify(sdkOptions(cell.versions));
    await sdk.ok(sdkScript, ['up', 'demo', namespace, opts]);
    const sdkVersion = cell.versions['codeflare-sdk']!;
    // Through MCAD (eras A, B) the SDK wraps the RayCluster in an AppWrapper; otherwise it creates the RayCluster.
    const aw = cell.versions.mcad && !cell.versions.kueue ? apiOf('codeflare-sdk', sdkVersion, 'AppWrapper') : undefined;
    const api = aw ?? apiOf('codeflare-sdk', sdkVersion, 'RayCluster')!;
    const made = (await kube.custom.getNamespacedCustomObject({ ...api, namespace, name: 'demo' })) as { metadata: { labels?: Record<string, string> } };
    if (cell.versions.kueue) expect(made.metadata.labels?.['kueue.x-k8s.io/queue-name']).toBe('lq');
    await sdk.ok(sdkScript, ['down', 'demo', namespace, opts]);
    await until(`${api.kind} demo gone`, async () => ((await kube.custom.listNamespacedCustomObject({ ...api, namespace })) as { items: unknown[] }).items.length === 0);
  });
});
