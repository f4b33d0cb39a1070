// The toolchain: Kubernetes control-plane binaries, etcd, kwok and helm built from the Go module proxy
// into a per-user cache. Everything else in the harness goes through these exports.
import { buildEntry, duration, type Log } from './build.js';
import { listToolchain, MissingEntryError, toolchainEntry } from './entry.js';
import type { Component, Tool } from './home.js';
import { defaultVersions, resolveKubernetesVersion } from './versions.js';

export { toolchainHome, entryDir, components, tools, kindTools, type Component, type Tool } from './home.js';
export { toolchainEntry, verifyEntry, MissingEntryError, listToolchain, type Entry, type Listed, type Manifest } from './entry.js';
export { defaultVersions, kubectlFor, requiredGo, resolveKubernetesVersion, testKubernetes, testKubernetesVersions } from './versions.js';
export { withLock } from './lock.js';
export { buildEntry, duration, type Log } from './build.js';

export interface EnsureOptions {
  /** Versions as `v1.31.14`, `1.31` or `v1.31`. */
  kubernetes: string[];
  /** Kubernetes versions whose node binaries (kubelet, kubeadm, kube-proxy) a kind node image needs. */
  node?: string[];
  /** Single-version tools at their pinned versions (versions.yaml). */
  tools?: Tool[];
  /** Rebuild even when cached. */
  force?: boolean;
  log?: Log;
}

/**
 * Makes sure the entries exist, building the missing ones one after another (builds use every
 * core). A cached entry costs a stat per binary. A corrupt entry is an error unless `force`.
 */
export async function ensureToolchain(opts: EnsureOptions): Promise<void> {
  const log = opts.log ?? (() => {});
  const pinned = defaultVersions();
  const wanted: [Component, string][] = [
    ...(opts.tools ?? []).map((t) => [t, pinned[t]] as [Component, string]),
    ...[...new Set(opts.kubernetes.map(resolveKubernetesVersion))].map((v) => ['kubernetes', v] as [Component, string]),
    ...[...new Set((opts.node ?? []).map(resolveKubernetesVersion))].map((v) => ['kubernetes-node', v] as [Component, string]),
  ];
  const missing = wanted.filter(([component, version]) => {
    if (opts.force) return true;
    try {
      toolchainEntry(component, version);
      return false;
    } catch (e) {
      // Missing: built below. Corrupt: the user decides (the error names --force).
      if (!(e instanceof MissingEntryError)) throw e;
      return true;
    }
  });
  if (!missing.length) return;
  // What will be built, before the first build starts, with what earlier builds of it took here.
  const earlier = estimates();
  const guess = (c: Component) => (earlier.has(c) ? `~${duration(earlier.get(c)! * 1000)}` : 'no earlier build here to go by');
  const known = missing.map(([c]) => earlier.get(c));
  const total = known.every((s) => s !== undefined) ? `, ~${duration(known.reduce((a, s) => a! + s!, 0)! * 1000)} in all` : '';
  log(`toolchain: ${missing.length} to build from Go modules${total}: ${missing.map(([c, v]) => `${c} ${v} (${guess(c)})`).join(', ')}`);
  const start = Date.now();
  for (const [i, [component, version]] of missing.entries()) {
    log(`toolchain: building ${i + 1} of ${missing.length}: ${component} ${version}`);
    await buildEntry(component, version, { force: opts.force, log });
  }
  log(`toolchain: ${missing.length} built in ${duration(Date.now() - start)}`);
}

/** Seconds the newest build of each component took on this machine (its manifests), to estimate the next. */
function estimates(): Map<Component, number> {
  const out = new Map<Component, number>();
  const newest = new Map<Component, string>();
  for (const l of listToolchain()) {
    if (!l.entry) continue;
    const m = l.entry.manifest;
    if ((newest.get(l.component) ?? '') < m.createdAt) {
      newest.set(l.component, m.createdAt);
      out.set(l.component, m.buildSeconds);
    }
  }
  return out;
}
