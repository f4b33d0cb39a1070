// Wheelhouses: the wheels of a pin set (the catalog's wheelhouses.yaml) downloaded once from PyPI for
// the Python and platform of the image an upstream test runs its pip in, kept at
// home()/wheelhouse/<hash of the pin set>/ with every file's sha256 in manifest.json (written last:
// its presence is what makes a wheelhouse). package-index.ts serves them as a simple index.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { PinSet } from '../../matrix/catalog/index.js';
import { run } from '../../lib/exec.js';
import { publishDir } from '../../lib/files.js';
import { home } from '../../lib/paths.js';
import { duration, type Log } from './build.js';
import { sha256File } from './entry.js';
import { withLock } from './lock.js';
import { pipFor } from './pypi.js';
import { findInterpreters, howToGet, minor } from '../components/python.js';
import { normalize } from '../net/package-index.js';

export type { PinSet };

export const WheelhouseManifest = z.object({
  pinSet: z.object({ id: z.string(), python: z.string(), platforms: z.array(z.string()), before: z.string().optional(), requirements: z.array(z.string()), legacyMetadata: z.array(z.string()).optional(), sdists: z.array(z.string()).optional() }),
  key: z.string(),
  pip: z.string(),
  files: z.array(z.object({ file: z.string(), sha256: z.string(), size: z.number() })),
  seconds: z.number(),
  createdAt: z.string(),
});
export type WheelhouseManifest = z.infer<typeof WheelhouseManifest>;
export type Wheelhouse = { dir: string; manifest: WheelhouseManifest };

/** The pin sets the tests of `component` at `version` install (wheelhouses.yaml ranges). */
/** What makes two wheelhouses the same: the pins, the Python, the platforms, the date, and the pip that resolved them (not the id, a name). */
export function wheelhouseKey(p: Pick<PinSet, 'python' | 'platforms' | 'before' | 'requirements'> & { legacyMetadata?: string[]; sdists?: string[] }): string {
  const legacy = { ...(p.legacyMetadata?.length ? { legacyMetadata: [...p.legacyMetadata].sort(), legacyPip: LEGACY_PIP } : {}), ...(p.sdists?.length ? { sdists: [...p.sdists].sort() } : {}) };
  const what = { python: p.python, platforms: [...p.platforms].sort(), before: p.before ?? null, requirements: [...p.requirements].map((r) => r.toLowerCase()).sort(), pip: pipFor(p.python), ...legacy, resolvedOn: 'its own Python' }; // resolvedOn: those resolved on the host's Python before are not these
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

/** The last pip that takes the legacy specifiers of old metadata (`>=1.7.*`): pip 24.1 refuses them (pip#12063). */
export const LEGACY_PIP = 'pip==24.0';
const PIP_ENV = { PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_FIND_LINKS: '' };

/**
 * A pip in a virtualenv of its own on a Python of the pin set's minor (home()/wheelhouse/.pip-3.9,
 * .pip-legacy-3.9), made once: by default the one that knows --uploaded-prior-to. Of that minor,
 * because pip evaluates environment markers (`importlib-metadata; python_version < "3.10"`) with
 * the Python it runs on, whatever --python-version says.
 */
async function pip(log: Log, pythonMinor: string, version = pipFor(pythonMinor)): Promise<string> {
  const venv = join(wheelhouseRoot(), `${version === LEGACY_PIP ? '.pip-legacy' : '.pip'}-${pythonMinor}`);
  const python = join(venv, 'bin', 'python');
  return withLock(`${venv}.lock`, async () => {
    const stamp = join(venv, 'pip-version');
    if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === version) return python;
    const found = await findInterpreters();
    const base = found.find((i) => minor(i.version) === pythonMinor && i.venv);
    if (!base) throw new Error(`wheelhouse: needs Python ${pythonMinor} on this machine to resolve its pin set (${howToGet(pythonMinor, found)})`);
    await rm(venv, { recursive: true, force: true });
    log(`wheelhouse: a virtualenv of Python ${base.version} with ${version}`);
    for (const [cmd, args] of [[base.path, ['-m', 'venv', venv]], [python, ['-m', 'pip', 'install', '-q', version]]] as const) {
      const r = await run(cmd, [...args], { env: PIP_ENV });
      if (!r.ok) throw new Error(`wheelhouse: ${[cmd, ...args].join(' ')} failed: ${r.all.trim().split('\n').slice(-2).join(' | ')}`);
    }
    await writeFile(stamp, version + '\n');
    return python;
  }, { log, what: `the wheelhouse ${version}` });
}

/** A wheel's own requirements (no extras), with legacy specifiers as the pip of their time read them (`>=1.7.*` is `>=1.7`). */
const REQUIRES = `
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
meta = next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))
for line in z.read(meta).decode().splitlines():
    if line.startswith('Requires-Dist:') and 'extra ==' not in line:
        print(line.split(':', 1)[1].strip().replace('(', '').replace(')', '').replace('.*', ''))
`;

function pipError(what: string, all: string): Error {
  const error = all.split('\n').filter((l) => l.startsWith('ERROR:')).slice(0, 2).join(' ') || all.trim().split('\n').pop();
  return new Error(`${what} failed: ${error}`);
}

/** Makes sure the wheels of pin set `p` are downloaded (binary only, for its Python and platforms), and returns them. */
export async function ensureWheelhouse(p: Pick<PinSet, 'id' | 'python' | 'platforms' | 'before' | 'requirements'> & { legacyMetadata?: string[]; sdists?: string[] }, opts: { log?: Log } = {}): Promise<Wheelhouse> {
  const log = opts.log ?? (() => {});
  const key = wheelhouseKey(p);
  const dir = join(wheelhouseRoot(), key);
  const hit = read(dir);
  if (hit) return { dir, manifest: hit };
  return withLock(join(wheelhouseRoot(), `.${key}.lock`), async () => {
    const again = read(dir);
    if (again) return { dir, manifest: again };
    const start = Date.now();
    const python = await pip(log, p.python);
    const tmp = join(wheelhouseRoot(), `.tmp-${key}-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(join(tmp, 'files'), { recursive: true });
    try {
      const target = ['--only-binary=:all:', '--python-version', p.python, '--implementation', 'cp', ...p.platforms.flatMap((x) => ['--platform', x]), '--dest', join(tmp, 'files')];
      // Pins today's pip refuses: fetched alone (an exact pin needs no resolving), their requirements resolved with the rest.
      const legacy = p.legacyMetadata ?? [];
      const requirements = p.requirements.filter((r) => !legacy.includes(r));
      for (const pin of legacy) {
        const old = await pip(log, p.python, LEGACY_PIP);
        const before = new Set(readdirSync(join(tmp, 'files')));
        const r = await run(old, ['-m', 'pip', 'download', '--no-deps', ...target, pin], { env: PIP_ENV, timeout: 3600_000 });
        if (!r.ok) throw pipError(`wheelhouse ${p.id}: ${LEGACY_PIP} download ${pin}`, r.all);
        const wheel = readdirSync(join(tmp, 'files')).find((f) => !before.has(f))!;
        const deps = (await run('python3', ['-c', REQUIRES, join(tmp, 'files', wheel)])).stdout.split('\n').filter(Boolean);
        log(`wheelhouse ${p.id}: ${pin} by ${LEGACY_PIP} (its metadata is older than today's pip allows); its requirements: ${deps.join(', ')}`);
        requirements.push(...deps);
      }
      const date = p.before ? ['--uploaded-prior-to', `${p.before}T00:00:00Z`] : [];
      // Source-only projects: the sdist as PyPI served it then, and a wheel of it built here only so
      // that the binary-only resolving below finds it (then dropped: the sdist is what is served).
      const built = join(tmp, 'built');
      const sdists = p.sdists ?? [];
      for (const name of sdists) {
        const r = await run(python, ['-m', 'pip', 'download', '--no-deps', '--no-binary', name, ...date, '--dest', join(tmp, 'files'), name], { env: PIP_ENV, timeout: 3600_000 });
        if (!r.ok) throw pipError(`wheelhouse ${p.id}: pip download ${name} (source)`, r.all);
        const sdist = readdirSync(join(tmp, 'files')).find((f) => normalize(f).startsWith(`${normalize(name)}-`) && !f.endsWith('.whl'))!;
        const w = await run(python, ['-m', 'pip', 'wheel', '--no-deps', '--wheel-dir', built, join(tmp, 'files', sdist)], { env: PIP_ENV, timeout: 3600_000 });
        if (!w.ok) throw pipError(`wheelhouse ${p.id}: pip wheel ${sdist}`, w.all);
        log(`wheelhouse ${p.id}: ${sdist}, source only on PyPI: served as source`);
      }
      // pip builds an sdist in an isolated environment of what it fetches from the index: setuptools and wheel (PEP 517's fallback)
      if (sdists.length) requirements.push('setuptools>=40.8.0', 'wheel');
      const args = ['-m', 'pip', 'download', ...target, ...date, ...(sdists.length ? ['--find-links', built] : []), ...requirements];
      log(`wheelhouse ${p.id}: pip download ${requirements.join(' ')} (Python ${p.python}${p.before ? `, as PyPI served them before ${p.before}` : ''})`);
      const r = await run(python, args, { env: PIP_ENV, timeout: 3 * 3600_000 });
      if (!r.ok) throw pipError(`wheelhouse ${p.id}: pip download`, r.all);
      for (const f of existsSync(built) ? readdirSync(built) : []) await rm(join(tmp, 'files', f), { force: true });
      await rm(built, { recursive: true, force: true });
      const files = [];
      for (const file of readdirSync(join(tmp, 'files')).sort()) {
        const path = join(tmp, 'files', file);
        files.push({ file, sha256: await sha256File(path), size: statSync(path).size });
      }
      const manifest: WheelhouseManifest = {
        pinSet: { id: p.id, python: p.python, platforms: p.platforms, ...(p.before ? { before: p.before } : {}), requirements: p.requirements, ...(legacy.length ? { legacyMetadata: legacy } : {}), ...(sdists.length ? { sdists } : {}) },
        key,
        pip: pipFor(p.python),
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
