// Versions and selectors. A version in a cell is a catalog tag ("v1.2.0"), or a floating reference
// that is resolved at install time: "dev", "ref:<git ref>", "path:<checkout>".
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execaSync } from 'execa';
import semver from 'semver';
import { UserError } from '../lib/errors.js';
import type { Catalog, ComponentId } from './catalog/index.js';
import { component } from './catalog/lookup.js';

const opts = { includePrerelease: true, loose: false } as const;

/** Floating versions are newer than every release: `dev` is the tip of the default branch. */
export function isFloating(v: string): boolean {
  return v === 'dev' || v.startsWith('ref:') || v.startsWith('path:');
}

/**
 * The semver a version stands for when a range is checked: floating = the newest known release, and
 * so is a version past it (a pseudo-version of a commit after it: bisect's midpoints of a dev cell).
 */
export function comparable(catalog: Catalog, id: ComponentId, v: string): string {
  if (isFloating(v)) return newest(catalog, id);
  const s = semver.valid(v.replace(/^v/, ''), opts);
  if (!s) return v;
  const top = newest(catalog, id);
  return semver.gt(s, top) ? top : s;
}

// Planning a whole catalog asks the same question millions of times: remember the answers.
const memo = new WeakMap<Catalog, Map<string, boolean>>();

export function satisfies(catalog: Catalog, id: ComponentId, v: string, range: string): boolean {
  let seen = memo.get(catalog);
  if (!seen) memo.set(catalog, (seen = new Map()));
  const key = `${id}\0${v}\0${range}`;
  let hit = seen.get(key);
  if (hit === undefined) {
    const s = comparable(catalog, id, v);
    hit = semver.valid(s) !== null && semver.satisfies(s, range, opts);
    seen.set(key, hit);
  }
  return hit;
}

export function tags(catalog: Catalog, id: ComponentId): string[] {
  return component(catalog, id).versions.map((v) => v.tag);
}

const newestOf = new WeakMap<Catalog, Map<ComponentId, string>>();

/** Newest release as a bare semver (prereleases sort below their release). */
export function newest(catalog: Catalog, id: ComponentId): string {
  let known = newestOf.get(catalog);
  if (!known) newestOf.set(catalog, (known = new Map()));
  if (!known.has(id)) known.set(id, tags(catalog, id).map((t) => t.slice(1)).sort(semver.compare).at(-1)!);
  return known.get(id)!;
}

/** The newest tag that is no prerelease: what "its last release" means for a component's baseline. */
export function lastRelease(catalog: Catalog, id: ComponentId): string | undefined {
  return tags(catalog, id).filter((t) => semver.valid(t.slice(1)) && !semver.prerelease(t.slice(1))).sort((a, b) => semver.compare(a.slice(1), b.slice(1))).at(-1);
}

/**
 * The one rule that picks a release from a list (`have`) for a version named in a config, a
 * command, a record or by a cluster (Kubernetes' minors, a published row's e2e, a server's version): the release itself if the list has it, else the
 * newest release of its minor, else (unless `sameMinor`) the newest of the nearest minor, the
 * newer on a tie. Undefined when the list has nothing that fits.
 */
export function nearestRelease(v: string, have: readonly string[], { sameMinor = false } = {}): string | undefined {
  const want = semver.coerce(v);
  if (!want) return undefined;
  const releases = have.filter((h) => semver.valid(h)).sort(semver.rcompare); // newest first
  if (releases.includes(v)) return v;
  const distance = (h: string) => (semver.major(h) === want.major ? Math.abs(semver.minor(h) - want.minor) : Infinity);
  const near = sameMinor ? releases.filter((h) => distance(h) === 0) : releases.filter((h) => distance(h) < Infinity);
  return near.sort((a, b) => distance(a) - distance(b) || semver.rcompare(a, b))[0];
}

/** A checkout for PR gating, checked before anything builds: a folder whose go.mod is the component's module, or a Python project (the SDK's). */
function checkoutPath(comp: ReturnType<typeof component>, path: string, where: string): string {
  const dir = resolve(path);
  if (comp.source.kind === 'pypi') {
    if (!['pyproject.toml', 'setup.py'].some((f) => existsSync(join(dir, f)))) throw new UserError(`${comp.id} {path: ${path}}: ${dir} has no pyproject.toml or setup.py`, where, `point it at the root of a checkout of ${comp.source.package}`);
    return dir;
  }
  if (comp.source.kind !== 'go') return path;
  if (!existsSync(dir)) throw new UserError(`${comp.id} {path: ${path}}: ${dir} does not exist`, where, `point it at a checkout of ${comp.source.module}`);
  let text = '';
  try {
    text = readFileSync(join(dir, 'go.mod'), 'utf8');
  } catch {
    throw new UserError(`${comp.id} {path: ${path}}: ${dir} has no go.mod`, where, `point it at the module root of ${comp.source.module}${comp.source.tagPrefix ? ` (${comp.source.tagPrefix} in its repository)` : ''}`);
  }
  const mod = /^module\s+"?([^\s"]+)/m.exec(text)?.[1];
  if (mod !== comp.source.module) throw new UserError(`${comp.id} {path: ${path}}: ${dir}/go.mod is module ${mod}, not ${comp.source.module}`, where, `point it at a checkout of ${comp.source.module}`);
  return dir; // absolute: the cell's processes run elsewhere
}

/** A git ref as git itself accepts it (`git check-ref-format`), or a commit hash. */
function gitRef(id: ComponentId, ref: string, where: string): string {
  if (/^[0-9a-f]{7,40}$/.test(ref) || execaSync('git', ['check-ref-format', '--allow-onelevel', ref], { reject: false }).exitCode === 0) return ref;
  throw new UserError(`${id} {ref: ${ref}}: not a valid git ref name`, where, 'use a branch, a tag or a commit hash (git check-ref-format)');
}

/** A selector as written in a matrix config. */
export type Selector = string | { newest: number; range?: string } | { path: string } | { ref: string };

/**
 * Resolves one selector to versions, newest last. `where` names the config place for errors.
 * - "v1.2.0": that tag (must be in the catalog);  "1.31": the newest patch of that minor;
 * - a semver range: every catalog release in it;  "latest": the newest release;
 * - "stable": the catalog's stable tag;  "dev": the tip of the default branch at install time;
 * - {newest: N, range?}: the N newest releases (in range);  {path}: a local checkout;  {ref}: a git ref.
 */
export function resolveSelector(catalog: Catalog, id: ComponentId, sel: Selector, where: string): string[] {
  const comp = component(catalog, id);
  const known = comp.versions.map((v) => v.tag).sort((a, b) => semver.compare(a.slice(1), b.slice(1)));
  const some = known.slice(-4).join(', ');
  if (typeof sel === 'object') {
    if ('path' in sel) return [`path:${checkoutPath(comp, sel.path, where)}`];
    if ('ref' in sel) return [`ref:${gitRef(id, sel.ref, where)}`];
    const inRange = sel.range ? known.filter((t) => semver.satisfies(t.slice(1), sel.range!, opts)) : known;
    if (inRange.length === 0) throw new UserError(`no ${id} release in range "${sel.range}"`, where, `newest known: ${some}`);
    return inRange.slice(-sel.newest);
  }
  const s = sel.trim();
  if (s === 'dev') {
    if (comp.source.kind === 'kubernetes') throw new UserError('Kubernetes has no dev channel here', where, 'name a version like "1.31"');
    return ['dev'];
  }
  if (s === 'latest') return [known.at(-1)!];
  if (s === 'stable') {
    if (!comp.stable) throw new UserError(`the catalog knows no stable ${id} version`, where, `name a version, e.g. ${known.at(-1)}`);
    return [comp.stable];
  }
  if (/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(s)) {
    const tag = s.startsWith('v') ? s : `v${s}`;
    if (!known.includes(tag)) {
      throw new UserError(`unknown ${id} version ${s}`, where, `use a catalog version (newest: ${some}) or add it to matrix/catalog/components/${id}.yaml`);
    }
    return [tag];
  }
  const minor = /^v?(\d+)\.(\d+)$/.exec(s);
  if (minor) {
    const hit = nearestRelease(`v${minor[1]}.${minor[2]}`, known, { sameMinor: true });
    if (!hit) throw new UserError(`no ${id} release in ${s}.x`, where, `newest known: ${some}`);
    return [hit];
  }
  if (semver.validRange(s, opts)) {
    const hit = known.filter((t) => semver.satisfies(t.slice(1), s, opts));
    if (hit.length === 0) throw new UserError(`no ${id} release matches "${s}"`, where, `newest known: ${some}`);
    return hit;
  }
  throw new UserError(`"${s}" is not a version selector`, where, 'use a tag (v1.2.0), a minor ("1.31"), a range (">=1.0 <1.3"), dev, stable, latest, {newest: N}, {path: DIR} or {ref: REF}');
}
