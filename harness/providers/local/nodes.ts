// Fake nodes for kwok: plain Node objects with the annotation kwok manages, capacity (CPU,
// memory, pods, nvidia.com/gpu) and labels. kwok then keeps them Ready and runs their pods.
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { NodeSpec } from '../provider.js';

export function nodeObject(n: NodeSpec): V1Node {
  const capacity: Record<string, string> = { cpu: n.cpu, memory: n.memory, pods: n.pods ?? '110' };
  if (n.gpu > 0) capacity['nvidia.com/gpu'] = String(n.gpu);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok', 'codeflare-matrix.io/fake-node': 'true', ...n.labels },
    },
    status: { capacity, allocatable: capacity },
  };
}

function core(kubeconfig: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

export async function createNodes(kubeconfig: string, nodes: NodeSpec[]): Promise<void> {
  const api = core(kubeconfig);
  for (const n of nodes) await api.createNode({ body: nodeObject(n) });
}

/** True when at least `count` fake nodes report Ready. */
export async function waitNodesReady(kubeconfig: string, count: number): Promise<boolean> {
  const list = await core(kubeconfig).listNode({ labelSelector: 'codeflare-matrix.io/fake-node=true' });
  const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  return ready.length >= count;
}
