// Where the toolchain cache lives. Read from the environment on every call so tests can point it
// at a temporary directory.
import { home } from '../paths.js';
import { join } from 'node:path';

export const components = ['kubernetes', 'etcd', 'kwok', 'helm'] as const;
export type Component = (typeof components)[number];
/** The single-version tools (the pinned version of versions.yaml); Kubernetes has several versions. */
export const tools = ['etcd', 'kwok', 'helm'] as const;
export type Tool = (typeof tools)[number];

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
