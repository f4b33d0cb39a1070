// The local provider: real Kubernetes as processes (etcd, apiserver, controller-manager,
// scheduler) with kwok's fake nodes. No Docker; seconds to start; pods run only on paper.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../../lib/errors.js';
import { alive, processesUnder, stopProcesses } from '../../processes.js';
import { asCluster, clusterDir, clusterNames, clustersDir, creatingState, kubeconfigOf, readState, readyState, saveState } from '../state.js';
import { clusterName, type Cluster, type ClusterSpec, type ClusterStatus, type Log, type Provider } from '../provider.js';
import { provision, type Timing } from './provision.js';
import { cellNetworksUnder, netnsSupport, removeCellNetwork, removeNetns, vethlessNetworks } from '../../net/netns.js';
import { removePodNetworksUnder, vethlessPodNetworks } from '../../net/podnet.js';

export class LocalProvider implements Provider {
  readonly name = 'local' as const;
  readonly capabilities = ['fake-nodes'] as const;
  readonly installMode = 'process' as const;
  /** A network namespace per cluster where the machine allows (root), else the host's (netns.ts says why). */
  readonly ownNetwork = netnsSupport().own;
  /** How long a start may take before it is a fault (apiserver bootstrap is ~2-6 s on 2 cores). */
  timeoutMs = 1000 * Number(process.env.CODEFLARE_MATRIX_START_TIMEOUT ?? 90);
  lastTiming: Timing = {};

  async create(spec: ClusterSpec, log: Log = () => {}): Promise<Cluster> {
    if (!clusterName.test(spec.name)) {
      throw new UserError(`"${spec.name}" is not a cluster name`, 'cluster', 'use lowercase letters, digits and -, at most 40 characters');
    }
    const existing = readState(spec.name);
    if (existing || existsSync(clusterDir(spec.name))) {
      throw new UserError(`cluster ${spec.name} already exists`, existing?.dir ?? clusterDir(spec.name), `use it, or remove it: npx codeflare-matrix cluster down ${spec.name}`);
    }
    const dir = clusterDir(spec.name);
    mkdirSync(join(dir, 'logs'), { recursive: true, mode: 0o700 });
    const state = creatingState(spec, 'local');
    // Free ports are picked, released, then bound by the component: another cluster starting at the
    // same moment can take one in between. That (and only that) is worth a second attempt.
    for (let attempt = 1; ; attempt++) {
      saveState(state);
      try {
        this.lastTiming = await provision(state, spec, { log, timeoutMs: this.timeoutMs, ownNetwork: this.ownNetwork });
        break;
      } catch (e) {
        await this.destroy(spec.name); // nothing half-built is left behind
        const raced = /address already in use/.test((e as Error).message) && spec.port === undefined;
        if (!raced || attempt === 3) throw e;
        log(`a port was taken while the cluster started; starting again (attempt ${attempt + 1})`);
        mkdirSync(join(dir, 'logs'), { recursive: true, mode: 0o700 });
        state.processes = [];
        delete state.network;
      }
    }
    return readyState(state, spec.keep);
  }

  async list(): Promise<ClusterStatus[]> {
    return clusterNames().flatMap((name) => {
      const s = readState(name);
      if (!s || s.provider !== 'local') return [];
      const down = s.processes.filter((p) => !alive(p.pid, s.dir)).map((p) => p.component);
      const healthy = s.phase === 'ready' && down.length === 0;
      return [{ ...asCluster(s), healthy, detail: s.phase !== 'ready' ? s.phase : down.length ? `down: ${down.join(', ')}` : `${s.processes.length} processes up` }];
    });
  }

  kubeconfig(name: string): string {
    return kubeconfigOf(name);
  }

  /** Fake nodes run no containers, so there is nothing to load an image into; recorded as a no-op. */
  async loadImage(): Promise<void> {}

  async exportLogs(name: string, dest: string): Promise<string[]> {
    const logs = join(clusterDir(name), 'logs');
    if (!existsSync(logs)) return [];
    mkdirSync(dest, { recursive: true });
    return readdirSync(logs).map((f) => {
      copyFileSync(join(logs, f), join(dest, f));
      return join(dest, f);
    });
  }

  async destroy(name: string): Promise<void> {
    const dir = clusterDir(name);
    const s = readState(name);
    if (s) {
      s.phase = 'destroying';
      saveState(s);
      // apiserver clients first, etcd last
      // Little grace: the cluster's data goes with it, and a 1.3x apiserver would drain for seconds.
      await stopProcesses(s.processes.map((p) => p.pid).reverse(), dir, 300);
    }
    // Anything else of ours that belongs to the cluster (operators installed as host processes).
    await Promise.all(processesUnder(dir).map((p) => stopProcesses([p.pid], p.owner, 300)));
    if (s?.network) {
      await removePodNetworksUnder(s.network.netns, dir); // played pods' (a player killed with the run leaves them)
      await removeCellNetwork(s.network, dir);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  /**
   * Cell networks of this home whose cluster folder is gone (a run killed before its state named
   * them, or between kill and rm), with their played pods' networks; namespaces no veth holds.
   */
  async orphans(): Promise<{ name: string; why: string; remove: () => Promise<void> }[]> {
    if (!this.ownNetwork) return [];
    const remove = async (n: { netns: string; veth: string; owner: string }) => {
      await removePodNetworksUnder(n.netns, n.owner);
      await removeCellNetwork(n, n.owner);
    };
    return (await cellNetworksUnder(clustersDir()))
      .filter((n) => !existsSync(join(n.owner, 'cluster.json')))
      .map((n) => ({ name: n.netns, why: `network namespace of ${n.owner}, which is gone`, remove: () => remove(n) }))
      .concat((await vethlessNetworks()).map((netns) => ({ name: netns, why: 'a cell network namespace left half-made (no veth holds its slot)', remove: () => removeNetns(netns) })))
      .concat((await vethlessPodNetworks()).map((netns) => ({ name: netns, why: 'a played pod\'s network namespace whose cell is gone (no veth links it)', remove: () => removeNetns(netns) })));
  }
}
