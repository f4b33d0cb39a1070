// The pinned versions (the tools' in versions.yaml; Kubernetes' in the catalog, its one list of
// Kubernetes versions) and how a user-typed Kubernetes version resolves.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadCatalog } from '../../matrix/catalog/index.js';
import * as kubernetes from '../../matrix/kubernetes.js';
import { UserError } from '../../lib/errors.js';
import { repoRoot } from '../../lib/paths.js';
import { toolchainEntry } from './entry.js';
import { toolchainHome } from './home.js';

const tag = z.string().regex(/^v\d+\.\d+\.\d+$/, 'a version like v1.2.3');
const Tools = z.object({ etcd: tag, kwok: tag, helm: tag, kind: tag, crictl: tag, coredns: tag }).strict();
export type Pinned = z.infer<typeof Tools> & { kubernetes: string[] };

const file = join(repoRoot, 'harness', 'toolchain', 'versions.yaml');

/** The versions `toolchain build` builds when given no flags: the tools', and the catalog's pinned Kubernetes versions (oldest first). */
export function defaultVersions(): Pinned {
  const parsed = Tools.safeParse(parse(readFileSync(file, 'utf8')));
  // versions.yaml ships with the harness, so a bad one is a bug, not a user mistake.
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.message}`);
  return { ...parsed.data, kubernetes: kubernetes.pinnedKubernetes(loadCatalog()) };
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

/**
 * `v1.31.14` stays as is; `1.31` or `v1.31` becomes the patch pinned in versions.yaml, or else the
 * newest one in the cache.
 */
export function resolveKubernetesVersion(input: string): string {
  const s = input.trim();
  const full = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (full) return `v${full[1]}.${full[2]}.${full[3]}`;
  const minor = /^v?(\d+)\.(\d+)$/.exec(s);
  const known = [...new Set([...defaultVersions().kubernetes, ...cachedKubernetesVersions()])].sort((a, b) =>
    semver.compare(a, b),
  );
  const fix = `use a full version like v1.31.14, or one of the known ones: ${known.join(', ')}`;
  if (!minor) throw new UserError(`not a Kubernetes version: "${input}"`, undefined, fix);
  const prefix = `v${minor[1]}.${minor[2]}.`;
  const pinned = defaultVersions().kubernetes.find((v) => v.startsWith(prefix));
  const found = pinned ?? known.filter((v) => v.startsWith(prefix)).at(-1);
  if (!found) throw new UserError(`no pinned or cached Kubernetes ${s}`, undefined, fix);
  return found;
}

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
  const cached = cachedKubernetesVersions();
  const pick = cached.includes(exact) || !v || cached.length === 0
    ? exact
    : [...cached].sort((a, b) => Math.abs(semver.minor(a) - v.minor) - Math.abs(semver.minor(b) - v.minor) || semver.rcompare(a, b))[0]!;
  return toolchainEntry('kubernetes', pick).bin.kubectl!;
}
