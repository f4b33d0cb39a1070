// The janitor: removes clusters whose owner is gone (a run killed with -9, a `cluster up`
// interrupted) and any process that carries a cluster marker but has no cluster left.
// It finds them by the harness's own markers (state files, the environment marker), never by name.
import { rmSync } from 'node:fs';
import { processesUnder, stopProcesses } from '../processes.js';
import { clusterDir, clusterNames, clustersDir, readState, startTime } from './state.js';
import { providerFor } from './index.js';
import { providerNames } from '../../matrix/ids.js';
import type { Log } from './provider.js';
import { docker, strayBuildContainers } from '../docker.js';

function ownerGone(owner: number | undefined, started: string | undefined): boolean {
  return owner !== undefined && startTime(owner) !== started;
}

/** Removes orphans (all clusters with `all`); returns what it removed. */
export async function janitor(o: { all?: boolean; log?: Log } = {}): Promise<string[]> {
  const log = o.log ?? (() => {});
  const removed: string[] = [];
  for (const name of clusterNames()) {
    const s = readState(name);
    if (!o.all && s && !ownerGone(s.owner, s.ownerStart)) continue;
    log(`removing cluster ${name}${s ? ` (${s.provider}${o.all ? '' : `, owner pid ${s.owner} is gone`})` : ' (no state file)'}`);
    if (s) await providerFor(s.provider).destroy(name);
    else {
      await stopProcesses(processesUnder(clusterDir(name)).map((p) => p.pid), clusterDir(name));
      rmSync(clusterDir(name), { recursive: true, force: true });
    }
    removed.push(name);
  }
  // What a provider made with no folder of ours at all (a run killed before its state write).
  for (const name of providerNames) {
    for (const o of (await providerFor(name).orphans?.()) ?? []) {
      log(`removing ${name} cluster ${o.name} (${o.why})`);
      await o.remove();
      removed.push(o.name);
    }
  }
  for (const c of await strayBuildContainers()) {
    log(`removing build container ${c} (the build that made it is gone)`);
    await docker(['rm', '-f', c]);
    removed.push(c);
  }
  // Processes whose cluster folder is gone (a destroy interrupted between kill and rm, say).
  const live = new Set(clusterNames().map(clusterDir));
  for (const p of processesUnder(clustersDir())) {
    if ([...live].some((d) => p.owner === d || p.owner.startsWith(`${d}/`))) continue;
    log(`stopping orphan process ${p.pid} (${p.owner})`);
    await stopProcesses([p.pid], p.owner);
    removed.push(`pid ${p.pid}`);
  }
  return removed;
}
