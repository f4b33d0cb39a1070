// The Kubernetes versions: the catalog's one list (matrix/catalog/components/kubernetes.yaml), the
// releases the toolchain builds from it, and the rule that picks a release of a list for a version
// a record or a cluster names.
import semver from 'semver';
import { component, type Catalog } from './catalog/index.js';

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

const minor = (v: string) => v.replace(/^v/, '').split('.').slice(0, 2).join('.');

/** The release itself if `have` has it, else one of the same minor, else of the nearest minor (the newer on a tie). */
export function nearestKubernetes(v: string, have: string[]): string {
  const n = (x: string) => Number(minor(x).split('.')[1]);
  return have.find((h) => h === v) ?? have.find((h) => minor(h) === minor(v)) ?? [...have].sort((a, b) => Math.abs(n(a) - n(v)) - Math.abs(n(b) - n(v)) || n(b) - n(a))[0]!;
}
