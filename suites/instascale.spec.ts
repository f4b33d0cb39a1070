// InstaScale e2e (era A, where the operator deploys it; in era B it is compiled in but off by
// default): with the Machine API CRDs and a MachineSet present (no cloud: machines never boot),
// an AppWrapper that cannot be placed and orders an instance type makes InstaScale scale a
// MachineSet of that type up, and back down once the AppWrapper is deleted.
import { test, expect, requires } from '../fixtures/index.js';
import { apiOf, appWrapper, batchJob } from '../fixtures/objects.js';
import { machineApiCrds, machineSet, machineSetApi } from '../fixtures/openshift.js';
import { until } from '../harness/testing.js';

const MACHINE_NS = 'openshift-machine-api';
type MachineSet = { metadata: { name: string }; spec: { replicas?: number; template: { spec: { providerSpec: { value: { instanceType: string } } } } } };

test.describe('InstaScale', { tag: '@instascale', annotation: requires({ components: ['instascale', 'mcad'], eras: ['A'], why: 'InstaScale is disabled by default in era B (instascale.enabled=false)' }) }, () => {
  test('a queued AppWrapper ordering an instance type scales its MachineSet up, and down after deletion', async ({ cell, kube, namespace }) => {
    await machineApiCrds(kube);
    await kube.core.createNamespace({ body: { metadata: { name: MACHINE_NS } } }).catch((e: { code?: number }) => {
      if (e.code !== 409) throw e;
    });
    await kube.custom.createNamespacedCustomObject({ ...machineSetApi, namespace: MACHINE_NS, body: machineSet('matrix-g4dn', MACHINE_NS, 'g4dn.xlarge') });
    const sets = async () => ((await kube.custom.listNamespacedCustomObject({ ...machineSetApi, namespace: MACHINE_NS })) as { items: MachineSet[] }).items.filter((m) => m.spec.template.spec.providerSpec.value.instanceType === 'g4dn.xlarge');
    const wanted = async () => (await sets()).reduce((n, m) => n + (m.spec.replicas ?? 0), 0);
    try {
      const aw = apiOf('mcad', cell.versions.mcad!, 'AppWrapper')!;
      const job = batchJob('needs-gpu', { cpu: '200' }); // fits no fake node: stays queued
      const body = appWrapper(aw, 'needs-gpu', { ...job, metadata: { ...job.metadata, namespace } }, [{ replicas: 1, cpu: '200' }]) as { metadata: Record<string, unknown> };
      body.metadata.labels = { orderedinstance: 'g4dn.xlarge' };
      await kube.custom.createNamespacedCustomObject({ ...aw, namespace, body });
      await until('a g4dn.xlarge MachineSet scaled up', async () => (await wanted()) >= 1, 180_000);
      await kube.custom.deleteNamespacedCustomObject({ ...aw, namespace, name: 'needs-gpu' });
      await until('scaled back down', async () => (await wanted()) === 0, 180_000);
      expect(await wanted()).toBe(0);
    } finally {
      await kube.kubectl(['delete', 'namespace', MACHINE_NS, '--wait=false']);
    }
  });
});
