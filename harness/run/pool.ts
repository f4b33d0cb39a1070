// Cluster reuse between cells of one run: a cell whose teardown uninstalled its stack cleanly puts
// its cluster back under a key (provider, Kubernetes version, era: eras whose CRDs collide never
// share a cluster); the next cell with the same key takes it instead of provisioning. A cluster is
// taken by renaming its file, which only one process can do.
import { mkdirSync, readdirSync, renameSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../providers/provider.js';

const poolDir = (run: string) => join(run, 'pool');

export const poolKey = (provider: string, kubernetes: string, era: string): string => `${provider}-${kubernetes}-${era}`.replace(/[^a-zA-Z0-9.-]/g, '_');

/** Takes a free cluster of this key, or undefined. */
export function take(run: string, key: string, by: string): Cluster | undefined {
  mkdirSync(poolDir(run), { recursive: true });
  for (const f of readdirSync(poolDir(run)).filter((x) => x.startsWith(`free~${key}~`))) {
    const taken = join(poolDir(run), `busy~${by}~${f.slice(5)}`);
    try {
      renameSync(join(poolDir(run), f), taken);
    } catch {
      continue; // another cell took it first
    }
    const cluster = JSON.parse(readFileSync(taken, 'utf8')) as Cluster;
    rmSync(taken);
    return cluster;
  }
  return undefined;
}

/** Puts a cluster back for the next cell of the same key. */
export function give(run: string, key: string, cluster: Cluster): void {
  mkdirSync(poolDir(run), { recursive: true });
  const tmp = join(poolDir(run), `.tmp-${cluster.name}`);
  writeFileSync(tmp, JSON.stringify(cluster));
  renameSync(tmp, join(poolDir(run), `free~${key}~${cluster.name}`));
}
