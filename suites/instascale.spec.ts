// InstaScale e2e (era A, where the operator deploys it; era B, where it is compiled in and a cell
// that names it switches it on): with the Machine API CRDs and a MachineSet present (no cloud here: machines never
// boot), an AppWrapper that cannot be placed and orders an instance type makes InstaScale scale a
// MachineSet of that type up; scaling back down once the AppWrapper is deleted waits for those
// machines to be Ready first (instascale@v0.0.8 controllers/machineset.go, "REUSE: waiting for
// machines"), which takes OpenShift's machine controllers and a cloud.
import { test, expect, requires, type CellFixture, type Kube } from '../fixtures/index.js';
import { deployedByOperator } from '../fixtures/deployed.js';
import { apiOf, appWrapper, batchJob } from '../fixtures/objects.js';
import { machineApiCrds, machineSet, machineSetApi } from '../fixtures/openshift.js';
import { until } from '../harness/kube.js';

const MACHINE_NS = 'openshift-machine-api';
type MachineSet = { metadata: { name: string }; spec: { replicas?: number; template: { spec: { providerSpec: { value: { instanceType: string } } } } } };

/** InstaScale deployed by the operator, a g4dn.xlarge MachineSet, and an AppWrapper ordering one that fits no node. */
async function ordered(cell: CellFixture, kube: Kube, namespace: string) {
  await machineApiCrds(kube);
  // Era A: the operator deploys InstaScale from an InstaScale custom resource (its own e2e makes
  // none: it needs the machine API), at the version the catalog says it deploys by default. Era B:
  // compiled in, off unless the cell names InstaScale itself (the catalog's config.when).
  test.skip(cell.era === 'B' && cell.origin.instascale !== 'axis', 'InstaScale is compiled in and off by default in era B (instascale.enabled=false): name it in the cell (components.instascale) to switch it on');
  if (cell.era === 'A') {
    const { deployment, played } = await deployedByOperator(cell, kube, namespace, 'InstaScale', 'instascale', 'instascale');
    if (played?.error) throw new Error(`InstaScale ${played.version} did not start: ${played.error}`);
    await until('InstaScale controller Available', async () => (await kube.apps.readNamespacedDeployment({ namespace, name: deployment.metadata!.name! })).status?.availableReplicas === 1, 120_000);
  }
  // The last test's afterEach deletes the namespace without waiting: a retry waits until it is gone or still active.
  await until(`namespace ${MACHINE_NS} active`, async () => {
    const phase = await kube.core.readNamespace({ name: MACHINE_NS }).then((n) => n.status?.phase, () => undefined);
    if (phase === 'Active') return true;
    if (phase === undefined) await kube.core.createNamespace({ body: { metadata: { name: MACHINE_NS } } }).catch(() => {});
    return false;
  }, 120_000);
  await kube.custom.createNamespacedCustomObject({ ...machineSetApi, namespace: MACHINE_NS, body: machineSet(`matrix-g4dn-${namespace.slice(-6)}`, MACHINE_NS, 'g4dn.xlarge') });
  const sets = async () => ((await kube.custom.listNamespacedCustomObject({ ...machineSetApi, namespace: MACHINE_NS })) as { items: MachineSet[] }).items.filter((m) => m.spec.template.spec.providerSpec.value.instanceType === 'g4dn.xlarge');
  const wanted = async () => (await sets()).reduce((n, m) => n + (m.spec.replicas ?? 0), 0);
  const aw = apiOf('mcad', cell.versions.mcad!, 'AppWrapper')!;
  const job = batchJob('needs-gpu', { cpu: '200' }); // fits no fake node: stays queued
  const body = appWrapper(aw, 'needs-gpu', { ...job, metadata: { ...job.metadata, namespace } }, [{ replicas: 1, cpu: '200' }]) as { metadata: Record<string, unknown> };
  body.metadata.labels = { orderedinstance: 'g4dn.xlarge' };
  await kube.custom.createNamespacedCustomObject({ ...aw, namespace, body });
  await until('a g4dn.xlarge MachineSet scaled up', async () => (await wanted()) >= 1, 180_000);
  return { aw, wanted };
}

test.describe('InstaScale', { tag: '@instascale', annotation: requires({ components: ['instascale', 'mcad'], eras: ['A', 'B'] }) }, () => {
  test.afterEach(async ({ kube }) => {
    await kube.kubectl(['delete', 'namespace', MACHINE_NS, '--wait=false']);
  });

  test('a queued AppWrapper ordering an instance type scales its MachineSet up', async ({ cell, kube, namespace }) => {
    const { wanted } = await ordered(cell, kube, namespace);
    expect(await wanted()).toBe(1);
  });

  test('once its machines are Ready, deleting the AppWrapper scales the MachineSet back down', { annotation: requires({ capabilities: ['openshift-machine-api'], why: 'machines that become Ready: OpenShift machine controllers and a cloud' }) }, async ({ cell, kube, namespace }) => {
    const { aw, wanted } = await ordered(cell, kube, namespace);
    await kube.custom.deleteNamespacedCustomObject({ ...aw, namespace, name: 'needs-gpu' });
    await until('scaled back down', async () => (await wanted()) === 0, 180_000);
    expect(await wanted()).toBe(0);
  });
});
