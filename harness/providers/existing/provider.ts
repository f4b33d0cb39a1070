// The existing provider: a cluster someone else runs (OpenShift, a shared cluster), named by a
// kubeconfig context. It is never created or deleted here; destroy removes only what the harness
// made there, found by the label every harness-made namespace carries.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { UserError } from '../../../lib/errors.js';
import { asCluster, clusterDir, clusterNames, kubeconfigOf, readState, saveState, startTime, type State } from '../state.js';
import { detectCapabilities } from './capabilities.js';
import { clusterName, type Cluster, type ClusterSpec, type ClusterStatus, type Provider } from '../provider.js';

/** Every namespace (and later, every object) the harness creates in a cluster carries this label. */
export const CREATED_BY = 'codeflare-matrix.io/cluster';

function load(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export class ExistingProvider implements Provider {
  readonly name = 'existing' as const;
  /** Until a cluster is asked (create detects what each one shows: capabilities.ts). */
  readonly capabilities = ['real-pods'] as const;
  readonly installMode = 'image' as const;
  /** Pods have networks of their own. */
  readonly ownNetwork = true;

  async create(spec: ClusterSpec): Promise<Cluster> {
    if (!clusterName.test(spec.name)) throw new UserError(`"${spec.name}" is not a cluster name`, 'cluster', 'use lowercase letters, digits and -');
    if (readState(spec.name)) throw new UserError(`cluster ${spec.name} already exists`, clusterDir(spec.name), `npx codeflare-matrix cluster down ${spec.name}`);
    const source = spec.kubeconfig ?? process.env.KUBECONFIG ?? join(process.env.HOME ?? '/root', '.kube', 'config');
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(source);
    } catch {
      throw new UserError('cannot read the kubeconfig', source, 'pass --kubeconfig PATH (or set KUBECONFIG)');
    }
    const context = spec.context ?? kc.getCurrentContext();
    if (!kc.getContextObject(context)) {
      throw new UserError(`no context "${context}" in the kubeconfig`, source, `pick one of: ${kc.getContexts().map((c) => c.name).join(', ') || '(none)'}`);
    }
    kc.setCurrentContext(context);
    let version: string;
    try {
      version = (await kc.makeApiClient(VersionApi).getCode()).gitVersion;
    } catch (e) {
      throw new UserError(`the cluster of context "${context}" does not answer (${(e as Error).message.split('\n')[0]})`, source, 'check the context with kubectl --context ' + context + ' version');
    }
    const capabilities = await detectCapabilities(kc).catch((e: Error) => {
      throw new UserError(`cannot ask the cluster of context "${context}" what it serves (${e.message.split('\n')[0]})`, source, 'the context needs to list API groups and nodes');
    });
    const dir = clusterDir(spec.name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kc.exportConfig(), { mode: 0o600 });
    const state: State = {
      name: spec.name,
      provider: 'existing',
      kubernetes: version,
      capabilities,
      kubeconfig,
      dir,
      createdAt: new Date().toISOString(),
      ...(spec.keep ? {} : { owner: spec.owner ?? process.pid, ownerStart: startTime(spec.owner ?? process.pid) }),
      phase: 'ready',
      processes: [],
    };
    saveState(state);
    return asCluster(state);
  }

  async list(): Promise<ClusterStatus[]> {
    const out: ClusterStatus[] = [];
    for (const name of clusterNames()) {
      const s = readState(name);
      if (!s || s.provider !== 'existing') continue;
      const cluster = asCluster(s);
      try {
        await load(s.kubeconfig).makeApiClient(VersionApi).getCode();
        out.push({ ...cluster, healthy: true, detail: 'answers' });
      } catch (e) {
        out.push({ ...cluster, healthy: false, detail: (e as Error).message.split('\n')[0]! });
      }
    }
    return out;
  }

  kubeconfig(name: string): string {
    return kubeconfigOf(name);
  }

  async loadImage(_name: string, image: string): Promise<void> {
    throw new UserError(`an existing cluster pulls its images; cannot load ${image}`, 'provider existing', 'push the image to a registry the cluster can pull from');
  }

  /** The events of every namespace the harness made there. */
  async exportLogs(name: string, dest: string): Promise<string[]> {
    const core = load(this.kubeconfig(name)).makeApiClient(CoreV1Api);
    mkdirSync(dest, { recursive: true });
    const files: string[] = [];
    for (const ns of (await core.listNamespace({ labelSelector: `${CREATED_BY}=${name}` })).items) {
      const n = ns.metadata!.name!;
      const events = (await core.listNamespacedEvent({ namespace: n })).items;
      const file = join(dest, `events-${n}.txt`);
      writeFileSync(file, events.map((e) => `${e.lastTimestamp?.toISOString() ?? ''} ${e.type} ${e.involvedObject.kind}/${e.involvedObject.name} ${e.reason}: ${e.message}`).join('\n') + '\n');
      files.push(file);
    }
    return files;
  }

  /** Deletes the namespaces the harness made (by label), never the cluster; then forgets it. */
  async destroy(name: string): Promise<void> {
    const s = readState(name);
    if (s) {
      try {
        const core = load(s.kubeconfig).makeApiClient(CoreV1Api);
        for (const ns of (await core.listNamespace({ labelSelector: `${CREATED_BY}=${name}` })).items) {
          await core.deleteNamespace({ name: ns.metadata!.name! });
        }
      } catch {
        /* unreachable cluster: nothing more we can remove there */
      }
    }
    rmSync(clusterDir(name), { recursive: true, force: true });
  }
}
