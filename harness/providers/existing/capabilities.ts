// What a cluster someone else runs can show, asked of its API server: the API groups OpenShift's
// router, its Machine API and Open Data Hub serve, and whether its nodes run containers.
import { ApisApi, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Capability } from '../../../matrix/ids.js';

/** The API group whose presence shows a capability. */
export const capabilityGroups: [Capability, string][] = [
  ['openshift-router', 'route.openshift.io'],
  ['openshift-machine-api', 'machine.openshift.io'],
  ['opendatahub', 'dscinitialization.opendatahub.io'],
];

/** kwok's annotation on the nodes it stands for: such a node runs no container. */
const FAKE_NODE = 'kwok.x-k8s.io/node';

/** The capabilities the cluster shows now: each API group it serves, and real pods where a Ready node is not a fake one. */
export async function detectCapabilities(kc: KubeConfig): Promise<Capability[]> {
  const groups = new Set((await kc.makeApiClient(ApisApi).getAPIVersions()).groups.map((g) => g.name));
  const nodes = (await kc.makeApiClient(CoreV1Api).listNode()).items;
  const ready = (n: (typeof nodes)[number]) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  const realPods = nodes.some((n) => n.metadata?.annotations?.[FAKE_NODE] !== 'fake' && ready(n));
  return [...(realPods ? ['real-pods' as const] : []), ...capabilityGroups.filter(([, group]) => groups.has(group)).map(([c]) => c)];
}
