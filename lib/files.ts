// File writes that never leave half a file behind, and reads of user input within limits.
import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync, statSync, statfsSync, writeFileSync, type Stats } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { UserError } from './errors.js';

const MiB = 2 ** 20;

/** The largest input of each kind the harness reads: a file past it is a mistake (a generated
 * config gone wrong, the wrong file), refused before it is read. The default matrix.yaml is 3 KiB,
 * a 100-cell results.json about 1 MiB. */
export const inputLimits = { config: 1 * MiB, sources: 1 * MiB, readme: 4 * MiB, results: 64 * MiB } as const;

/** Reads a user-named file of a kind, refusing what cannot be read or is over that kind's limit. */
export function readInput(path: string, kind: keyof typeof inputLimits, cannot: { what: string; fix: string }): Buffer {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    throw new UserError(cannot.what, path, cannot.fix);
  }
  // A FIFO or a device would block the read forever, or never end; a folder is no file.
  if (!st.isFile()) throw new UserError(`${kindOf(st)}, not a file`, path, cannot.fix);
  const size = st.size;
  const limit = inputLimits[kind];
  if (size > limit) throw new UserError(`${(size / MiB).toFixed(1)} MiB is over the ${limit / MiB} MiB a ${kind} file may be`, path, `check that this is the ${kind} file you meant`);
  try {
    return readFileSync(path);
  } catch {
    throw new UserError(cannot.what, path, cannot.fix);
  }
}

/** What a path is that is not a regular file, for messages. */
function kindOf(st: Stats): string {
  return st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a FIFO (named pipe)' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isFile() ? 'a file' : 'not a regular file';
}

// Kernel filesystems that look like folders but hold no files of ours (statfs magic numbers from
// linux/magic.h): creating a folder in /proc fails in a way that makes a recursive mkdir spin.
const kernelFilesystems = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x63677270, 'cgroup2'],
  [0x27e0eb, 'cgroup'],
  [0x64626720, 'debugfs'],
  [0x1cd1, 'devpts'],
]);

/** stat, or undefined where nothing is: also a path through a file (ENOTDIR). */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    if (['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw e;
  }
}

/**
 * Refuses, before any work, an output that cannot be written: an existing folder (or a FIFO, a
 * device) where a file goes, a file where a folder goes, a path through a file, a kernel
 * filesystem, a folder the user may not write. `flag` names the option the path came from.
 */
export function checkOutput(path: string, flag?: string, want: 'file' | 'folder' = 'file'): void {
  const abs = resolve(path);
  const where = flag ? `${flag} ${path}` : path;
  const fix = `name a ${want} in a folder you can write`;
  const st = statOf(abs);
  if (st && want === 'file' && !st.isFile()) throw new UserError(`${kindOf(st)}, not a file`, where, `name a file (e.g. ${join(path, 'out')})`);
  if (st && want === 'folder' && !st.isDirectory()) throw new UserError(`${kindOf(st)}, not a folder`, where, fix);
  // the nearest folder that exists: what is made below it is made by us
  let above = st && want === 'folder' ? abs : dirname(abs);
  let found = statOf(above);
  while (!found) {
    above = dirname(above);
    found = statOf(above);
  }
  if (!found.isDirectory()) throw new UserError(`${above} is ${kindOf(found)}, not a folder`, where, fix);
  const kernel = kernelFilesystems.get(statfsSync(above).type);
  if (kernel) throw new UserError(`${above} is on the kernel's ${kernel} filesystem, which holds no reports`, where, fix);
  try {
    accessSync(above, constants.W_OK);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'EROFS' ? 'is read-only' : 'is not writable by this user';
    throw new UserError(`${above} ${why}`, where, fix);
  }
}

/**
 * Writes a file atomically: a reader sees the old content or the new, never half of it. The path is
 * checked first (a folder there, a path through a file …: one line, exit 2), and the temporary
 * file goes whatever fails.
 */
export function writeAtomic(path: string, text: string, mode = 0o644): void {
  checkOutput(path);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code ?? '';
    // what the check cannot see beforehand: a file marked immutable, a mount gone read-only
    if (['EACCES', 'EPERM', 'EROFS'].includes(code)) throw new UserError(`cannot be written (${code === 'EROFS' ? 'read-only filesystem' : 'permission denied'})`, path, 'name a file you can write, or fix its permissions');
    throw e;
  }
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

/** Whether an executable named `tool` is in a folder of $PATH. */
export function onPath(tool: string, path = process.env.PATH ?? ''): boolean {
  return pathOf(tool, path) !== undefined;
}

/** The first executable named `tool` in the folders of $PATH, as `which` finds it. */
export function pathOf(tool: string, path = process.env.PATH ?? ''): string | undefined {
  return path
    .split(delimiter)
    .filter(Boolean)
    .map((d) => join(d, tool))
    .find((f) => {
      try {
        accessSync(f, constants.X_OK);
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
}
