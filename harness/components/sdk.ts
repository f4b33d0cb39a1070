// The CodeFlare SDK: one virtualenv per version and Python at home()/sdk/<tag>/py<version>/venv, on the
// newest Python of this machine the release runs on (python.ts), installed from the exact wheel PyPI
// serves (its sha256 checked and recorded). Its dependencies resolve as PyPI
// served them the day after that wheel's upload (pip --uploaded-prior-to), so an SDK is tested with
// the dependencies it was released against, not whatever is newest today (kubernetes 37's pydantic
// models break SDK 0.35–0.38); resolution `latest` asks for today's. sdk.json is written last: its
// presence is what makes an installed SDK. A version that cannot install or import on this Python
// leaves failed.json, so the next call says why at once instead of spending minutes in pip again.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { loadCatalog, withRole, type ComponentId } from '../../matrix/catalog/index.js';
import { UserError } from '../../lib/errors.js';
import { run } from '../../lib/exec.js';
import { writeAtomic } from '../../lib/files.js';
import { home } from '../../lib/paths.js';
import { duration, type Log } from '../toolchain/build.js';
import { sha256File } from '../toolchain/entry.js';
import { withLock } from '../toolchain/lock.js';
import { fileVersion, PIP, pypiFiles } from '../toolchain/pypi.js';
import { choose, findInterpreters, howToGet, pinsOf, type Interpreter } from './python.js';
import type { Provenance, Sdk, Source } from './types.js';
import type { Sources } from '../../matrix/config.js';
import { pythonTree } from './pytree.js';

/** The stack's Python client, as the catalog names it (`role: client`): its id and its PyPI package. */
function client(): { id: ComponentId; package: string } {
  const c = withRole(loadCatalog(), 'client');
  if (c.source.kind !== 'pypi') throw new Error(`the catalog's client ${c.id} is not a PyPI package`);
  return { id: c.id, package: c.source.package };
}

const Manifest = z.object({
  version: z.string(),
  /** The interpreter the virtualenv was made with, as asked for, and its version. */
  interpreter: z.string(),
  python: z.string(),
  provenance: z.record(z.string(), z.unknown()),
  resolution: z.enum(['release', 'latest']).default('latest'),
  seconds: z.number(),
  createdAt: z.string(),
});
const Failure = z.object({ interpreter: z.string(), message: z.string(), log: z.string(), at: z.string() });

const WALK = `
import importlib, json, pkgutil, codeflare_sdk
bad = []
for i in pkgutil.walk_packages(codeflare_sdk.__path__, 'codeflare_sdk.', onerror=lambda name: None):
    leaf = i.name.rsplit('.', 1)[-1]
    if leaf.startswith('test') or leaf.endswith('_test') or leaf == 'conftest' or '.tests.' in i.name:
        continue  # the SDK's own unit tests ship in the wheel and need pytest
    try:
        importlib.import_module(i.name)
    except Exception as e:
        bad.append(f'{i.name}: {type(e).__name__}: {e}')
print(json.dumps(bad))
`;

export const sdkDir = (tag: string): string => join(home(), 'sdk', tag);

/** Why pip failed, in one line: the package it names, the underlying complaint, its ERROR lines. */
export function pipFailure(output: string): string {
  // pip's progress bars: carriage returns and terminal escapes, not words
  const plain = output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[━╸╺]+\s*\d+\/\d+\s*(\[[^\]\n]*\])?/g, '');
  const lines = plain.split(/\r?\n|\r/).map((l) => l.trim());
  const errors = [...new Set(lines.filter((l) => l.startsWith('ERROR:')))];
  const pkg = /(?:Failed (?:to build|building wheel for)|Could not build wheels for|No matching distribution found for|satisfies the requirement)\s+([\w.[\]-]+(?:[<>=!~]=?[^\s,)]+)?)/.exec(output)?.[1];
  // A dependency that fails to build: its compiler's or setup script's last complaint is the reason.
  const cause = lines.filter((l) => /error:|Error:|requires a different Python/.test(l) && !l.startsWith('ERROR:') && !/subprocess-exited-with-error|metadata-generation-failed/.test(l)).pop();
  return [pkg ? `failing package: ${pkg}` : '', cause ? `cause: ${cause}` : '', ...errors.slice(0, 3).map((e) => e.replace(/\(from versions: [^)]{120,}\)/, '(from versions: …)'))]
    .filter(Boolean)
    .join('; ');
}

/** Why `import codeflare_sdk` failed: the exception, the file it came from and that file's distribution. */
async function importFailure(python: string, stderr: string): Promise<string> {
  const error = stderr.trim().split('\n').pop() ?? '';
  const frames = [...stderr.matchAll(/File "[^"]*site-packages\/([^"/]+)\/([^"]+)", line (\d+)/g)];
  const f = frames.pop();
  if (!f) return error;
  const py = "import importlib.metadata as m, sys; print(' '.join(d + ' ' + m.version(d) for d in m.packages_distributions().get(sys.argv[1], [])))";
  const dist = (await run(python, ['-c', py, f[1]!])).stdout.trim();
  return `${error} (in ${f[1]}/${f[2]}:${f[3]}${dist ? `, from ${dist}` : ''})`;
}

export type Resolution = 'release' | 'latest';

/** No Python on this machine runs the SDK: which Python it needs, and how to get one. A fact of the machine, not of the stack. */
export class NoPython extends UserError {}

const Release = z.object({
  /** 2: with defaultImagePythons. */
  v: z.literal(2),
  /** The client Pythons the SDK has a default Ray image for (its SUPPORTED_PYTHON_VERSIONS, from 0.2x): preferred, as the image it picks follows the client's Python. */
  defaultImagePythons: z.array(z.string()).default([]),
  wheel: z.object({ file: z.string(), sha256: z.string(), uploadTime: z.string().optional() }),
  requiresPython: z.string().optional(),
  pins: z.array(z.object({ name: z.string(), version: z.string(), files: z.array(z.object({ filename: z.string(), requiresPython: z.string().optional() })) })),
});
type Release = z.infer<typeof Release>;

/** The wheel's METADATA, and the keys of the SUPPORTED_PYTHON_VERSIONS table its modules define (none before it had one). */
const READ_WHEEL = `
import json, re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
keys = set()
for n in z.namelist():
    if n.endswith('.py'):
        m = re.search(r'SUPPORTED_PYTHON_VERSIONS\\s*=\\s*\\{([^}]*)\\}', z.read(n).decode('utf-8', 'replace'))
        if m:
            keys |= set(re.findall(r'["\\'](3\\.\\d+)["\\']\\s*:', m.group(1)))
meta = z.read(next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))).decode()
record = z.read(next(n for n in z.namelist() if n.endswith('.dist-info/RECORD'))).decode()
print(json.dumps({'metadata': meta, 'pythons': sorted(keys), 'record': record}))
`;

/**
 * What PyPI says of an SDK release, asked once and kept (sdk/<tag>/release.json): its wheel (downloaded
 * to sdk/<tag>/wheel/, its sha256 checked against PyPI's), requires-python, and the files of its exact pins.
 */
async function releaseOf(pkg: string, tag: string, python: string, log: Log): Promise<Release> {
  const dir = sdkDir(tag);
  const file = join(dir, 'release.json');
  const known = (): Release | undefined => {
    try {
      const r = Release.parse(JSON.parse(readFileSync(file, 'utf8')));
      if (existsSync(join(dir, 'wheel', r.wheel.file))) return r;
    } catch {
      // not asked yet
    }
    return undefined;
  };
  return known() ?? withLock(join(home(), 'sdk', `.${tag}.release.lock`), async () => known() ?? askPypi(pkg, tag, python, log), { log, what: `codeflare-sdk ${tag} on PyPI` });
}

async function askPypi(pkg: string, tag: string, python: string, log: Log): Promise<Release> {
  const dir = sdkDir(tag);
  const file = join(dir, 'release.json');
  const plain = tag.slice(1);
  log(`codeflare-sdk ${tag}: asking PyPI for the release and its pins`);
  const files = await pypiFiles(pkg);
  const wheel = files.find((f) => !f.yanked && f.filename.endsWith('.whl') && fileVersion(pkg, f.filename) === plain.toLowerCase());
  if (!wheel) throw new UserError(`codeflare-sdk ${tag} is not on PyPI`, pkg, 'use a version `pip index versions codeflare-sdk` lists');
  const res = await fetch(wheel.url, { signal: AbortSignal.timeout(300_000) });
  if (!res.ok) throw new Error(`codeflare-sdk ${tag}: downloading ${wheel.url}: HTTP ${res.status}`);
  await rm(join(dir, 'wheel'), { recursive: true, force: true });
  await mkdir(join(dir, 'wheel'), { recursive: true });
  const path = join(dir, 'wheel', wheel.filename);
  await writeFile(path, Buffer.from(await res.arrayBuffer()));
  const sha256 = await sha256File(path);
  if (wheel.sha256 && sha256 !== wheel.sha256) throw new Error(`codeflare-sdk ${tag}: ${wheel.filename} has sha256 ${sha256}, PyPI lists ${wheel.sha256}`);
  const read = await run(python, ['-c', READ_WHEEL, path]);
  if (!read.ok) throw new Error(`codeflare-sdk ${tag}: reading ${wheel.filename}'s METADATA: ${read.all.trim().split('\n').pop()}`);
  const meta = JSON.parse(read.stdout) as { metadata: string; pythons: string[] };
  const release: Release = {
    v: 2,
    defaultImagePythons: meta.pythons,
    wheel: { file: wheel.filename, sha256, ...(wheel.uploadTime ? { uploadTime: wheel.uploadTime } : {}) },
    ...(wheel.requiresPython ? { requiresPython: wheel.requiresPython } : {}),
    pins: await pinsOf(meta.metadata),
  };
  writeAtomic(file, JSON.stringify(release, null, 2) + '\n');
  return release;
}

/** The interpreter `python` names (a command or a path), as findInterpreters describes one. */
async function interpreterOf(python: string): Promise<Interpreter> {
  const r = await run(python, ['-c', 'import sys, platform; print(sys.executable); print(platform.python_version())']).catch(() => undefined);
  if (!r?.ok) throw new UserError(`Python ${python} does not run`, python, 'name an interpreter `codeflare-matrix doctor` lists');
  const [path, version] = r.stdout.trim().split('\n');
  return { path: path!, version: version!, from: 'PATH', venv: true };
}

/**
 * Makes sure SDK `version` (a tag like v0.14.0) is installed in its own virtualenv and importable, on
 * the newest Python of this machine it runs on: one PyPI's metadata admits (requires-python, wheels
 * for its exact pins) and that installs and imports it (0.14.0 installs on 3.11 and does not import:
 * the next older one is tried). `python` forces one interpreter.
 */
export async function ensureSdk(version: string, opts: { log?: Log; python?: string; force?: boolean; resolution?: Resolution; sources?: Sources } = {}): Promise<Sdk> {
  const log = opts.log ?? (() => {});
  const { package: PACKAGE } = client();
  if (version.startsWith('path:')) return fromTree(version, opts);
  if (version === 'dev' || version.startsWith('ref:')) {
    // PyPI has neither: the git repository the user named, at that branch or commit.
    const tree = await pythonTree(client().id, version, opts.sources ?? {});
    if (!tree) throw new UserError(`codeflare-sdk ${version}: PyPI publishes releases only`, PACKAGE, 'name a git repository of codeflare-sdk under sources: (the config, or ~/.config/codeflare-matrix/sources.yaml)');
    return fromTree(version, opts, tree);
  }
  const plain = version.replace(/^v/, '');
  if (!/^\d+\.\d+\.\d+([.-]?\w+)*$/.test(plain)) throw new UserError(`codeflare-sdk ${version}: not a version`, PACKAGE, 'use a tag like v0.14.0');
  const tag = `v${plain}`;
  const found = opts.python ? [await interpreterOf(opts.python)] : await findInterpreters();
  if (!found.length) throw new NoPython('no Python 3 found (PATH python3*, pyenv, uv)', PACKAGE, 'apt-get install -y python3 python3-venv, or pyenv install 3.11');
  const release = await releaseOf(PACKAGE, tag, found[0]!.path, log);
  // An SDK with default Ray images per client Python picks its image by the Python it runs on: one of those first.
  const choice = choose(release, found, release.defaultImagePythons);
  const fits = opts.python ? found : choice.fits;
  if (!fits.length) {
    const why = choice.misfits.map((m) => `${m.interpreter.version}: ${m.why}`).join('; ');
    const need = choice.missing ? `Python ${choice.missing}` : 'a Python that fits';
    const fix = choice.missing ? howToGet(choice.missing, found) : 'pick another SDK version';
    // The fix in the message itself: a cell records the message as the reason its SDK tests are blocked.
    throw new NoPython(`codeflare-sdk ${tag} needs ${need}, which this machine lacks (${why}); get it with ${fix}`, PACKAGE);
  }
  const tried: string[] = [];
  for (const py of fits) {
    try {
      const sdk = await installOn(tag, py, release, { ...opts, log });
      if (tried.length) sdk.provenance.differences.push(`codeflare-sdk ${tag} runs on Python ${py.version}, not a newer one here: ${tried.join('; ')}`);
      return sdk;
    } catch (e) {
      // Another Python may do (an SDK that installs and does not import on the newest): the next is tried.
      if (!(e instanceof UserError) || !/does not (install|import) on Python/.test(e.message) || py === fits.at(-1)) {
        if (tried.length && e instanceof UserError) throw new UserError(`${tried.join('; ')}; ${e.message}`, e.where, e.fix);
        throw e;
      }
      tried.push(e.message.replace(/ \(recorded [^)]*\)$/, ''));
      log(`${e.message}; trying an older Python`);
    }
  }
  throw new Error('unreachable');
}

/**
 * The SDK of a checkout (`path:<dir>`, a PR's) or of a git source's tree (dev, ref:): its wheel built
 * here by its own build backend (`pip wheel`, PEP 517), then installed as a release is, its
 * dependencies as PyPI served them the day after its commit (today's, outside git). Cached by the
 * wheel's RECORD (every file's hash): the same tree is one virtualenv, an edit another. The
 * provenance names the tree, its commit, and a checkout's uncommitted changes.
 */
async function fromTree(requested: string, opts: { log?: Log; python?: string; force?: boolean }, tree?: Source): Promise<Sdk> {
  const log = opts.log ?? (() => {});
  const { package: PACKAGE } = client();
  const dir = tree?.dir ?? resolve(requested.slice('path:'.length));
  if (!existsSync(join(dir, 'pyproject.toml')) && !existsSync(join(dir, 'setup.py'))) throw new UserError(`${PACKAGE} ${requested}: ${dir} has no pyproject.toml or setup.py`, dir, `point path: at the root of a ${PACKAGE} checkout`);
  const found = opts.python ? [await interpreterOf(opts.python)] : await findInterpreters();
  if (!found.length) throw new NoPython('no Python 3 found (PATH python3*, pyenv, uv)', PACKAGE, 'apt-get install -y python3 python3-venv, or pyenv install 3.11');
  const git = async (args: string[]) => ((r) => (r.ok ? r.stdout.trim() : undefined))(await run('git', ['-C', tree?.git?.repository ?? dir, ...args]));
  const commit = tree ? tree.commit : await git(['rev-parse', 'HEAD']);
  const dirty = !tree && (commit === undefined || !!(await git(['status', '--porcelain'])));
  // Its dependencies as PyPI served them the day after its commit, as a release's the day after its upload.
  const committed = commit ? await git(['log', '-1', '--format=%cI', commit]) : undefined;
  const build = await mkdtemp(join(tmpdir(), 'cfm-sdk-wheel-'));
  try {
    // Built from a copy: a backend writes into the tree it builds (build/, *.egg-info), and the checkout is the user's.
    const copy = join(build, 'tree');
    cpSync(dir, copy, { recursive: true, filter: (f) => relative(dir, f).split(sep)[0] !== '.git' });
    log(`${PACKAGE} ${requested}: building its wheel (pip wheel, its own build backend)`);
    const r = await run(found[0]!.path, ['-m', 'pip', 'wheel', '--no-deps', '--wheel-dir', build, copy], { env: { PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' }, timeout: 900_000 });
    const file = readdirSync(build).find((f) => f.endsWith('.whl'));
    if (!r.ok || !file) throw new UserError(`${PACKAGE} ${requested}: building its wheel failed: ${pipFailure(r.all) || r.all.trim().split('\n').pop()}`, dir, 'fix the checkout so `pip wheel` builds it');
    const read = await run(found[0]!.path, ['-c', READ_WHEEL, join(build, file)]);
    if (!read.ok) throw new Error(`${PACKAGE} ${requested}: reading ${file}'s METADATA: ${read.all.trim().split('\n').pop()}`);
    const meta = JSON.parse(read.stdout) as { metadata: string; pythons: string[]; record: string };
    const plain = /^Version:\s*(\S+)/m.exec(meta.metadata)?.[1] ?? '0.0.0';
    // the files and the day its dependencies are taken as of: the same tree committed later resolves them later
    const key = createHash('sha256').update(meta.record).update(committed ?? '').digest('hex').slice(0, 12);
    const tag = `v${plain}`;
    const label = `checkout-${key}`;
    const sha256 = await sha256File(join(build, file));
    const requiresPython = /^Requires-Python:\s*(.+)$/m.exec(meta.metadata)?.[1]?.trim();
    const release: Release = { v: 2, defaultImagePythons: meta.pythons, wheel: { file, sha256, ...(committed ? { uploadTime: new Date(committed).toISOString() } : {}) }, ...(requiresPython ? { requiresPython } : {}), pins: await pinsOf(meta.metadata) };
    mkdirSync(join(sdkDir(label), 'wheel'), { recursive: true });
    copyFileSync(join(build, file), join(sdkDir(label), 'wheel', file));
    const choice = choose(release, found, release.defaultImagePythons);
    const fits = opts.python ? found : choice.fits;
    if (!fits.length) throw new NoPython(`${PACKAGE} ${requested} (${plain}) needs ${choice.missing ? `Python ${choice.missing}` : 'a Python that fits'}, which this machine lacks`, PACKAGE, choice.missing ? howToGet(choice.missing, found) : undefined);
    const sdk = await installOn(label, fits[0]!, release, { log, force: opts.force, resolution: committed ? 'release' : 'latest', version: plain });
    const where = tree?.git
      ? `built from ${tree.git.repository} at ${commit!.slice(0, 12)}`
      : `built from the checkout ${dir}${commit ? ` at ${commit.slice(0, 12)}` : ' (not a git repository)'}${dirty ? ', with uncommitted changes' : ''}`;
    return {
      ...sdk,
      version: tag,
      provenance: { ...sdk.provenance, requested, resolved: tree?.git ? `v${plain}+g${commit!.slice(0, 12)}` : `path:${dir}`, origin: tree?.git ? 'git' : 'checkout', ...(tree?.git ? { git: { repository: tree.git.repository, tree: tree.git.tree } } : {}), ...(commit ? { commit } : {}), differences: [...sdk.provenance.differences, `${PACKAGE} ${plain} ${where}, not a release from PyPI`] },
    };
  } finally {
    await rm(build, { recursive: true, force: true });
  }
}

/** The SDK on one interpreter: its virtualenv at sdk/<tag>/py<version>/ (cached by SDK version and Python version). */
async function installOn(tag: string, py: Interpreter, release: Release, opts: { log: Log; force?: boolean; resolution?: Resolution; version?: string }): Promise<Sdk> {
  const { log } = opts;
  const resolution = opts.resolution ?? 'release';
  const { id: CLIENT, package: PACKAGE } = client();
  const plain = opts.version ?? tag.slice(1);
  const interpreter = py.path;
  const dir = join(sdkDir(tag), `py${py.version}`);
  // The wheel beside the virtualenv too: the kind provider's SDK image reads it from there.
  const wheelDir = join(dir, 'wheel');
  const venv = join(dir, 'venv');
  const python = join(venv, 'bin', 'python');
  const logFile = join(dir, 'install.log');
  const fix = 'pick another SDK version, or a Python it supports (the python option); install.log has pip’s whole output';
  const cached = (): Sdk | undefined => {
    if (opts.force) return undefined;
    try {
      const m = Manifest.parse(JSON.parse(readFileSync(join(dir, 'sdk.json'), 'utf8')));
      if (m.interpreter === interpreter && m.resolution === resolution && existsSync(python)) return { version: tag, venv, python, provenance: m.provenance as Provenance };
    } catch {
      // not installed
    }
    try {
      const f = Failure.parse(JSON.parse(readFileSync(join(dir, 'failed.json'), 'utf8')));
      // A record an earlier full disk left (before such failures went unrecorded) is no failure of the SDK.
      const diskFull = existsSync(f.log) && /No space left on device|Errno 28/.test(readFileSync(f.log, 'utf8'));
      if (f.interpreter === interpreter && !diskFull) throw new UserError(`${f.message} (recorded ${f.at.slice(0, 16)}; force to retry)`, f.log, fix);
    } catch (e) {
      if (e instanceof UserError) throw e;
    }
    return undefined;
  };
  const hit = cached();
  if (hit) return hit;
  return withLock(
    join(home(), 'sdk', `.${tag}-py${py.version}.lock`),
    async () => {
      const hit = cached();
      if (hit) return hit;
      const start = Date.now();
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const step = async (what: string, cmd: string, args: string[]) => {
        log(`codeflare-sdk ${tag}: ${what}`);
        const r = await run(cmd, args, { env: { PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
        await writeFile(logFile, `$ ${[cmd, ...args].join(' ')}\n${r.all}\n`, { flag: 'a' });
        return r;
      };
      const failed = (message: string, output = ''): Error => {
        // A full disk is this machine's state, not the SDK's: said, never recorded as the SDK's failure.
        if (/No space left on device|Errno 28/.test(output)) return new Error(`codeflare-sdk ${tag}: the disk filled while installing (No space left on device): free space and run again (log ${logFile})`);
        writeAtomic(join(dir, 'failed.json'), JSON.stringify({ interpreter, message, log: logFile, at: new Date().toISOString() }, null, 2) + '\n');
        return new UserError(message, logFile, fix);
      };
      const file = release.wheel.file;
      const wheel = { file, sha256: release.wheel.sha256 };
      mkdirSync(wheelDir, { recursive: true });
      copyFileSync(join(sdkDir(tag), 'wheel', file), join(wheelDir, file));
      let r = await step(`creating the virtualenv (Python ${py.version}, ${interpreter})`, interpreter, ['-m', 'venv', venv]);
      if (!r.ok) throw new Error(`codeflare-sdk ${tag}: ${interpreter} -m venv failed: ${r.all.trim().split('\n').pop()} (log ${logFile})`);
      const pyVersion = py.version;
      let cutoff: string | undefined;
      if (resolution === 'release') {
        if (!release.wheel.uploadTime) throw new Error(`codeflare-sdk ${tag}: PyPI lists no upload time for ${file}`);
        cutoff = new Date(Date.parse(release.wheel.uploadTime) + 24 * 3600_000).toISOString();
        r = await step(`installing ${PIP}`, python, ['-m', 'pip', 'install', PIP]);
        if (!r.ok) throw new Error(`codeflare-sdk ${tag}: installing ${PIP} on Python ${pyVersion} failed: ${pipFailure(r.all)} (log ${logFile})`);
      }
      const limit = cutoff ? ['--uploaded-prior-to', cutoff] : [];
      r = await step(`installing ${file} and its dependencies${cutoff ? ` as PyPI served them before ${cutoff.slice(0, 10)}` : ''}`, python, ['-m', 'pip', 'install', ...limit, join(wheelDir, file)]);
      if (!r.ok) throw failed(`codeflare-sdk ${tag} does not install on Python ${pyVersion}: ${pipFailure(r.all)}`, r.all);
      // The distribution's metadata, not codeflare_sdk.__version__: old SDKs lack it, newer fall back to "v0.0.0".
      r = await step('importing codeflare_sdk', python, ['-c', "import importlib.metadata as m, sys, codeflare_sdk; print(m.version(sys.argv[1]))", PACKAGE]);
      if (!r.ok) throw failed(`codeflare-sdk ${tag} installs but does not import on Python ${pyVersion}: ${await importFailure(python, r.stderr)}`);
      const installed = r.stdout.trim().split('\n').pop()!.trim();
      // Old SDKs import fine at the top and break deeper (v0.7.1: codeflare_sdk.job.jobs needs torchx):
      // import every module once and say which do not.
      const walk = await step('importing every codeflare_sdk module', python, ['-c', WALK]);
      let broken: string[];
      try {
        broken = JSON.parse(walk.stdout.trim().split('\n').pop() ?? '') as string[];
      } catch {
        broken = [`codeflare_sdk: importing its modules one by one failed: ${walk.stderr.trim().split('\n').pop()}`];
      }
      const freeze = (await run(python, ['-m', 'pip', 'freeze', '--all'])).stdout.split('\n').map((l) => /^([^=\s]+)==(\S+)$/.exec(l.trim())).filter((m) => m !== null);
      const provenance: Provenance = {
        component: CLIENT,
        requested: tag,
        resolved: `v${installed}`,
        module: PACKAGE,
        wheel,
        interpreter: { path: interpreter, version: pyVersion, from: py.from },
        ...(cutoff ? { resolvedBefore: cutoff } : {}),
        deps: freeze.map((m) => ({ path: m[1]!, version: m[2]! })),
        differences: [...(installed === plain ? [] : [`codeflare-sdk ${tag} reports version ${installed}`]), ...broken.map((b) => b.replace(': ', ` does not import on Python ${pyVersion}: `))],
      };
      const seconds = Math.round((Date.now() - start) / 100) / 10;
      writeAtomic(join(dir, 'sdk.json'), JSON.stringify({ version: tag, interpreter, python: pyVersion, provenance, resolution, seconds, createdAt: new Date().toISOString() }, null, 2) + '\n');
      log(`codeflare-sdk ${tag}: installed in ${duration(Date.now() - start)} (Python ${pyVersion} at ${interpreter}, ${file} sha256 ${wheel.sha256.slice(0, 12)}…)`);
      return { version: tag, venv, python, provenance };
    },
    { log, what: `codeflare-sdk ${tag} on Python ${py.version}` },
  );
}

/**
 * The environment an SDK user's Python runs in against a cluster: a home of its own whose
 * ~/.kube/config is the cluster's (SDK versions before v0.30 look for that file,
 * common/kubernetes_cluster/auth.py config_check, not $KUBECONFIG), and KUBECONFIG naming it.
 */
export function sdkEnv(kubeconfig: string, home: string): Record<string, string> {
  mkdirSync(join(home, '.kube'), { recursive: true, mode: 0o700 });
  copyFileSync(kubeconfig, join(home, '.kube', 'config'));
  chmodSync(join(home, '.kube', 'config'), 0o600);
  return { HOME: home, KUBECONFIG: join(home, '.kube', 'config'), PYTHONUNBUFFERED: '1' };
}
