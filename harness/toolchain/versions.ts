// The pinned versions (the tools' in versions.yaml; Kubernetes' in the catalog, its one list of
// Kubernetes versions, resolved by matrix/kubernetes.ts) and the kubectl for a cluster.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadCatalog } from '../../matrix/catalog/index.js';
import * as kubernetes from '../../matrix/kubernetes.js';
import { nearestRelease } from '../../matrix/versions.js';
import { repoRoot } from '../../lib/paths.js';
import { toolchainEntry } from './entry.js';
import { toolchainHome } from './home.js';

const tag = z.string().regex(/^v\d+\.\d+\.\d+$/, 'a version like v1.2.3');
const Tools = z.object({ etcd: tag, kwok: tag, helm: tag, kind: tag, crictl: tag, coredns: tag, registry: tag, traefik: tag }).strict();
export type Pinned = z.infer<typeof Tools> & { kubernetes: string[] };
const File = Tools.extend({ go: z.string().regex(/^1\.\d+$/, 'a Go release like 1.26') }).strict();

const file = join(repoRoot, 'harness', 'toolchain', 'versions.yaml');

function read(): z.infer<typeof File> {
  const parsed = File.safeParse(parse(readFileSync(file, 'utf8')));
  // versions.yaml ships with the harness, so a bad one is a bug, not a user mistake.
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.message}`);
  return parsed.data;
}

/** The versions `toolchain build` builds when given no flags: the tools', and the catalog's pinned Kubernetes versions (oldest first). */
export function defaultVersions(): Pinned {
  const { go: _, ...tools } = read();
  return { ...tools, kubernetes: kubernetes.pinnedKubernetes(loadCatalog()) };
}

/** The Go release the pinned modules need (versions.yaml `go`: the newest `go` line of their go.mod files). */
export function requiredGo(): string {
  return read().go;
}

/** The oldest Kubernetes the tests run on, or the oldest in `range` (matrix/kubernetes.ts, of the shipped catalog). */
export const testKubernetes = (range = '*'): string => kubernetes.testKubernetes(loadCatalog(), range);

/** Every Kubernetes version the tests run on, oldest first. */
export const testKubernetesVersions = (): string[] => kubernetes.testKubernetesVersions(loadCatalog());

/** Kubernetes versions already in the cache (finished entries only). */
export function cachedKubernetesVersions(): string[] {
  try {
    return readdirSync(join(toolchainHome(), 'kubernetes')).filter((v) => tag.safeParse(v).success);
  } catch {
    return [];
  }
}

/** A Kubernetes version as a user writes it (`v1.31.14`, or `1.31`: the catalog's newest of that minor), by the one rule of matrix/kubernetes.ts. */
export const resolveKubernetesVersion = (input: string): string => kubernetes.resolveKubernetes(loadCatalog(), input);

/**
 * The kubectl for a cluster that reports `server` (`v1.31.13`, or another's build like
 * `v1.30.4+k3s1`): the toolchain's entry of that exact release, else a cached one of the same
 * minor, else of the nearest minor (kubectl supports one minor of skew either way; beyond that it
 * still reads and applies the objects the harness uses). None cached: the exact release's entry,
 * whose error names the build command.
 */
export function kubectlFor(server: string): string {
  const v = semver.coerce(server);
  const exact = v ? `v${v.major}.${v.minor}.${v.patch}` : server;
  return toolchainEntry('kubernetes', nearestRelease(exact, cachedKubernetesVersions()) ?? exact).bin.kubectl!;
}
