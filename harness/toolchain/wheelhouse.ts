// Wheelhouses: the wheels of a pin set (the catalog's wheelhouses.yaml) downloaded once from PyPI for
// the Python and platform of the image an upstream test runs its pip in, kept at
// home()/wheelhouse/<hash of the pin set>/ with every file's sha256 in manifest.json (written last:
// its presence is what makes a wheelhouse). package-index.ts serves them as a simple index.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { z } from 'zod';
import { loadCatalog, type ComponentId, type PinSet } from '../../matrix/catalog/index.js';
import { run } from '../../lib/exec.js';
import { publishDir } from '../../lib/files.js';
import { home } from '../../lib/paths.js';
import { duration, type Log } from './build.js';
import { sha256File } from './entry.js';
import { withLock } from './lock.js';
import { PIP } from './pypi.js';

export type { PinSet };

export const WheelhouseManifest = z.object({
  pinSet: z.object({ id: z.string(), python: z.string(), platforms: z.array(z.string()), before: z.string().optional(), requirements: z.array(z.string()) }),
  key: z.string(),
  pip: z.string(),
  files: z.array(z.object({ file: z.string(), sha256: z.string(), size: z.number() })),
  seconds: z.number(),
  createdAt: z.string(),
});
export type WheelhouseManifest = z.infer<typeof WheelhouseManifest>;
export type Wheelhouse = { dir: string; manifest: WheelhouseManifest };

/** The pin sets the tests of `component` at `version` install (wheelhouses.yaml ranges). */
export function pinSetsFor(component: ComponentId, version: string): PinSet[] {
  const v = semver.coerce(version, { includePrerelease: false })?.version;
  return loadCatalog().wheelhouses.filter((p) => p.component === component && !!v && semver.satisfies(v, p.range));
}

/** What makes two wheelhouses the same: the pins, the Python, the platforms, the date, and the pip that resolved them (not the id, a name). */
export function wheelhouseKey(p: Pick<PinSet, 'python' | 'platforms' | 'before' | 'requirements'>): string {
  const what = { python: p.python, platforms: [...p.platforms].sort(), before: p.before ?? null, requirements: [...p.requirements].map((r) => r.toLowerCase()).sort(), pip: PIP };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 16);
}

export const wheelhouseRoot = (): string => join(home(), 'wheelhouse');

function read(dir: string): WheelhouseManifest | undefined {
  try {
    const m = WheelhouseManifest.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    return m.files.every((f) => existsSync(join(dir, 'files', f.file))) ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The pip that knows --uploaded-prior-to, in a virtualenv of its own (home()/wheelhouse/.pip), made once. */
async function pip(log: Log): Promise<string> {
  const venv = join(wheelhouseRoot(), '.pip');
  const python = join(venv, 'bin', 'python');
  return withLock(join(wheelhouseRoot(), '.pip.lock'), async () => {
    const stamp = join(venv, 'pip-version');
    if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === PIP) return python;
    await rm(venv, { recursive: true, force: true });
    log(`wheelhouse: a virtualenv with ${PIP}`);
    for (const [cmd, args] of [['python3', ['-m', 'venv', venv]], [python, ['-m', 'pip', 'install', '-q', PIP]]] as const) {
      const r = await run(cmd, [...args], { env: { PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
      if (!r.ok) throw new Error(`wheelhouse: ${[cmd, ...args].join(' ')} failed: ${r.all.trim().split('\n').slice(-2).join(' | ')}`);
    }
    await writeFile(stamp, PIP + '\n');
    return python;
  }, { log, what: 'the wheelhouse pip' });
}

/** Makes sure the wheels of pin set `p` are downloaded (binary only, for its Python and platforms), and returns them. */
export async function ensureWheelhouse(p: Pick<PinSet, 'id' | 'python' | 'platforms' | 'before' | 'requirements'>, opts: { log?: Log } = {}): Promise<Wheelhouse> {
  const log = opts.log ?? (() => {});
  const key = wheelhouseKey(p);
  const dir = join(wheelhouseRoot(), key);
  const hit = read(dir);
  if (hit) return { dir, manifest: hit };
  return withLock(join(wheelhouseRoot(), `.${key}.lock`), async () => {
    const again = read(dir);
    if (again) return { dir, manifest: again };
    const start = Date.now();
    const python = await pip(log);
    const tmp = join(wheelhouseRoot(), `.tmp-${key}-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(join(tmp, 'files'), { recursive: true });
    try {
      const args = [
        '-m', 'pip', 'download', '--only-binary=:all:', '--python-version', p.python, '--implementation', 'cp',
        ...p.platforms.flatMap((x) => ['--platform', x]),
        ...(p.before ? ['--uploaded-prior-to', `${p.before}T00:00:00Z`] : []),
        '--dest', join(tmp, 'files'), ...p.requirements,
      ];
      log(`wheelhouse ${p.id}: pip download ${p.requirements.join(' ')} (Python ${p.python}${p.before ? `, as PyPI served them before ${p.before}` : ''})`);
      const r = await run(python, args, { env: { PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_FIND_LINKS: '' }, timeout: 3 * 3600_000 });
      if (!r.ok) {
        const error = r.all.split('\n').filter((l) => l.startsWith('ERROR:')).slice(0, 2).join(' ') || r.all.trim().split('\n').pop();
        throw new Error(`wheelhouse ${p.id}: pip download failed: ${error}`);
      }
      const files = [];
      for (const file of readdirSync(join(tmp, 'files')).sort()) {
        const path = join(tmp, 'files', file);
        files.push({ file, sha256: await sha256File(path), size: statSync(path).size });
      }
      const manifest: WheelhouseManifest = {
        pinSet: { id: p.id, python: p.python, platforms: p.platforms, ...(p.before ? { before: p.before } : {}), requirements: p.requirements },
        key,
        pip: PIP,
        files,
        seconds: Math.round((Date.now() - start) / 100) / 10,
        createdAt: new Date().toISOString(),
      };
      await publishDir(tmp, dir, manifest);
      const mb = files.reduce((a, f) => a + f.size, 0) / 1e6;
      log(`wheelhouse ${p.id}: ${files.length} files, ${mb.toFixed(1)} MB in ${duration(Date.now() - start)} (${dir})`);
      return { dir, manifest };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }, { log, what: `wheelhouse ${p.id}` });
}
