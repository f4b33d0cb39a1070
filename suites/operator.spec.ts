// CodeFlare Operator e2e, per era (as codeflare-operator@v0.2.3 and @v1.16.0 test/e2e test them): what each era's operator does.
//   A       its MCAD and InstaScale custom resources deploy those controllers
//   ≥ 1.3   its RayCluster controller adds the objects KubeRay does not make (Ingress; NetworkPolicies from 1.4)
//   ≥ 1.4.2 its webhooks accept a valid and reject an invalid RayCluster and AppWrapper
//   (era D's embedded AppWrapper controller: suites/appwrapper.spec.ts, as for the standalone one)
import { test, expect, blocked, requires } from '../fixtures/index.js';
import { apiOf, appWrapper, batchJob, rayApi, rayCluster, workloadImages } from '../fixtures/objects.js';
import { until } from '../harness/kube.js';
import { dryRun, rayReady } from '../fixtures/wait.js';
import { deployedByOperator, ownedBy, type Owned } from '../fixtures/deployed.js';


test.describe('CodeFlare Operator', { tag: '@operator', annotation: requires({ components: ['codeflare-operator'] }) }, () => {
  test('era A: MCAD and InstaScale custom resources deploy their controllers, at the versions the operator names, and they run', { annotation: requires({ eras: ['A'] }) }, async ({ cell, kube, namespace }, testInfo) => {
    test.setTimeout(15 * 60_000); // a controller the operator names is built at first sight (minutes, cold)
    const held: string[] = [];
    for (const [kind, id] of [['MCAD', 'mcad'], ['InstaScale', 'instascale']] as const) {
      // Not the name of the cell's own MCAD (codeflare-system/mcad): the operator names the cluster-scoped
      // RBAC after the custom resource alone (codeflare-operator@v0.2.2
      // config/internal/mcad/clusterrolebinding_mcad-controller.yaml.tmpl: {{.Name}}-mcad-controller-crb).
      // A name of each attempt's own, so a retry never finds the cluster-scoped RBAC an earlier attempt left.
      const name = `${kind.toLowerCase()}-e2e${testInfo.retry ? `-r${testInfo.retry}` : ''}`;
      const { deployment, named, played, reconcile } = await deployedByOperator(cell, kube, namespace, kind, id, name);
      // The image the operator chose names the version the catalog says it deploys by default.
      expect(named).toEqual({ id, version: cell.versions[id] });
      await until(`${kind} controller Available`, async () => (await kube.apps.readNamespacedDeployment({ namespace, name: deployment.metadata!.name! })).status?.availableReplicas === 1, 120_000);
      if (!played) continue;
      // Without network namespaces (not root), played pods share the host's network: the cell's own
      // controller (deployed at setup) holds a port this version binds fixed, and a second process
      // cannot bind it. As root each played pod has a network of its own, as on kind.
      if (played.hostPort) {
        held.push(`${id} ${played.version} binds ${played.hostPort} fixed and the cell's other ${id} holds it: processes standing for pods share the host's network here (no network namespaces: not root, or CODEFLARE_MATRIX_NETNS=0); it runs as root, or on kind`);
        continue;
      }
      // A controller that cannot start because the operator stopped short of its RBAC says so.
      expect(played.error ?? '', reconcile && `the operator's reconcile of ${kind} ${name} fails: ${reconcile}`).toBe('');
      expect(played).toMatchObject({ component: id, version: cell.versions[id], phase: 'running' });
      expect(played.provenance?.resolved).toBe(cell.versions[id]);
    }
    if (held.length) blocked(`the rest passed; ${held.join('; ')}`);
  });

  // codeflare-operator@v1.4.1 pkg/controllers/raycluster_controller.go: the dashboard Ingress first,
  // then the NetworkPolicies (after looking up the DSCInitialization, an OpenShift AI object).
  // v1.3.x make no NetworkPolicies (codeflare-operator@v1.3.1 pkg/controllers has none). v1.4–v1.15
  // return before them where the DSCInitialization API is missing (codeflare-operator@v1.15.0
  // raycluster_controller.go:273, an error other than NotFound); v1.16 looks it up on OpenShift only.
  const made = [
    { kind: 'ingresses', title: 'v1.3 on: the RayCluster controller adds its dashboard Ingress', range: '>=1.3.0' },
    { kind: 'networkpolicies', title: 'v1.4–v1.15, with Open Data Hub: the RayCluster controller adds its NetworkPolicies', range: '>=1.4.0 <1.16.0', capabilities: ['opendatahub' as const], why: 'these versions read its DSCInitialization API first' },
    { kind: 'networkpolicies', title: 'v1.16 on: the RayCluster controller adds its NetworkPolicies', range: '>=1.16.0' },
  ];
  for (const { kind, title, range, capabilities, why } of made) {
    test(title, { annotation: requires({ components: ['kuberay'], versions: { 'codeflare-operator': range }, ...(capabilities ? { capabilities, why } : {}) }) }, async ({ cell, kube, namespace }) => {
      const api = rayApi(cell.versions.kuberay!);
      await kube.custom.createNamespacedCustomObject({ ...api, namespace, body: rayCluster(api, 'rc', { workers: 1 }) });
      const mine = ownedBy('RayCluster', 'rc');
      const list = async () => (JSON.parse((await kube.kubectl(['get', kind, '-n', namespace, '-o', 'json'])).stdout || '{"items":[]}') as { items: Owned[] }).items;
      await until(`${kind} owned by the RayCluster`, async () => (await list()).some(mine), 120_000);
    });
  }

  // codeflare-operator@v1.16.0 test/e2e/mnist_rayjob_raycluster_test.go, without MNIST: a RayJob
  // submitted to a RayCluster the operator manages (its webhook mutated it: mTLS certificates from
  // the create-cert init container) runs Ray to completion.
  test('v1.3 on, real pods: a RayJob on a RayCluster the operator manages succeeds', { annotation: requires({ components: ['kuberay'], versions: { 'codeflare-operator': '>=1.3.0', kuberay: '>=1.0.0' }, capabilities: ['real-pods'] }) }, async ({ cell, kube, namespace }) => {
    test.setTimeout(10 * 60_000);
    const api = rayApi(cell.versions.kuberay!);
    await kube.custom.createNamespacedCustomObject({ ...api, namespace, body: rayCluster(api, 'rc', { workers: 1 }) });
    await rayReady(kube, api, namespace, 'rc', 2, 300_000);
    const job = { group: api.group, version: api.version, plural: 'rayjobs' };
    const entrypoint = `python -c "import ray; ray.init(); print('cpus', ray.cluster_resources().get('CPU'))"`;
    const submitter = { spec: { restartPolicy: 'Never', containers: [{ name: 'submitter', image: workloadImages.ray, resources: { requests: { cpu: '50m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } } }] } };
    await kube.custom.createNamespacedCustomObject({ ...job, namespace, body: { apiVersion: api.apiVersion, kind: 'RayJob', metadata: { name: 'job' }, spec: { clusterSelector: { 'ray.io/cluster': 'rc' }, entrypoint, submitterPodTemplate: submitter } } });
    type RayJob = { status?: { jobStatus?: string; jobDeploymentStatus?: string; message?: string } };
    const done = await until('RayJob finished', async () => {
      const s = ((await kube.custom.getNamespacedCustomObject({ ...job, namespace, name: 'job' })) as RayJob).status;
      return ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(s?.jobStatus ?? '') || s?.jobDeploymentStatus === 'Failed' ? s : undefined;
    }, 480_000);
    expect(done.jobStatus, JSON.stringify(done)).toBe('SUCCEEDED');
  });

  test('v1.4.2 on: webhooks accept a valid RayCluster and AppWrapper and reject invalid ones', { annotation: requires({ components: ['kuberay', 'appwrapper'], versions: { 'codeflare-operator': '>=1.4.2' } }) }, async ({ cell, kube, namespace }) => {
    const check = (body: { metadata: { name: string } }) => dryRun(kube, namespace, body, test.info().outputPath(`${body.metadata.name}.json`));
    const api = rayApi(cell.versions.kuberay!);
    const valid = rayCluster(api, 'valid');
    expect((await check(valid)).ok).toBe(true);
    // the operator's RayCluster webhook refuses enableIngress (it makes its own Ingress/Route)
    const invalid = { ...valid, metadata: { name: 'invalid' }, spec: { ...valid.spec, headGroupSpec: { ...valid.spec.headGroupSpec, enableIngress: true } } };
    const refused = await check(invalid);
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toMatch(/admission webhook .* denied/);
    const aw = apiOf('codeflare-operator', cell.versions['codeflare-operator']!, 'AppWrapper')!;
    const job = batchJob('job');
    expect((await check(appWrapper(aw, 'valid-aw', job, [{ replicas: 1, cpu: '1' }]))).ok).toBe(true);
    // a podSet path that is not in the wrapped object
    const bad = await check(appWrapper(aw, 'invalid-aw', job, [{ replicas: 1, cpu: '1', path: 'template.spec.nothing' }]));
    expect(bad.ok).toBe(false);
    expect(bad.stderr).toMatch(/admission webhook .* denied/);
  });
});
