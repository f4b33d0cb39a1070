// Which Python an SDK release runs on, from small metadata shaped as PyPI serves it.
import { test, expect } from '@playwright/test';
import { existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../lib/exec.js';
import { repoRoot } from '../../lib/paths.js';
import { scratchDir } from '../testing.js';
import { choose, exactPins, fileFits, findInterpreters, howToGet, satisfies, type Interpreter, type Requirements } from './python.js';

const py = (version: string, from: Interpreter['from'] = 'pyenv'): Interpreter => ({ path: `/p/${version}/bin/python3`, version, from, venv: true });
const machine = ['3.13.0', '3.12.1', '3.11.7', '3.10.13', '3.9.18', '3.8.18'].map((v) => py(v));
const wheels = (name: string, tags: string[], plat = 'manylinux2014_x86_64') => tags.map((t) => ({ filename: `${name}-${t}-${t === 'py3' ? 'none' : t}-${t === 'py3' ? 'any' : plat}.whl` }));

test('requires-python specifiers as PyPI writes them', () => {
  expect(satisfies('3.10.13', '>=3.7,<4.0')).toBe(true);
  expect(satisfies('3.10.13', '<4.0,>=3.11')).toBe(false);
  expect(satisfies('3.9.1', '!=3.9.*,>=3.8')).toBe(false);
  expect(satisfies('3.8.18', '~=3.8')).toBe(true);
  expect(satisfies('4.0.0', '~=3.8')).toBe(false);
  expect(satisfies('3.12.0', '==3.12.*')).toBe(true);
  expect(satisfies('3.12.0', undefined)).toBe(true);
});

test('a wheel fits by its tags and this machine’s platform; an sdist by requires-python only', () => {
  expect(fileFits({ filename: 'ray-2.1.0-cp310-cp310-manylinux2014_x86_64.whl' }, '3.10.2')).toBe(true);
  expect(fileFits({ filename: 'ray-2.1.0-cp310-cp310-manylinux2014_x86_64.whl' }, '3.11.7')).toBe(false);
  expect(fileFits({ filename: 'ray-2.1.0-cp310-cp310-macosx_11_0_arm64.whl' }, '3.10.2')).toBe(false);
  expect(fileFits({ filename: 'cryptography-40.0.2-cp36-abi3-manylinux_2_28_x86_64.whl' }, '3.13.0')).toBe(true);
  expect(fileFits({ filename: 'cryptography-40.0.2-cp36-abi3-manylinux_2_28_x86_64.whl' }, '3.5.0')).toBe(false);
  expect(fileFits({ filename: 'six-1.16.0-py2.py3-none-any.whl' }, '3.13.0')).toBe(true);
  expect(fileFits({ filename: 'x-1.0.tar.gz', requiresPython: '>=3.9' }, '3.8.1')).toBe(false);
  expect(fileFits({ filename: 'x-1.0.tar.gz' }, '3.13.0')).toBe(true);
});

test('exact pins come from METADATA in both spellings; ranges and conditional pins do not', () => {
  const meta = ['Requires-Python: >=3.7,<4.0', 'Requires-Dist: ray[default] (==2.1.0)', 'Requires-Dist: cryptography==40.0.2', 'Requires-Dist: kubernetes (>=25.3.0,<27)', 'Requires-Dist: pytest==7.0 ; extra == "test"'].join('\n');
  expect(exactPins(meta)).toEqual([{ name: 'ray', version: '2.1.0' }, { name: 'cryptography', version: '40.0.2' }]);
});

test('the newest Python the release’s pins have wheels for; each other one with its reason', () => {
  // SDK 0.5.0 as PyPI serves it: requires-python >=3.7,<4.0; ray 2.1.0 wheels cp36–cp310; a pure pin.
  const sdk050: Requirements = {
    requiresPython: '>=3.7,<4.0',
    pins: [
      { name: 'ray', version: '2.1.0', files: wheels('ray-2.1.0', ['cp36', 'cp37', 'cp38', 'cp39', 'cp310']) },
      { name: 'openshift-client', version: '1.0.18', files: wheels('openshift_client-1.0.18', ['py3']) },
    ],
  };
  const c = choose(sdk050, [...machine, py('3.10.4', 'PATH')]);
  expect(c.fits.map((i) => i.version)).toEqual(['3.10.13', '3.9.18', '3.8.18']); // one 3.10: the newest patch
  expect(c.misfits.find((m) => m.interpreter.version === '3.11.7')?.why).toBe('ray==2.1.0 has no file for Python 3.11 (cp36–cp310 wheels only)');
  // SDK 0.29.0: requires-python >=3.11 decides before any pin.
  const c29 = choose({ requiresPython: '<4.0,>=3.11', pins: [] }, machine);
  expect(c29.fits[0]!.version).toBe('3.13.0');
  expect(c29.misfits.map((m) => m.why)).toContain('requires-python <4.0,>=3.11');
  // An SDK with default Ray images for 3.11 and 3.12 only: those first, though 3.13 fits too.
  expect(choose({ requiresPython: '<4.0,>=3.11', pins: [] }, machine, ['3.11', '3.12']).fits.map((i) => i.version)).toEqual(['3.12.1', '3.11.7', '3.13.0']);
  // A machine with only 3.11 and 3.12: none fits, and the message names the newest that would.
  const none = choose(sdk050, [py('3.12.1'), py('3.11.7', 'PATH')]);
  expect(none.fits).toEqual([]);
  expect(none.missing).toBe('3.10');
  expect(howToGet(none.missing!, [py('3.11.7', 'uv')])).toBe('uv python install 3.10 or pyenv install 3.10');
  // An interpreter without venv never fits.
  expect(choose(sdk050, [{ ...py('3.10.1'), venv: false }]).misfits[0]!.why).toBe('it has no venv/ensurepip');
});

test('this machine’s interpreters: each runs, one per real executable, newest first', async () => {
  const found = await findInterpreters();
  expect(found.length).toBeGreaterThan(0);
  expect(new Set(found.map((f) => f.path)).size).toBe(found.length);
  const key = (v: string) => v.split('.').map(Number).reduce((a, n) => a * 1000 + n, 0);
  expect(found.map((f) => key(f.version))).toEqual(found.map((f) => key(f.version)).sort((a, b) => b - a));
});

test("pyenv's versions are read from its folder, never through its shims on PATH", async () => {
  // a pyenv of our own: one version (this machine's python3), and a shim that says when it is called
  const root = scratchDir('pyenv-');
  const real = (await run('python3', ['-c', 'import sys; print(sys.executable)'])).stdout.trim();
  mkdirSync(join(root, 'versions', '3.99.0', 'bin'), { recursive: true });
  symlinkSync(real, join(root, 'versions', '3.99.0', 'bin', 'python3'));
  mkdirSync(join(root, 'shims'));
  const called = join(root, 'shim-called');
  writeFileSync(join(root, 'shims', 'python3'), `#!/bin/sh\ntouch ${called}\nexec ${real} "$@"\n`, { mode: 0o755 });
  const script = `import { findInterpreters } from ${JSON.stringify(join(repoRoot, 'harness/components/python.ts'))}; console.log(JSON.stringify(await findInterpreters()));`;
  // PATH: the shims alone, so what is found comes from the versions folder
  const r = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env: { PYENV_ROOT: root, PATH: join(root, 'shims') } });
  expect(r.ok, r.all).toBe(true);
  const found = JSON.parse(r.stdout.trim().split('\n').pop()!) as Interpreter[];
  expect(found.map((i) => [i.from, i.path])).toEqual([['pyenv', realpathSync(real)]]);
  expect(existsSync(called)).toBe(false);
});
