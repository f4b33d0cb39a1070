// Edges a careless user meets: each one line (what, where, how to fix) and exit 2, in moments, with
// nothing left behind (no temporary file, no half-written output, no run folder outside out/runs).
import { test, expect } from '@playwright/test';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/exec.js';
import { UserError, printable } from '../lib/errors.js';
import { writeAtomic } from '../lib/files.js';
import { repoRoot } from '../lib/paths.js';
import { scratchDir } from '../lib/testing.js';

// Each case starts the CLI a few times (seconds each on a busy machine).
test.describe.configure({ timeout: 300_000 });

const cli = (args: string[], env: Record<string, string> = {}, cwd = repoRoot) =>
  run('node', [join(repoRoot, 'bin/codeflare-matrix.js'), ...args], { cwd, env: { CODEFLARE_MATRIX_DEBUG: '', CODEFLARE_MATRIX_SOURCES: '', GITHUB_STEP_SUMMARY: '', ...env }, timeout: 60_000 });

/** Exit 2 and one line on standard error that matches every pattern; returns the line. */
function oneLine(r: Awaited<ReturnType<typeof cli>>, ...patterns: RegExp[]): string {
  expect(r.exitCode, r.all).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  for (const p of patterns) expect(lines[0]).toMatch(p);
  return lines[0]!;
}

/** Every file under a folder, for "nothing left behind". */
const files = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).sort();

/** A folder this process cannot write: immutable for root (who passes permission bits), mode 0555 for anyone else. */
async function unwritable(dir: string): Promise<() => Promise<void>> {
  mkdirSync(dir);
  if (process.getuid?.() === 0) {
    const r = await run('chattr', ['+i', dir]);
    expect(r.ok, `chattr +i (root passes permission bits; the test needs an immutable folder): ${r.all}`).toBe(true);
    return async () => void (await run('chattr', ['-i', dir]));
  }
  chmodSync(dir, 0o555);
  return async () => chmodSync(dir, 0o755);
}

test('a FIFO as the config or as the sources file is refused, not read forever', async () => {
  const dir = scratchDir('cfm-edges');
  const fifo = join(dir, 'fifo');
  expect((await run('mkfifo', [fifo])).ok).toBe(true);
  oneLine(await cli(['plan', '-c', fifo]), /fifo: a FIFO \(named pipe\), not a file — fix: pass an existing file with --config/);
  oneLine(await cli(['plan'], { CODEFLARE_MATRIX_SOURCES: fifo }), /fifo: a FIFO \(named pipe\), not a file/);
  oneLine(await cli(['report', fifo]), /fifo: a FIFO \(named pipe\), not a file/);
});

test('outputs that cannot be written are refused before anything is written, and leave nothing', async () => {
  const dir = scratchDir('cfm-edges');
  const results = join(repoRoot, 'reports/testdata/nightly.json');
  const folder = join(dir, 'a-folder');
  mkdirSync(folder);
  writeFileSync(join(dir, 'a-file'), 'kept\n');
  oneLine(await cli(['plan', '--output-file', folder]), /--output-file .*a-folder: a folder, not a file — fix: name a file/);
  oneLine(await cli(['report', results, '-f', 'html', '--output-file', folder]), /a-folder: a folder, not a file/);
  oneLine(await cli(['merge', folder, results]), /<out> .*a-folder: a folder, not a file/);
  oneLine(await cli(['plan', '--output-file', join(dir, 'a-file', 'plan.json')]), /a-file is a file, not a folder — fix: name a file in a folder you can write/);
  oneLine(await cli(['report', results, '--output-file', join(dir, 'a-file', 'deeper', 'r.md')]), /a-file is a file, not a folder/);
  // a new folder under /proc: refused at once (a recursive mkdir there never returned)
  oneLine(await cli(['plan', '--output-file', '/proc/codeflare-matrix-new/plan.json']), /\/proc is on the kernel's proc filesystem, which holds no reports/);
  const locked = join(dir, 'locked');
  const unlock = await unwritable(locked);
  try {
    oneLine(await cli(['plan', '--output-file', join(locked, 'plan.json')]), /locked is not writable by this user — fix: name a file in a folder you can write/);
    oneLine(await cli(['report', results, '--output-file', join(locked, 'new', 'r.md')]), /locked is not writable by this user/);
  } finally {
    await unlock();
  }
  // the run folder: checked before anything is built
  oneLine(await cli(['run', '--out', join(dir, 'a-file')]), /--out .*a-file: a file, not a folder/);
  oneLine(await cli(['run', '--out', '/proc/codeflare-matrix-run']), /kernel's proc filesystem/);
  expect(files(dir)).toEqual(['a-file', 'a-folder', 'locked']);
  expect(readFileSync(join(dir, 'a-file'), 'utf8')).toBe('kept\n');
});

test('the atomic writer removes its temporary file when the write fails after the check', async () => {
  test.skip(process.getuid?.() !== 0, 'needs root: an immutable target (chattr +i) is what makes the rename fail after the check');
  const dir = scratchDir('cfm-edges');
  const target = join(dir, 'report.md');
  writeFileSync(target, 'old\n');
  expect((await run('chattr', ['+i', target])).ok).toBe(true);
  try {
    const e = (() => {
      try {
        writeAtomic(target, 'new\n');
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).line()).toMatch(/report\.md: cannot be written \(permission denied\)/);
  } finally {
    await run('chattr', ['-i', target]);
  }
  expect(files(dir)).toEqual(['report.md']);
  expect(readFileSync(target, 'utf8')).toBe('old\n');
});

test('configs: an alias bomb, a suite that matches nothing, a name that leaves out/runs', async () => {
  const dir = scratchDir('cfm-edges');
  const write = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
  const level = (n: number, from: string) => `l${n}: &l${n} [${Array(9).fill(`*${from}`).join(', ')}]\n`;
  const bomb = write('bomb.yaml', `l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n${[1, 2, 3, 4, 5, 6, 7, 8].map((n) => level(n, `l${n - 1}`)).join('')}kubernetes: ["1.31"]\n`);
  oneLine(await cli(['plan', '-c', bomb]), /bomb\.yaml: its aliases expand too far .* — fix: write the values out/);
  oneLine(await cli(['plan'], { CODEFLARE_MATRIX_SOURCES: write('sources-bomb.yaml', readFileSync(bomb, 'utf8').replace('kubernetes: ["1.31"]\n', '')) }), /sources-bomb\.yaml: its aliases expand too far/);
  const suites = write('suites.yaml', 'kubernetes: ["1.31"]\nsuites: [kuberay, kuberay-e2e]\n');
  oneLine(await cli(['plan', '-c', suites]), /suites\.yaml:2:19: suite selector "kuberay-e2e" matches no suite — fix: use "\*", "upstream:\*" or one of: kuberay, kueue/);
  for (const name of ['../..', '../../escape', '/tmp/x', '.hidden']) {
    const named = write('named.yaml', `name: ${JSON.stringify(name)}\nkubernetes: ["1.31"]\n`);
    oneLine(await cli(['plan', '-c', named]), /named\.yaml:1:7: name: a name is up to 64 letters, digits/);
    oneLine(await cli(['run', '-c', named], {}, dir), /named\.yaml:1:7: name:/);
  }
  expect(existsSync(join(dir, 'out'))).toBe(false);
});

test('run --cells that names no cell is refused, not read as every cell', async () => {
  for (const v of [',', ' , ,', '']) oneLine(await cli(['run', '--cells', v]), /--cells: --cells ".*" names no cell — fix: pass cell ids/);
});

test('a sources file that is not a sources mapping, or a variable naming no file', async () => {
  const dir = scratchDir('cfm-edges');
  const list = join(dir, 'list.yaml');
  writeFileSync(list, '- kuberay: /src/kuberay\n');
  oneLine(await cli(['plan'], { CODEFLARE_MATRIX_SOURCES: list }), /list\.yaml: a sources file is a mapping with one key, sources:, not a list — fix: write sources:/);
  const bare = join(dir, 'bare.yaml');
  writeFileSync(bare, 'kuberay: /src/kuberay\n');
  oneLine(await cli(['sources'], { CODEFLARE_MATRIX_SOURCES: bare }), /bare\.yaml:1:\d+: unknown key "kuberay": a sources file holds only sources:/);
  oneLine(await cli(['plan'], { CODEFLARE_MATRIX_SOURCES: join(dir, 'typo.yaml') }), /^codeflare-matrix: \$CODEFLARE_MATRIX_SOURCES: the sources file .*typo\.yaml does not exist — fix: create it/);
  // an empty file and an empty variable are "no sources"
  writeFileSync(join(dir, 'empty.yaml'), '');
  expect((await cli(['plan'], { CODEFLARE_MATRIX_SOURCES: join(dir, 'empty.yaml') })).exitCode).toBe(0);
});

test('an error line is bounded and printable whatever it echoes', async () => {
  const dir = scratchDir('cfm-edges');
  const long = join(dir, 'long.yaml');
  writeFileSync(long, `kubernetes: ["1.31"]\ncomponents:\n  kuberay: "v${'9'.repeat(900_000)}"\n`);
  const line = oneLine(await cli(['plan', '-c', long]), /long\.yaml:3:12: components\.kuberay: "v9+…/, /— fix: use a tag/);
  expect(line.length).toBeLessThan(1200);
  const sly = join(dir, 'sly.yaml');
  writeFileSync(sly, 'kubernetes: ["1.31"]\ncomponents:\n  kuberay: "v1\\u202Egnp.exe\\0\\e[31m"\n');
  const echoed = oneLine(await cli(['plan', '-c', sly]), /"v1\\u202egnp\.exe\\x00\\x1b\[31m" is not a version selector/);
  expect(echoed).not.toMatch(/[\u0000-\u001f\u202e]/);
  expect(printable('a\nb\u2066c', 10)).toBe('a\\x0ab\\u2066c');
  expect(printable('x'.repeat(20), 10)).toBe(`${'x'.repeat(9)}…`);
});

test('-o is a format, as in kubectl: plan -o json prints JSON and writes no file named json; files go to --output-file', async () => {
  const dir = scratchDir('cfm-edges');
  const r = await cli(['plan', '-o', 'json'], {}, dir);
  expect(r.exitCode, r.all).toBe(0);
  expect((JSON.parse(r.stdout) as { cells: unknown[] }).cells.length).toBeGreaterThan(0);
  const y = await cli(['plan', '-o', 'yaml'], {}, dir);
  expect(y.stdout).toMatch(/^name: default$/m);
  const md = await cli(['report', join(repoRoot, 'reports/testdata/nightly.json'), '-o', 'json', '--output-file', join(dir, 'matrix.json')], {}, dir);
  expect(md.exitCode, md.all).toBe(0);
  expect(files(dir)).toEqual(['matrix.json']);
  oneLine(await cli(['plan', '-o', 'plan.json']), /option '-o, --output <format>' argument 'plan\.json' is invalid\. Allowed choices are table, wide, json, yaml, github-matrix/);
});

test('help for a command that does not exist', async () => {
  oneLine(await cli(['help', 'nonexistent']), /help: no command "nonexistent" — fix: one of: plan, catalog, doctor, .*run, merge, report/);
  const ok = await cli(['help', 'plan']);
  expect(ok.exitCode).toBe(0);
  expect(ok.stdout).toMatch(/Usage: codeflare-matrix plan/);
});
