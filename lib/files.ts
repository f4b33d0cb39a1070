// File writes that never leave half a file behind, and reads of user input within limits.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from './errors.js';

const MiB = 2 ** 20;

/** The largest input of each kind the harness reads: a file past it is a mistake (a generated
 * config gone wrong, the wrong file), refused before it is read. The default matrix.yaml is 3 KiB,
 * a 100-cell results.json about 1 MiB. */
export const inputLimits = { config: 1 * MiB, sources: 1 * MiB, readme: 4 * MiB, results: 64 * MiB } as const;

/** Reads a user-named file of a kind, refusing what cannot be read or is over that kind's limit. */
export function readInput(path: string, kind: keyof typeof inputLimits, cannot: { what: string; fix: string }): Buffer {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UserError(cannot.what, path, cannot.fix);
  }
  const limit = inputLimits[kind];
  if (size > limit) throw new UserError(`${(size / MiB).toFixed(1)} MiB is over the ${limit / MiB} MiB a ${kind} file may be`, path, `check that this is the ${kind} file you meant`);
  try {
    return readFileSync(path);
  } catch {
    throw new UserError(cannot.what, path, cannot.fix);
  }
}

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
