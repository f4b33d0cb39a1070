// Clean checkouts of a ref from a local git repository (a clone or mirror), for building a
// component from `path:` when the Go module proxy does not serve it.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComponentId } from '../../matrix/catalog/index.js';
import { run } from '../exec.js';
import { home } from '../paths.js';
import { withLock } from '../toolchain/lock.js';

/**
 * A detached worktree of `ref` at home()/checkouts/<id>/<ref>, sharing one bare clone of `gitDir`
 * per component. Returns the worktree's root (a sub-module lives in a directory below it).
 */
export async function checkoutRef(id: ComponentId, gitDir: string, ref: string): Promise<string> {
  const root = join(home(), 'checkouts');
  const bare = join(root, `${id}.git`);
  const dest = join(root, id, ref.replace(/[^\w.-]/g, '_'));
  await mkdir(join(root, id), { recursive: true });
  const git = async (...args: string[]): Promise<string> => {
    const r = await run('git', args);
    if (!r.ok) throw new Error(`git ${args.join(' ')}: ${r.all.trim()}`);
    return r.stdout.trim();
  };
  return withLock(join(root, `.${id}.lock`), async () => {
    if (!existsSync(bare)) await git('clone', '--bare', '--quiet', gitDir, bare);
    const want = await git('-C', bare, 'rev-parse', '--verify', `${ref}^{commit}`).catch(async () => {
      await git('-C', bare, 'fetch', '--quiet', gitDir, '+refs/tags/*:refs/tags/*', '+refs/heads/*:refs/heads/*');
      return git('-C', bare, 'rev-parse', '--verify', `${ref}^{commit}`);
    });
    if (existsSync(dest)) {
      if ((await git('-C', dest, 'rev-parse', 'HEAD').catch(() => '')) !== want) await git('-C', dest, 'checkout', '--quiet', '--force', '--detach', want);
      return dest;
    }
    await git('-C', bare, 'worktree', 'prune');
    await git('-C', bare, 'worktree', 'add', '--quiet', '--force', '--detach', dest, want);
    return dest;
  });
}
