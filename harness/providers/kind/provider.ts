// The kind provider: a real node (systemd, containerd, kubelet) in a Docker container per cluster,
// from a node image assembled here with no registry. Real pods run; images are loaded, not pulled.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../../lib/errors.js';
import { run } from '../../../lib/exec.js';
import { home } from '../../../lib/paths.js';
import { docker, requireEngine } from '../../docker.js';
import { asCluster, clusterDir, clusterNames, creatingState, kubeconfigOf, readState, readyState, saveState } from '../state.js';
import { clusterName, type ClientEnv, type ClientExtras, type Cluster, type ClusterSpec, type ClusterStatus, type Log, type Provider } from '../provider.js';
import { sdkContainer } from './sdk-container.js';
import { sdkImage, workloadImage } from './workloads.js';
import { exportLogs } from './logs.js';
import { mirrorImage, pulledAlways, stopMirror } from './mirror.js';
import { kindBinary, kindName, kindPrefix, provision } from './provision.js';
import { kindHostAddress } from './host-address.js';
import { clusterIngress } from './ingress.js';

export class KindProvider implements Provider {
  readonly name = 'kind' as const;
  readonly capabilities = ['real-pods', 'ingress'] as const;
  readonly installMode = 'image' as const;
  /** Pods have networks of their own. */
  readonly ownNetwork = true;
  readonly workers = true;
  readonly images = {
    workload: (image: string, log: Log) => workloadImage(image, log),
    client: (sdk: ClientEnv, log: Log) => sdkImage(sdk, log),
    clientContainer: (sdk: ClientEnv, cluster: string, extras?: ClientExtras) => sdkContainer(sdk, cluster, extras),
    mirror: (cluster: string, image: string, log: Log) => mirrorImage(cluster, image, log),
    // every kind cluster of ours is on docker's `kind` network
    hostAddress: () => kindHostAddress(),
  };
  async orphans() {
    return (await strayKindClusters()).map((kind) => ({ name: kind, why: 'no cluster folder of ours names it', remove: () => deleteKindCluster(kind) }));
  }
  /** kubeadm init plus the node becoming Ready; a minute here, more under load. */
  timeoutMs = 1000 * Number(process.env.CODEFLARE_MATRIX_KIND_TIMEOUT ?? 240);

  async create(spec: ClusterSpec, log: Log = () => {}): Promise<Cluster> {
    if (!clusterName.test(spec.name) || kindName(spec.name).length > 40) {
      throw new UserError(`"${spec.name}" is not a kind cluster name`, 'cluster', `use lowercase letters, digits and -, at most ${40 - kindPrefix().length} characters`);
    }
    if (readState(spec.name) || existsSync(clusterDir(spec.name))) {
      throw new UserError(`cluster ${spec.name} already exists`, clusterDir(spec.name), `use it, or remove it: npx codeflare-matrix cluster down ${spec.name}`);
    }
    await requireEngine('the kind provider');
    const dir = clusterDir(spec.name);
    mkdirSync(join(dir, 'logs'), { recursive: true, mode: 0o700 });
    const state = creatingState(spec, 'kind');
    saveState(state);
    // kubeadm init on a loaded 2-core machine can fail once (its control plane answers 500 while
    // starting); a second attempt is worth it, and the first one's node logs are kept.
    for (let attempt = 1; ; attempt++) {
      try {
        await provision(spec, dir, log, this.timeoutMs);
        break;
      } catch (e) {
        const failedLogs = join(home(), 'kind', 'failed', `${spec.name}-${attempt}`);
        await exportLogs(spec.name, failedLogs).catch(() => []);
        await deleteKindCluster(kindName(spec.name)).catch(() => undefined);
        if (attempt === 2) {
          await this.destroy(spec.name);
          throw new Error(`${(e as Error).message} (node logs: ${failedLogs})`);
        }
        log(`kind create failed (${(e as Error).message.split('\n')[0]!.slice(0, 200)}; node logs: ${failedLogs}); trying once more`);
      }
    }
    return readyState(state, spec.keep);
  }

  async list(): Promise<ClusterStatus[]> {
    const out: ClusterStatus[] = [];
    for (const name of clusterNames()) {
      const s = readState(name);
      if (!s || s.provider !== 'kind') continue;
      const r = await docker(['inspect', '--format', '{{.State.Status}}', `${kindName(name)}-control-plane`]);
      const status = r.ok ? r.stdout.trim() : 'no node container';
      out.push({ ...asCluster(s), healthy: s.phase === 'ready' && status === 'running', detail: s.phase !== 'ready' ? s.phase : `node ${status}` });
    }
    return out;
  }

  kubeconfig(name: string): string {
    return kubeconfigOf(name);
  }

  async loadImage(name: string, image: string, pullPolicy?: string): Promise<void> {
    // kind writes the image's tar (as large as the image) under $TMPDIR and leaves it when stopped
    // midway: in the cluster's folder, it goes with the cluster
    const tmp = join(clusterDir(name), 'tmp');
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    const r = await run(kindBinary(), ['load', 'docker-image', image, '--name', kindName(name)], { timeout: 600_000, env: { TMPDIR: tmp } });
    if (!r.ok) throw new Error(`kind load docker-image ${image} failed: ${r.all.trim().split('\n').slice(-3).join(' | ')}`);
    // the kubelet pulls :latest (or with Always) again whatever the node holds: the cluster's registry serves it by its name
    if (pulledAlways(image, pullPolicy)) await mirrorImage(name, image);
  }

  ingress(name: string, log: Log = () => {}) {
    return clusterIngress(name, (image) => this.loadImage(name, image), log);
  }

  async exportLogs(name: string, dest: string): Promise<string[]> {
    mkdirSync(dest, { recursive: true });
    return exportLogs(name, dest);
  }

  async destroy(name: string): Promise<void> {
    const s = readState(name);
    if (s) {
      s.phase = 'destroying';
      saveState(s);
    }
    await deleteKindCluster(kindName(name));
    await stopMirror(name);
    rmSync(clusterDir(name), { recursive: true, force: true });
  }
}

/** `kind delete cluster`; idempotent (kind says nothing for a cluster that is not there). */
export async function deleteKindCluster(kind: string): Promise<void> {
  const r = await run(kindBinary(), ['delete', 'cluster', '--name', kind], { timeout: 180_000 });
  if (!r.ok) throw new Error(`kind delete cluster ${kind} failed: ${r.all.trim().split('\n').slice(-3).join(' | ')}`);
}

/** kind clusters with our prefix and no cluster folder: left by a run killed before it wrote its state. */
export async function strayKindClusters(): Promise<string[]> {
  const r = await docker(['ps', '-a', '--filter', 'label=io.x-k8s.kind.cluster', '--format', '{{.Label "io.x-k8s.kind.cluster"}}']);
  if (!r.ok) return [];
  const known = new Set(clusterNames().map(kindName));
  return [...new Set(r.stdout.split('\n').map((l) => l.trim()))].filter((n) => n.startsWith(kindPrefix()) && !known.has(n));
}
