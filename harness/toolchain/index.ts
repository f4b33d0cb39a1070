// The toolchain: Kubernetes control-plane binaries, etcd, kwok and helm built from the Go module proxy
// into a per-user cache. Everything else in the harness goes through these exports.
import { buildEntry, duration, type Log } from './build.js';
import { MissingEntryError, toolchainEntry } from './entry.js';
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
  const start = Date.now();
  let built = 0;
  for (const [component, version] of wanted) {
    if (!opts.force) {
      try {
        toolchainEntry(component, version);
        continue;
      } catch (e) {
        // Missing: build below. Corrupt: the user decides (the error names --force).
        if (!(e instanceof MissingEntryError)) throw e;
      }
    }
    await buildEntry(component, version, { force: opts.force, log });
    built++;
  }
  if (built) log(`toolchain: ${built} built in ${duration(Date.now() - start)}`);
}
