// Where a Go component's code comes from: a tag, the default branch (dev) or any ref through the Go
// module proxy (which also gives the tree in the read-only module cache), or a local checkout.
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { component, loadCatalog, type ComponentId } from '../../matrix/catalog/index.js';
import { UserError } from '../../lib/errors.js';
import { run } from '../../lib/exec.js';
import { home } from '../../lib/paths.js';
import type { Sources } from '../../matrix/config.js';
import { pseudoCommit, resolveGit } from './git.js';
import { go, goError } from '../toolchain/go.js';
import type { Source } from './types.js';

export type GoOrigin = { module: string; main: string; tagPrefix: string; branch: string };

/** The catalog's Go source of a component; a UserError for the SDK and Kubernetes. */
export function goOrigin(id: ComponentId): GoOrigin {
  const s = component(loadCatalog(), id).source;
  if (s.kind !== 'go') throw new UserError(`${id} is not built from Go modules (source kind ${s.kind})`);
  return { module: s.module, main: s.main, tagPrefix: s.tagPrefix, branch: s.branch };
}

export { pseudoCommit } from './git.js';

/**
 * The module version of a tag. A sub-module's tags carry its directory (KubeRay's
 * `ray-operator/v1.0.0`) but the proxy names the version without it (`v1.0.0`), so the prefix is
 * accepted and dropped.
 */
export function tagVersion(id: ComponentId, tag: string, tagPrefix: string): string {
  const v = tagPrefix && tag.startsWith(tagPrefix) ? tag.slice(tagPrefix.length) : tag;
  if (!/^v\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/.test(v)) {
    throw new UserError(`${id} ${tag}: not a version`, undefined, 'use a tag like v1.2.3, dev, ref:<branch|commit> or path:<checkout>');
  }
  return v;
}

const missing = /40[34] |410 Gone|not available|unknown revision|invalid version|no matching versions|not found/i;

/**
 * Resolves what a cell asked for to a module version and its tree: through the Go module proxy
 * (downloading it into the module cache), or in the component's git source where one is named and
 * the proxy refuses it (or `prefer: git`).
 */
export async function resolveSource(id: ComponentId, requested: string, sources: Sources = {}, opts: { gitRef?: boolean } = {}): Promise<Source> {
  const o = goOrigin(id);
  if (requested.startsWith('path:')) return checkout(id, requested, o);
  const g = sources[id];
  const wanted = requested === 'dev' || requested.startsWith('ref:') ? requested : tagVersion(id, requested, o.tagPrefix);
  if (g?.prefer === 'git') return { ...(await resolveGit(id, wanted, g, 'prefer: git')), requested };
  // A kustomize remote resource names a git ref, and a tag can move after the proxy cached it
  // (multi-cluster-app-dispatcher v1.33.0: the proxy has 6e0ed57, whose config/crd names a file it
  // lacks; the tag is now 4d2c3ee "Fix CRDs kustomization.yaml"): the user's repository answers first.
  if (g && opts.gitRef) return { ...(await resolveGit(id, wanted, g, 'a kustomize remote ref is a git ref')), requested };
  try {
    return await resolveProxy(id, requested, o);
  } catch (e) {
    // Refused, or not reachable at all (an air-gapped site): the user's repository answers instead.
    if (!g) throw e;
    return { ...(await resolveGit(id, wanted, g, `the Go module proxy: ${(e as Error).message.replace(/^.*?: /, '').split(' — ')[0]}`)), requested };
  }
}

async function resolveProxy(id: ComponentId, requested: string, o: GoOrigin): Promise<Source> {
  const query = requested === 'dev' ? o.branch : requested.startsWith('ref:') ? requested.slice(4) : tagVersion(id, requested, o.tagPrefix);
  const cwd = join(home(), 'components'); // anywhere outside a Go module
  mkdirSync(cwd, { recursive: true });
  const fail = (out: string): Error => {
    const why = goError(out).replace(`${o.module}@${query}: `, '');
    if (!missing.test(why)) return new Error(`${id} ${requested}: go could not resolve ${o.module}@${query}: ${why}`);
    const fix = `use a released tag${o.tagPrefix ? ` (vX.Y.Z for the git tag ${o.tagPrefix}vX.Y.Z)` : ''}, dev, ref:<commit>, a checkout with path:<dir>, or name a git repository of ${id} under sources: (the config, or ~/.config/codeflare-matrix/sources.yaml)`;
    return new UserError(`${id} ${requested}: ${o.module}@${query} is not on the Go module proxy: ${why}`, undefined, fix);
  };
  // `go list` turns a branch or ref into a (pseudo-)version; for a tag it checks the tag exists.
  const listed = await go(['list', '-m', '-json', `${o.module}@${query}`], { cwd });
  if (!listed.ok) throw fail(listed.all);
  const info = JSON.parse(listed.stdout) as { Version: string; Time?: string; Origin?: { Hash?: string } };
  const dl = await go(['mod', 'download', '-json', `${o.module}@${info.Version}`], { cwd });
  let j: { Error?: string; Dir?: string; Sum?: string; Origin?: { Hash?: string } } = {};
  try {
    j = JSON.parse(dl.stdout);
  } catch {
    // not JSON: reported below
  }
  if (!dl.ok || j.Error || !j.Dir) throw fail(j.Error ?? dl.all);
  const commit = j.Origin?.Hash ?? info.Origin?.Hash ?? pseudoCommit(info.Version);
  return {
    component: id,
    requested,
    resolved: info.Version,
    module: o.module,
    dir: j.Dir,
    ...(j.Sum ? { sum: j.Sum } : {}),
    ...(commit ? { commit } : {}),
    ...(info.Time ? { time: info.Time } : {}),
    ...(dl.unverified.length ? { unverified: dl.unverified } : {}),
  };
}

/** A local checkout: its go.mod must name the component's module; git tells the commit, when it is a repo. */
async function checkout(id: ComponentId, requested: string, o: GoOrigin): Promise<Source> {
  const dir = resolve(requested.slice('path:'.length));
  const text = await readFile(join(dir, 'go.mod'), 'utf8').catch(() => undefined);
  if (text === undefined) throw new UserError(`${id} ${requested}: ${dir} has no go.mod`, undefined, `point path: at the module root of ${o.module}`);
  const mod = /^module\s+"?([^\s"]+)/m.exec(text)?.[1];
  if (mod !== o.module) throw new UserError(`${id} ${requested}: ${dir}/go.mod is module ${mod}, not ${o.module}`);
  const git = (...args: string[]) => run('git', ['-C', dir, ...args]);
  const head = await git('rev-parse', 'HEAD');
  const src: Source = { component: id, requested, resolved: `path:${dir}`, module: o.module, dir, dirty: true, origin: 'checkout' };
  if (!head.ok) return src; // not a git repository: nothing to key a cache on
  src.commit = head.stdout.trim();
  src.time = (await git('log', '-1', '--format=%cI')).stdout.trim();
  src.dirty = (await git('status', '--porcelain', '--', '.')).stdout.trim() !== '';
  const tags = (await git('tag', '--points-at', 'HEAD')).stdout.split('\n').filter((t) => t.startsWith(`${o.tagPrefix}v`));
  if (!src.dirty && tags.length) src.tag = tags[0]!.slice(o.tagPrefix.length);
  return src;
}
