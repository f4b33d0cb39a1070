// A kind cluster's ingress controller, made on first need (a test that reaches an Ingress by its
// host, as the operator's e2e reaches its Ray dashboard): Traefik, built here from its Go module
// (harness/toolchain, versions.yaml says why Traefik), in a pod on the control-plane node's own
// network. Its kubernetesIngress provider takes Ingresses with no class, as the operator makes the
// dashboard's (codeflare-operator@v1.16.0 pkg/controllers/support.go:80-100), and writes the node's
// address into their status, which the tests wait for. The node's port 80 is on kind's network,
// which the host reaches: the tests send their HTTP there as to a proxy (HTTP_PROXY; Go leaves
// loopback, the API server's address, direct), and Traefik routes each request by its Host.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run } from '../../../lib/exec.js';
import { clients, until } from '../../kube.js';
import { defaultVersions, ensureToolchain, kubectlFor, toolchainEntry } from '../../toolchain/index.js';
import { dockerOk } from '../../docker.js';
import { clusterDir, readState } from '../state.js';
import type { ClusterIngress, Log } from '../provider.js';
import { filesImage } from './images.js';

export const INGRESS_NAMESPACE = 'codeflare-matrix-ingress';

/**
 * RBAC as Traefik's own docs give it for the provider (docs/content/reference/routing-configuration/kubernetes/ingress.md,
 * v3.6.12), with nodes, which its client watches unless cluster-scope resources are off (pkg/provider/kubernetes/ingress/client.go:222).
 */
const rules = [
  { apiGroups: [''], resources: ['services', 'secrets', 'nodes'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['extensions', 'networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['extensions', 'networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
];

function objects(image: string): object[] {
  const name = 'traefik';
  const meta = { name, namespace: INGRESS_NAMESPACE };
  const labels = { app: name };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: INGRESS_NAMESPACE } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'codeflare-matrix-traefik' }, rules },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'codeflare-matrix-traefik' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'codeflare-matrix-traefik' }, subjects: [{ kind: 'ServiceAccount', ...meta }] },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta,
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            // the node's own network: port 80 on its address on kind's network
            hostNetwork: true,
            nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name,
                image,
                imagePullPolicy: 'IfNotPresent',
                env: [{ name: 'NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }],
                // no version check or usage report: nothing leaves the cluster for Traefik's own servers
                args: ['--entryPoints.web.address=:80', '--providers.kubernetesIngress=true', '--providers.kubernetesIngress.ingressEndpoint.ip=$(NODE_IP)', '--global.checkNewVersion=false', '--global.sendAnonymousUsage=false', '--log.level=INFO'],
                ports: [{ name: 'web', containerPort: 80 }],
                readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 2 },
                resources: { requests: { cpu: '50m', memory: '64Mi' } },
              },
            ],
          },
        },
      },
    },
  ];
}

/** The cluster's ingress controller: running already (its pod ready), or installed now. */
export async function clusterIngress(name: string, load: (image: string) => Promise<void>, log: Log): Promise<ClusterIngress> {
  const state = readState(name);
  if (!state) throw new Error(`no cluster ${name}`);
  const version = defaultVersions().traefik;
  const image = `codeflare-matrix/traefik:${version}`;
  const { core } = clients(state.kubeconfig);
  const ready = async () => (await core.listNamespacedPod({ namespace: INGRESS_NAMESPACE, labelSelector: 'app=traefik' }).catch(() => ({ items: [] }))).items.find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  let pod = await ready();
  if (!pod) {
    await ensureToolchain({ kubernetes: [], tools: ['traefik'], log });
    await filesImage(image, { '/traefik': toolchainEntry('traefik', version).bin.traefik! }, { entrypoint: ['/traefik'] }, [version], log);
    await load(image);
    const file = join(clusterDir(name), 'ingress.yaml');
    writeFileSync(file, objects(image).map((o) => stringify(o)).join('---\n'), { mode: 0o600 });
    const r = await run(kubectlFor(state.kubernetes), ['--kubeconfig', state.kubeconfig, 'apply', '--server-side', '--field-manager=codeflare-matrix', '-f', file], { timeout: 120_000 });
    if (!r.ok) throw new Error(`the API server rejected the ingress controller's objects: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    pod = await until('the ingress controller ready', ready, 180_000);
    log(`ingress: Traefik ${version} on the control-plane node's network`);
  }
  const proxy = `http://${pod.status!.hostIP}:80`;
  // what was built, as the toolchain's manifest says it
  const module = toolchainEntry('traefik', version).manifest.module.path;
  return { proxy, controller: { name: 'traefik', module, version, image, digest: (await dockerOk(['image', 'inspect', '--format', '{{.Id}}', image])).trim() } };
}
