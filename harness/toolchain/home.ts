// Where the toolchain cache lives. Read from the environment on every call so tests can point it
// at a temporary directory.
import { home } from '../../lib/paths.js';
import { join } from 'node:path';

export const components = ['kubernetes', 'kubernetes-node', 'etcd', 'kwok', 'helm', 'kind', 'crictl', 'coredns', 'registry', 'traefik'] as const;
export type Component = (typeof components)[number];
/** The single-version tools every run needs (the pinned version of versions.yaml); Kubernetes has several versions. */
export const tools = ['etcd', 'kwok', 'helm'] as const;
/** The single-version tools only the kind provider needs (kind itself, what its node image holds, the registry its nodes mirror, the ingress controller). */
export const kindTools = ['kind', 'crictl', 'coredns', 'registry', 'traefik'] as const;
export type Tool = (typeof tools)[number] | (typeof kindTools)[number];
/** Components with one entry per Kubernetes version: the control plane, and the node binaries (kind). */
export const perKubernetes = ['kubernetes', 'kubernetes-node'] as const;

/** `${CODEFLARE_MATRIX_HOME:-$HOME/.cache/codeflare-matrix}/toolchain` */
export function toolchainHome(): string {
  return join(home(), 'toolchain');
}

/** The finished entry: `bin/` and `manifest.json`. */
export function entryDir(component: Component, version: string): string {
  return join(toolchainHome(), component, version);
}

/** Held while an entry is built; next to the entry so `list` never mistakes it for one. */
export function lockPath(component: Component, version: string): string {
  return join(toolchainHome(), component, `.${version}.lock`);
}

/** The generated wrapper module and the build log; kept between builds so go.sum is reused. */
export function workDir(component: Component, version: string): string {
  return join(toolchainHome(), 'work', `${component}-${version}`);
}
