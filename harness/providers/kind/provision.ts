// One kind cluster for one cell: its kind config (Kubernetes version through the node image, node
// labels, the kubeadm patch the image names), then `kind create cluster`.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run } from '../../../lib/exec.js';
import { home } from '../../../lib/paths.js';
import { dockerOk, imageLabel } from '../../docker.js';
import { defaultVersions, toolchainEntry } from '../../toolchain/index.js';
import { defaultNodes, type ClusterSpec, type Log } from '../provider.js';
import { buildNodeImage, CNI_FILE, cniConfig, KUBEADM_PATCH_LABEL, podSubnet } from './nodeimage.js';
import { certsDir, containerdMirrorPatch, NODE_CERTS_DIR } from './mirror.js';

/**
 * kind cluster names carry this prefix, so the janitor can tell ours from anyone else's: `cfm-` and
 * a short hash of the harness's home. One Docker engine serves every home on the host (another
 * user's, a test's temporary one): a janitor takes for strays only the clusters of its own home.
 */
export const kindPrefix = (): string => `cfm-${createHash('sha256').update(home()).digest('hex').slice(0, 4)}-`;
export const kindName = (name: string): string => `${kindPrefix()}${name}`;

export function kindBinary(): string {
  return toolchainEntry('kind', defaultVersions().kind).bin.kind!;
}

/**
 * Several nodes: each reaches the others' pod subnets through their addresses on kind's network
 * (a static route per subnet in each node, as kindnetd would add), node i holding podSubnet(i) in
 * the config's order (kind names them <name>-control-plane, -worker, -worker2 …).
 */
async function routePods(name: string): Promise<void> {
  const r = await run(kindBinary(), ['get', 'nodes', '--name', kindName(name)]);
  if (!r.ok) throw new Error(`kind get nodes ${kindName(name)} failed: ${r.all.trim()}`);
  const order = (n: string) => (n.endsWith('-control-plane') ? 0 : Number(/-worker(\d*)$/.exec(n)?.[1] || 1));
  const nodes = r.stdout.trim().split('\n').filter(Boolean).sort((a, b) => order(a) - order(b));
  const ips = await Promise.all(nodes.map(async (n) => (await dockerOk(['inspect', '-f', '{{.NetworkSettings.Networks.kind.IPAddress}}', n])).trim()));
  for (const [i, n] of nodes.entries()) {
    for (const [j, ip] of ips.entries()) {
      if (i === j) continue;
      await dockerOk(['exec', n, 'ip', 'route', 'replace', podSubnet(order(nodes[j]!)), 'via', ip]);
    }
  }
}

/** A kubeconfig that reaches the cluster from a container on kind's network (the API server by its in-cluster name). */
export async function internalKubeconfig(name: string): Promise<string> {
  const r = await run(kindBinary(), ['get', 'kubeconfig', '--internal', '--name', kindName(name)]);
  if (!r.ok) throw new Error(`kind get kubeconfig --internal ${kindName(name)} failed: ${r.all.trim()}`);
  return r.stdout;
}

/** The node image to use: CODEFLARE_MATRIX_KIND_IMAGE (an upstream kindest/node where a registry answers), or one built here. */
export async function nodeImageFor(kubernetes: string, log: Log): Promise<{ image: string; patch?: object }> {
  const given = process.env.CODEFLARE_MATRIX_KIND_IMAGE;
  if (given) return { image: given };
  const built = await buildNodeImage(kubernetes, log);
  const patch = await imageLabel(built.tag, KUBEADM_PATCH_LABEL);
  return { image: built.tag, ...(patch ? { patch: JSON.parse(patch) as object } : {}) };
}

/**
 * The kind config: apiserver on 127.0.0.1, the image's own pod network; with `certs`, containerd's
 * registry hosts from that folder of the cluster's (its local registry's mirrors). One node, or a
 * control plane and `spec.workers` workers (as an upstream suite's own kind config has it), each
 * with its own pod subnet (its CNI configuration mounted from `dir`).
 */
export function kindConfig(spec: ClusterSpec, patch: object | undefined, certs?: string, dir?: string): string {
  // The suites select nodes on labels, not names: every node carries every spec'd node's labels.
  const labels = Object.assign({}, ...(spec.nodes ?? defaultNodes).map((n) => n.labels)) as Record<string, string>;
  const workers = dir ? (spec.workers ?? 0) : 0;
  const nodes = [...Array(workers + 1).keys()].map((i) => {
    const mounts = [...(certs ? [{ hostPath: certs, containerPath: NODE_CERTS_DIR, readOnly: true }] : []), ...(workers ? [{ hostPath: join(dir!, `cni-${i}.conflist`), containerPath: CNI_FILE, readOnly: true }] : [])];
    return { role: i ? 'worker' : 'control-plane', ...(Object.keys(labels).length ? { labels } : {}), ...(mounts.length ? { extraMounts: mounts } : {}) };
  });
  const config = {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    networking: { apiServerAddress: '127.0.0.1', ...(patch ? { disableDefaultCNI: true } : {}) },
    nodes,
    ...(patch ? { kubeadmConfigPatches: [stringify({ kind: 'ClusterConfiguration', ...patch })] } : {}),
    ...(certs ? { containerdConfigPatches: [containerdMirrorPatch] } : {}),
  };
  return stringify(config);
}

export async function provision(spec: ClusterSpec, dir: string, log: Log, timeoutMs: number): Promise<{ kubeconfig: string; image: string }> {
  const { image, patch } = await nodeImageFor(spec.kubernetes, log);
  const configFile = join(dir, 'kind-config.yaml');
  // the registry mirrors' folder exists from the start: containerd reads it at each pull, the mirrors come later
  mkdirSync(certsDir(spec.name), { recursive: true });
  for (let i = 0; i <= (spec.workers ?? 0); i++) if (spec.workers) writeFileSync(join(dir, `cni-${i}.conflist`), cniConfig(i));
  writeFileSync(configFile, kindConfig(spec, patch, certsDir(spec.name), dir));
  const kubeconfig = join(dir, 'kubeconfig');
  log(`kind create cluster --name ${kindName(spec.name)} --image ${image}`);
  const r = await run(kindBinary(), ['create', 'cluster', '--name', kindName(spec.name), '--image', image, '--config', configFile, '--kubeconfig', kubeconfig, '--wait', `${Math.round(timeoutMs / 1000)}s`, '--retain'], {
    timeout: timeoutMs + 120_000,
  });
  if (!r.ok) {
    // kind prints kubeadm's whole output; the lines that say what failed are its ERROR and kubeadm's phase error.
    const lines = r.all.trim().split('\n');
    const why = lines.filter((l) => /^ERROR:|error execution phase|\[ERROR|timed out/.test(l)).slice(0, 3);
    throw new Error(`kind create cluster ${kindName(spec.name)} failed: ${(why.length ? why : lines.slice(-4)).join(' | ')}`);
  }
  chmodSync(kubeconfig, 0o600);
  if (spec.workers) await routePods(spec.name);
  return { kubeconfig, image };
}
