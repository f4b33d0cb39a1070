// Small helpers for the harness's own tests (the cluster helpers they share with the engine: kube.ts).
import { clients, until } from './kube.js';

export { clients, kube, until, type Kube } from './kube.js';
export { rejection, scratchDir } from '../lib/testing.js';

/** Kueue quota for tests: ResourceFlavor default-flavor, ClusterQueue cq (cpu, memory), namespace, LocalQueue lq. */
export async function kueueQueue(kubeconfig: string, o: { namespace: string; cpu: number; memory: string }): Promise<void> {
  const { core, custom } = clients(kubeconfig);
  const k = { group: 'kueue.x-k8s.io', version: 'v1beta1' };
  const apiVersion = 'kueue.x-k8s.io/v1beta1';
  await custom.createClusterCustomObject({ ...k, plural: 'resourceflavors', body: { apiVersion, kind: 'ResourceFlavor', metadata: { name: 'default-flavor' } } });
  await custom.createClusterCustomObject({
    ...k,
    plural: 'clusterqueues',
    body: { apiVersion, kind: 'ClusterQueue', metadata: { name: 'cq' }, spec: { namespaceSelector: {}, resourceGroups: [{ coveredResources: ['cpu', 'memory'], flavors: [{ name: 'default-flavor', resources: [{ name: 'cpu', nominalQuota: o.cpu }, { name: 'memory', nominalQuota: o.memory }] }] }] } },
  });
  await core.createNamespace({ body: { metadata: { name: o.namespace } } });
  await until('default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace: o.namespace }));
  await custom.createNamespacedCustomObject({ ...k, namespace: o.namespace, plural: 'localqueues', body: { apiVersion, kind: 'LocalQueue', metadata: { name: 'lq', namespace: o.namespace }, spec: { clusterQueue: 'cq' } } });
}
