// The Kubernetes versions: the catalog's one list (matrix/catalog/components/kubernetes.yaml), the
// releases the toolchain builds from it, and a version as a user writes it, resolved by the one
// rule the plan resolves it by (nearestRelease in versions.ts).
import semver from 'semver';
import { UserError } from '../lib/errors.js';
import { component, type Catalog } from './catalog/index.js';
import { nearestRelease } from './versions.js';

function marked(catalog: Catalog) {
  return component(catalog, 'kubernetes').versions.filter((v) => v.toolchain).sort((a, b) => semver.compare(a.tag, b.tag));
}

/** The releases `toolchain build` builds when given none (the catalog marks them `toolchain`), oldest first. */
export function pinnedKubernetes(catalog: Catalog): string[] {
  return marked(catalog).map((v) => v.tag);
}

/**
 * A Kubernetes version the tests run on (the catalog marks them `toolchain: tests`; a fresh
 * machine's `npm test` builds only these): the oldest, or the oldest in `range` (e.g. ">=1.29").
 */
export function testKubernetes(catalog: Catalog, range = '*'): string {
  const v = marked(catalog).find((x) => x.toolchain === 'tests' && semver.satisfies(x.tag, range));
  if (!v) throw new Error(`the catalog marks no Kubernetes version in ${range} toolchain: tests`);
  return v.tag;
}

/** Every Kubernetes version the tests run on, oldest first. */
export function testKubernetesVersions(catalog: Catalog): string[] {
  return marked(catalog).filter((x) => x.toolchain === 'tests').map((x) => x.tag);
}

/**
 * A Kubernetes version as a user writes it: `v1.31.14` or `1.31.14` is that release; `1.31` or
 * `v1.31` is the catalog's newest release of that minor, as the plan resolves it.
 */
export function resolveKubernetes(catalog: Catalog, input: string): string {
  const s = input.trim();
  const full = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (full) return `v${full[1]}.${full[2]}.${full[3]}`;
  const known = component(catalog, 'kubernetes').versions.map((v) => v.tag).sort(semver.compare);
  const fix = `use a full version like v1.31.14, or one of the known ones: ${known.join(', ')}`;
  const minor = /^v?(\d+)\.(\d+)$/.exec(s);
  if (!minor) throw new UserError(`not a Kubernetes version: "${input}"`, undefined, fix);
  const found = nearestRelease(`v${minor[1]}.${minor[2]}`, known, { sameMinor: true });
  if (!found) throw new UserError(`the catalog has no Kubernetes ${s}`, undefined, fix);
  return found;
}
