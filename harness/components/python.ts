// The Pythons a machine has, and which of them a Python package release runs on: its
// requires-python and the wheels PyPI serves for its exact pins (SDK 0.5.0 pins ray 2.1.0, whose
// wheels stop at cp310), both read from PyPI, never from a table of ours.
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../lib/exec.js';
import { fileVersion, pypiFiles, type PypiFile } from '../toolchain/pypi.js';

/** An interpreter found on this machine: its real path, its version (3.10.13), where it was found. */
export type Interpreter = { path: string; version: string; from: 'PATH' | 'pyenv' | 'uv'; venv: boolean };

const PROBE = "import sys, platform, json, importlib.util as u; print(json.dumps([sys.executable, platform.python_version(), all(u.find_spec(m) is not None for m in ('venv', 'ensurepip'))]))";

export const minor = (version: string): string => version.split('.').slice(0, 2).join('.');

async function candidates(): Promise<{ cmd: string; from: Interpreter['from'] }[]> {
  const out: { cmd: string; from: Interpreter['from'] }[] = [];
  const pyenv = process.env.PYENV_ROOT || join(homedir(), '.pyenv');
  // PATH: python3 and python3.N. Not pyenv's shims (a chain of shell scripts, ~0.4 s a call, that
  // answer only for its selected versions): its versions are read from its folder below.
  for (const dir of (process.env.PATH ?? '').split(':').filter((d) => d && !`${d}/`.startsWith(`${pyenv}/`))) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) if (/^python3(\.\d+)?$/.test(n)) out.push({ cmd: join(dir, n), from: 'PATH' });
  }
  try {
    for (const v of readdirSync(join(pyenv, 'versions'))) if (existsSync(join(pyenv, 'versions', v, 'bin', 'python3'))) out.push({ cmd: join(pyenv, 'versions', v, 'bin', 'python3'), from: 'pyenv' });
  } catch {
    // no pyenv
  }
  const uv = await run('uv', ['python', 'list', '--only-installed', '--output-format', 'json'], { timeout: 30_000 }).catch(() => undefined);
  if (uv?.ok) {
    try {
      for (const p of JSON.parse(uv.stdout) as { path?: string | null; implementation?: string }[]) if (p.path && (p.implementation ?? 'cpython') === 'cpython') out.push({ cmd: p.path, from: 'uv' });
    } catch {
      // an older uv without JSON output
    }
  }
  return out;
}

let found: Promise<Interpreter[]> | undefined;

/** Every CPython 3 on this machine that runs (one per real executable), newest first. */
export function findInterpreters(): Promise<Interpreter[]> {
  found ??= (async () => {
    const seen = new Map<string, Interpreter>();
    const all = await candidates();
    // all at once (a start of each interpreter), then taken in the candidates' order
    const probes = await Promise.all(all.map((c) => run(c.cmd, ['-c', PROBE], { timeout: 30_000 }).catch(() => undefined)));
    for (const [i, c] of all.entries()) {
      const r = probes[i];
      if (!r?.ok) continue; // a broken link, an interpreter that does not start
      try {
        const [exe, version, venv] = JSON.parse(r.stdout.trim().split('\n').pop()!) as [string, string, boolean];
        const path = realpathSync(exe);
        if (!seen.has(path) && /^3\.\d+\.\d+$/.test(version)) seen.set(path, { path, version, from: c.from, venv });
      } catch {
        continue;
      }
    }
    return [...seen.values()].sort((a, b) => compare(b.version, a.version));
  })();
  return found;
}

const nums = (v: string): number[] => v.split('.').map((x) => Number.parseInt(x, 10) || 0);
function compare(a: string, b: string): number {
  const x = nums(a), y = nums(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** Whether Python `version` (3.10.13) satisfies a PEP 440 specifier set such as ">=3.7,<4.0" or "!=3.0.*,~=3.8". */
export function satisfies(version: string, spec: string | undefined): boolean {
  for (const clause of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(~=|===|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)(\.\*)?$/.exec(clause);
    if (!m) continue; // a pre-release or local segment: not about interpreter versions
    const [, op, v, star] = m as unknown as [string, string, string, string | undefined];
    const prefix = () => nums(version).slice(0, nums(v).length).join('.') === nums(v).join('.');
    const c = compare(version, v);
    const ok =
      op === '==' || op === '===' ? (star ? prefix() : c === 0)
      : op === '!=' ? (star ? !prefix() : c !== 0)
      : op === '>=' ? c >= 0
      : op === '<=' ? c <= 0
      : op === '>' ? c > 0
      : op === '<' ? c < 0
      : /* ~= */ c >= 0 && nums(version).slice(0, nums(v).length - 1).join('.') === nums(v).slice(0, -1).join('.');
    if (!ok) return false;
  }
  return true;
}

/** This machine's wheel platform words: any, or Linux on its architecture. */
const ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
function platformFits(plat: string): boolean {
  return plat.split('.').some((p) => p === 'any' || ((p.startsWith('manylinux') || p.startsWith('linux_')) && p.endsWith(ARCH)));
}

/** Whether a distribution file installs on Python `version` here: its requires-python, and for a wheel its tags. An sdist may (it is built). */
export function fileFits(f: Pick<PypiFile, 'filename' | 'requiresPython'>, version: string): boolean {
  if (!satisfies(version, f.requiresPython)) return false;
  if (!f.filename.endsWith('.whl')) return true;
  const parts = f.filename.slice(0, -4).split('-');
  const [py, abi, plat] = parts.slice(-3) as [string, string, string];
  if (!platformFits(plat)) return false;
  const [maj, min] = nums(version);
  return py.split('.').some((t) => {
    const m = /^(cp|py)(\d)(\d*)$/.exec(t);
    if (!m || Number(m[2]) !== maj) return false;
    if (!m[3]) return m[1] === 'py'; // py3: any Python 3
    const tagMinor = Number(m[3]);
    return abi === 'abi3' ? tagMinor <= min! : tagMinor === min;
  });
}

/** An exact pin of a release (`ray[default]==2.1.0`) and the files PyPI serves for that version. */
export type Pin = { name: string; version: string; files: Pick<PypiFile, 'filename' | 'requiresPython'>[] };
/** What PyPI says of a release for choosing its Python: its own requires-python and its exact pins' files. */
export type Requirements = { requiresPython?: string; pins: Pin[] };

/** The exact, unconditional pins of a wheel's METADATA (`Requires-Dist: ray[default] (==2.1.0)`). */
export function exactPins(metadata: string): { name: string; version: string }[] {
  const out: { name: string; version: string }[] = [];
  for (const line of metadata.split('\n')) {
    const m = /^Requires-Dist:\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*\(?\s*==\s*([^\s,;()*]+)\s*\)?\s*$/.exec(line.trim());
    if (m) out.push({ name: m[1]!, version: m[2]! });
  }
  return out;
}

export async function pinsOf(metadata: string): Promise<Pin[]> {
  const out: Pin[] = [];
  for (const p of exactPins(metadata)) {
    const files = (await pypiFiles(p.name)).filter((f) => !f.yanked && fileVersion(p.name, f.filename) === p.version.toLowerCase());
    out.push({ ...p, files: files.map((f) => ({ filename: f.filename, ...(f.requiresPython ? { requiresPython: f.requiresPython } : {}) })) });
  }
  return out;
}

/** Why a release does not run on Python `version`, or undefined when PyPI's metadata lets it. */
export function misfit(req: Requirements, version: string): string | undefined {
  if (!satisfies(version, req.requiresPython)) return `requires-python ${req.requiresPython}`;
  for (const p of req.pins) {
    if (p.files.length && !p.files.some((f) => fileFits(f, version))) return `${p.name}==${p.version} has no file for Python ${minor(version)} (${wheelTags(p)})`;
  }
  return undefined;
}

/** The Python tags a pin's wheels carry, as a range: "cp36–cp310 wheels only". */
function wheelTags(p: Pin): string {
  const key = (t: string) => nums((/(\d)(\d*)$/.exec(t) ?? ['', '0', '0']).slice(1).join('.'));
  const tags = [...new Set(p.files.filter((f) => f.filename.endsWith('.whl')).flatMap((f) => f.filename.slice(0, -4).split('-').at(-3)!.split('.')))];
  tags.sort((a, b) => compare(key(a).join('.'), key(b).join('.')));
  return tags.length > 1 ? `${tags[0]}–${tags.at(-1)} wheels only` : tags.length ? `${tags[0]} wheels only` : 'no wheels';
}

/** The minors 3.6 … 3.(newest found + 1): where to look for a Python that fits and this machine lacks. */
function minorsUpTo(newest: string | undefined): string[] {
  const top = Math.max(14, (nums(newest ?? '3.0')[1] ?? 0) + 1);
  return Array.from({ length: top - 5 }, (_, i) => `3.${i + 6}`);
}

/**
 * The interpreters a release runs on (newest first, one per minor; the minors in `prefer` before the
 * rest), and for each one that does not, why.
 */
export function choose(req: Requirements, found: Interpreter[], prefer: string[] = []): { fits: Interpreter[]; misfits: { interpreter: Interpreter; why: string }[]; missing?: string } {
  const fits: Interpreter[] = [];
  const misfits: { interpreter: Interpreter; why: string }[] = [];
  for (const i of found) {
    const why = !i.venv ? 'it has no venv/ensurepip' : misfit(req, i.version);
    if (why) misfits.push({ interpreter: i, why });
    // One per minor, the newest patch: what a minor cannot install or import, its other patches cannot either.
    else if (!fits.some((f) => minor(f.version) === minor(i.version))) fits.push(i);
  }
  const preferred = (i: Interpreter) => (prefer.includes(minor(i.version)) ? 0 : 1);
  fits.sort((a, b) => preferred(a) - preferred(b) || compare(b.version, a.version));
  // The newest minor PyPI's metadata admits, for the message when none here fits.
  const admitted = minorsUpTo(found[0]?.version).filter((m) => !misfit(req, `${m}.0`) || !misfit(req, `${m}.99`));
  return { fits, misfits, ...(admitted.length ? { missing: admitted.at(-1) } : {}) };
}

/** How to get Python `minor` (3.10): with the tools this machine has first. */
export function howToGet(minorVersion: string, found: Interpreter[]): string {
  const ways = [`pyenv install ${minorVersion}`, `uv python install ${minorVersion}`];
  return found.some((i) => i.from === 'uv') ? ways.reverse().join(' or ') : ways.join(' or ');
}
