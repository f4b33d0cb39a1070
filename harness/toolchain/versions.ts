// The pinned versions (versions.yaml) and how a user-typed Kubernetes version resolves.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { parse } from 'yaml';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { repoRoot } from '../paths.js';
import { toolchainHome } from './home.js';

const tag = z.string().regex(/^v\d+\.\d+\.\d+$/, 'a version like v1.2.3');
const Pinned = z.object({ etcd: tag, kwok: tag, helm: tag, kind: tag, crictl: tag, coredns: tag, kubernetes: z.array(tag).min(1) }).strict();
export type Pinned = z.infer<typeof Pinned>;

const file = join(repoRoot, 'harness', 'toolchain', 'versions.yaml');

/** The versions `toolchain build` builds when given no flags. */
export function defaultVersions(): Pinned {
  const parsed = Pinned.safeParse(parse(readFileSync(file, 'utf8')));
  // versions.yaml ships with the harness, so a bad one is a bug, not a user mistake.
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.message}`);
  return parsed.data;
}

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
