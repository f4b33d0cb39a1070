// An exclusive lock file holding the owner's pid, so two processes never build the same entry at once.
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LockOptions {
  /** Told once when we start waiting for another process. */
  log?: (line: string) => void;
  /** What the lock protects, for the waiting message. */
  what?: string;
  pollMs?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryAcquire(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx');
    await fh.writeFile(String(process.pid));
    await fh.close();
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Runs `fn` while holding the lock at `path`; waits for a live holder, takes over a dead one's lock. */
export async function withLock<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const start = Date.now();
  let told = 0; // when we last said we are waiting
  while (!(await tryAcquire(path))) {
    const text = await readFile(path, 'utf8').catch(() => '');
    const pid = Number.parseInt(text, 10);
    // An empty file is a holder between open and write; give it a moment rather than calling it stale.
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
      // Re-read just before removing, so a lock another waiter has just re-taken is not removed.
      if ((await readFile(path, 'utf8').catch(() => '')) === text) await unlink(path).catch(() => {});
      opts.log?.(`removed stale lock ${path} (pid ${pid} is gone)`);
      continue;
    }
    if (!told && Number.isInteger(pid)) {
      opts.log?.(`waiting for pid ${pid}, which is building ${opts.what ?? path} (lock ${path})`);
      told = Date.now();
    } else if (told && Date.now() - told >= 60_000) {
      opts.log?.(`… still waiting for pid ${pid} (${Math.round((Date.now() - start) / 1000)}s)`);
      told = Date.now();
    }
    await sleep(opts.pollMs ?? 500);
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => {});
  }
}
