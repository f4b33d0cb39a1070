// A Python component's source tree at a version, for what a wheel lacks (its tests) or a build of its
// own (a PR's checkout, dev): a checkout as it is (path:), or a git tree of the repository the user
// named under sources: (dev, ref:, a tag), exported once per commit.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { component, loadCatalog, type ComponentId } from '../../matrix/catalog/index.js';
import type { Sources } from '../../matrix/config.js';
import { UserError } from '../../lib/errors.js';
import { run } from '../../lib/exec.js';
import { home } from '../../lib/paths.js';
import type { Source } from './types.js';

/**
 * The test code of a component that is no Go module (a PyPI package's tests are in its git
 * repository, not its wheel): a checkout (path:), else the tree of its git source at the tag,
 * materialised once per commit; undefined when no git source is named.
 */
export async function pythonTree(id: ComponentId, requested: string, sources: Sources): Promise<Source | undefined> {
  const c = component(loadCatalog(), id);
  const pkg = c.source.kind === 'pypi' ? c.source.package : id;
  const git = (dir: string, ...args: string[]) => run('git', ['-C', dir, ...args]);
  if (requested.startsWith('path:')) {
    const dir = resolve(requested.slice('path:'.length));
    if (!existsSync(dir)) throw new UserError(`${id} ${requested}: ${dir} does not exist`, undefined, 'point path: at a checkout of the component');
    const head = await git(dir, 'rev-parse', 'HEAD');
    const dirty = !head.ok || (await git(dir, 'status', '--porcelain')).stdout.trim() !== '';
    return { component: id, requested, resolved: `path:${dir}`, module: pkg, dir, dirty, origin: 'checkout', ...(head.ok ? { commit: head.stdout.trim() } : {}) };
  }
  const g = sources[id];
  if (!g) return undefined;
  const tag = requested === 'dev' ? 'HEAD' : requested.startsWith('ref:') ? requested.slice(4) : requested;
  const commit = (await git(g.git, 'rev-parse', '--verify', '--quiet', `${tag}^{commit}`)).stdout.trim();
  if (!commit) throw new UserError(`${id} ${requested}: no such tag or ref in ${g.git} (the git source of ${id})`, g.at, `fetch it there (git -C ${g.git} fetch --tags)`);
  const tree = (await git(g.git, 'rev-parse', `${commit}^{tree}`)).stdout.trim();
  const dir = join(home(), 'suites', 'trees', id, commit);
  if (!existsSync(dir)) {
    mkdirSync(dirname(dir), { recursive: true });
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    const tar = `${tmp}.tar`;
    try {
      const a = await git(g.git, 'archive', '--format=tar', `--output=${tar}`, commit);
      if (!a.ok) throw new Error(`git archive ${commit} in ${g.git} failed: ${a.stderr.trim()}`);
      const x = await run('tar', ['-xf', tar, '-C', tmp]);
      if (!x.ok) throw new Error(`unpacking ${id} ${commit}: ${x.stderr.trim()}`);
      // another process may have made it meanwhile: the same commit, the same tree
      if (!existsSync(dir)) renameSync(tmp, dir);
    } finally {
      rmSync(tar, { force: true });
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { component: id, requested, resolved: requested, module: pkg, dir, commit, origin: 'git', git: { repository: g.git, tree } };
}
