// Cluster state on disk: <home>/clusters/<name>/cluster.json, written before anything starts and
// updated as each process starts, so a harness killed at any moment leaves enough behind for the
// janitor to finish the job.
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { home } from '../../lib/paths.js';
import { UserError } from '../../lib/errors.js';
import { writeAtomic } from '../../lib/files.js';
import type { ProviderName } from '../../matrix/ids.js';
import { startTime } from '../processes.js';
import type { Cluster, ClusterSpec } from './provider.js';

export { startTime };

export type ProcessRecord = { component: string; pid: number; log: string; port?: number };

export type State = Cluster & {
  phase: 'creating' | 'ready' | 'destroying';
  processes: ProcessRecord[];
  /** Start time of the owner pid (from /proc), so a recycled pid is not taken for the owner. */
  ownerStart?: string;
};

export function clustersDir(): string {
  return join(home(), 'clusters');
}

export function clusterDir(name: string): string {
  return join(clustersDir(), name);
}

export function saveState(s: State): void {
  mkdirSync(s.dir, { recursive: true, mode: 0o700 });
  writeAtomic(join(s.dir, 'cluster.json'), JSON.stringify(s, null, 2) + '\n');
}

export function readState(name: string): State | undefined {
  try {
    return JSON.parse(readFileSync(join(clusterDir(name), 'cluster.json'), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

/** Names of every cluster folder, with or without a readable state file. */
export function clusterNames(): string[] {
  try {
    return readdirSync(clustersDir(), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return [];
  }
}

/**
 * The state of a cluster about to be made: while it is being made it belongs to its owner (this
 * process by default), so if that dies the janitor removes the half-built one.
 */
export function creatingState(spec: ClusterSpec, provider: ProviderName): State {
  const dir = clusterDir(spec.name);
  const owner = spec.owner ?? process.pid;
  return { name: spec.name, provider, kubernetes: spec.kubernetes, kubeconfig: join(dir, 'kubeconfig'), dir, createdAt: new Date().toISOString(), owner, ownerStart: startTime(owner), phase: 'creating', processes: [] };
}

/** Marks a made cluster ready; one made by hand (`keep`) then belongs to no process and stays until `cluster down`. */
export function readyState(s: State, keep?: boolean): Cluster {
  s.phase = 'ready';
  if (keep) delete s.owner, delete s.ownerStart;
  saveState(s);
  return asCluster(s);
}

/** The cluster as callers see it, without the bookkeeping. */
/** The kubeconfig of a cluster the harness knows, whichever provider made it. */
export function kubeconfigOf(name: string): string {
  const s = readState(name);
  if (!s) throw new UserError(`no cluster ${name}`, 'cluster', 'npx codeflare-matrix cluster list shows the clusters');
  return s.kubeconfig;
}

export function asCluster(s: State): Cluster {
  const { phase: _p, processes: _pr, ownerStart: _o, ...cluster } = s;
  return cluster;
}
