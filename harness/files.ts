// File writes that never leave half a file behind.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes a file atomically: a reader sees the old content or the new, never half of it. */
export function writeAtomic(path: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

/**
 * Publishes a finished folder at `final` in one rename (an old one is moved aside, then removed),
 * so a reader sees the old entry or the new, never half of one. `manifest` is written into it last:
 * its presence is what makes an entry.
 */
export async function publishDir(tmp: string, final: string, manifest: unknown): Promise<void> {
  await writeFile(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const old = join(dirname(final), `.old-${basename(final)}-${process.pid}`); // hidden: never listed as an entry
  await rename(final, old).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  await rename(tmp, final);
  await rm(old, { recursive: true, force: true });
}
