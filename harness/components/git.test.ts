// Git sources, on repositories this test makes: Go modules with the operator's and InstaScale's
// module paths, tags, a default branch, and a requirement no proxy serves, replaced from the other
// repository. Nothing here reads the user's sources file (playwright.config.ts points it nowhere).
import { test, expect } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { UserError } from '../../lib/errors.js';
import { buildComponent } from './build.js';
import type { Sources } from '../../matrix/config.js';
import { commitVersion, parseSources, resolveGit } from './git.js';
import { embedded } from '../../model/results.js';
import { resolveSource } from './source.js';
import { rejection } from '../testing.js';

const OPERATOR = 'github.com/project-codeflare/codeflare-operator';
const INSTASCALE = 'github.com/project-codeflare/instascale';
const COMMON = 'example.com/codeflare-common';
const bin = join(process.cwd(), 'bin', 'codeflare-matrix.js');

let root: string;
let operator: string;
let instascale: string;
let common: string;
const commits: Record<string, string> = {};

async function repo(dir: string, files: Record<string, string>, env: Record<string, string> = {}): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  const g = (...args: string[]) => execa('git', ['-C', dir, ...args], { env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', ...env } });
  await execa('git', ['init', '-q', '-b', 'main', dir]);
  await g('add', '.');
  await g('commit', '-q', '-m', 'one');
  return (await g('rev-parse', 'HEAD')).stdout.trim();
}

const gitIn = (dir: string, ...args: string[]) => execa('git', ['-C', dir, ...args], { env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_COMMITTER_DATE: '2025-01-02T03:04:05Z', GIT_AUTHOR_DATE: '2025-01-02T03:04:05Z' } });

// A home of its own (its builds and trees stay out of the real cache), given back after the file:
// the worker runs other files after this one.
let realHome: string | undefined;

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cfm-git-'));
  realHome = process.env.CODEFLARE_MATRIX_HOME;
  process.env.CODEFLARE_MATRIX_HOME = join(root, 'home');
  // InstaScale v0.98.7: a version no proxy has, so the operator's requirement must come from git.
  instascale = join(root, 'instascale');
  await repo(instascale, { 'go.mod': `module ${INSTASCALE}\n\ngo 1.22\n`, 'version/version.go': 'package version\n\nconst Name = "instascale from git"\n' });
  await gitIn(instascale, 'tag', '-a', '-m', 'v0.98.7', 'v0.98.7');
  // A library named by its module path, required at a pseudo-version (as the operator requires codeflare-common).
  common = join(root, 'common');
  const c = await repo(common, { 'go.mod': `module ${COMMON}\n\ngo 1.22\n`, 'support/support.go': 'package support\n\nconst Name = "common"\n' }, { GIT_COMMITTER_DATE: '2025-01-02T03:04:05Z' });
  const pseudo = `v0.0.0-20250102030405-${c.slice(0, 12)}`;
  operator = join(root, 'operator');
  commits.tag = await repo(operator, {
    'go.mod': `module ${OPERATOR}\n\ngo 1.22\n\nrequire (\n\t${INSTASCALE} v0.98.7\n\t${COMMON} ${pseudo}\n)\n`,
    'main.go': `package main\n\nimport (\n\t"fmt"\n\n\t"${INSTASCALE}/version"\n\t"${COMMON}/support"\n)\n\nfunc main() { fmt.Println("operator with", version.Name, "and", support.Name) }\n`,
  });
  await gitIn(operator, 'tag', 'v1.99.9');
  writeFileSync(join(operator, 'NEWS'), 'after the tag\n');
  await gitIn(operator, 'add', '.');
  await gitIn(operator, 'commit', '-q', '-m', 'two');
  commits.dev = (await gitIn(operator, 'rev-parse', 'HEAD')).stdout.trim();
  await gitIn(operator, 'branch', 'feature', commits.tag);
});

test.afterAll(async () => {
  if (realHome === undefined) delete process.env.CODEFLARE_MATRIX_HOME;
  else process.env.CODEFLARE_MATRIX_HOME = realHome;
  await execa('chmod', ['-R', 'u+w', root]);
  rmSync(root, { recursive: true, force: true });
});

function sources(extra = ''): Sources {
  const file = join(root, 'sources.yaml');
  const text = `sources:\n  codeflare-operator: ./operator\n  instascale: { git: ${instascale}, prefer: git }\n  ${COMMON}: ./common\n${extra}`;
  writeFileSync(file, text);
  return parseSources(text, file);
}

test('a tag the proxy does not serve comes from the git source: commit, tree, read-only, provenance', async () => {
  const s = await resolveSource('codeflare-operator', 'v1.99.9', sources());
  expect(s).toMatchObject({ component: 'codeflare-operator', requested: 'v1.99.9', resolved: 'v1.99.9', tag: 'v1.99.9', commit: commits.tag, origin: 'git', module: OPERATOR });
  expect(s.git!.repository).toBe(operator);
  expect(s.git!.tree).toBe((await gitIn(operator, 'rev-parse', `${commits.tag}^{tree}`)).stdout.trim());
  expect(s.git!.why).toMatch(/Go module proxy/);
  expect(s.sum).toBeUndefined(); // no checksum-database entry for a git tree
  expect(statSync(join(s.dir, 'go.mod')).mode & 0o222).toBe(0);
  expect(s.dir).toContain(join('sources', 'codeflare-operator', commits.tag!));
});

test('dev is the default branch head as a pseudo-version after the newest tag; ref: takes a branch or a commit', async () => {
  const src = sources();
  const dev = await resolveSource('codeflare-operator', 'dev', src);
  expect(dev.commit).toBe(commits.dev);
  expect(dev.resolved).toBe(`v1.99.10-0.20250102030405-${commits.dev!.slice(0, 12)}`);
  expect(dev.tag).toBeUndefined();
  const branch = await resolveSource('codeflare-operator', 'ref:feature', src);
  expect(branch).toMatchObject({ commit: commits.tag, resolved: 'v1.99.9', tag: 'v1.99.9' });
  const byCommit = await resolveSource('codeflare-operator', `ref:${commits.dev!.slice(0, 10)}`, src);
  expect(byCommit.commit).toBe(commits.dev);
  // bisect names a commit by its version: a tag, else Go's pseudo-version, which resolves to it here
  expect(await commitVersion(operator, 'codeflare-operator', commits.tag!)).toBe('v1.99.9');
  const pseudo = await commitVersion(operator, 'codeflare-operator', commits.dev!);
  expect(pseudo).toBe(dev.resolved);
  expect(await resolveSource('codeflare-operator', pseudo, src)).toMatchObject({ requested: pseudo, resolved: pseudo, commit: commits.dev, origin: 'git' });
  expect((await resolveSource('codeflare-operator', pseudo, src)).tag).toBeUndefined();
  // prefer: git never asks the proxy; the InstaScale tag resolves in its repository.
  expect(await resolveSource('instascale', 'v0.98.7', src)).toMatchObject({ origin: 'git', tag: 'v0.98.7', git: { why: 'prefer: git' } });
});

test('a requirement the proxy refuses is replaced with the tree of its configured git source', async () => {
  test.setTimeout(5 * 60_000);
  const src = sources();
  const b = await buildComponent(await resolveSource('codeflare-operator', 'v1.99.9', src), { sources: src });
  const out = await execa(b.binary);
  expect(out.stdout).toBe('operator with instascale from git and common');
  expect(b.provenance.origin).toBe('git');
  const head = (await gitIn(common, 'rev-parse', 'HEAD')).stdout.trim();
  expect(b.provenance.fromGit).toEqual({
    [`${INSTASCALE}@v0.98.7`]: (await gitIn(instascale, 'rev-parse', 'v0.98.7^{commit}')).stdout.trim(),
    [`${COMMON}@v0.0.0-20250102030405-${head.slice(0, 12)}`]: head,
  });
  const dep = b.provenance.deps!.find((d) => d.path === INSTASCALE)!;
  expect(dep.version).toBe('v0.98.7');
  expect(dep.replacedBy?.path).toContain(join('sources', 'instascale'));
  expect(embedded(b.provenance, INSTASCALE)).toBeDefined();
  expect(b.provenance.differences.join('\n')).toMatch(/instascale v0\.98\.7 \(required by codeflare-operator\) built from the git source/);
  // Without InstaScale's source the same build cannot resolve it, and says so.
  const only = { 'codeflare-operator': src['codeflare-operator']! };
  const alone = await rejection(buildComponent(await resolveSource('codeflare-operator', 'dev', only), { sources: only }));
  expect(alone.message).toMatch(/resolving the dependencies failed/);
});

test('bad git sources: one line each, naming the file and line', async () => {
  const file = join(root, 'bad.yaml');
  const bad = (text: string) => {
    try {
      parseSources(text, file);
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      return (e as UserError).line();
    }
    throw new Error('expected a UserError');
  };
  expect(bad('sources:\n  codeflare-operator: ./nowhere\n')).toMatch(/bad\.yaml:2:23: sources\.codeflare-operator: .*nowhere does not exist/);
  mkdirSync(join(root, 'plain'), { recursive: true });
  expect(bad('sources:\n  kueue: ./plain\n')).toMatch(/bad\.yaml:2:10: sources\.kueue: .*plain is not a git repository/);
  expect(bad('sources:\n  kubeflow: ./operator\n')).toMatch(/bad\.yaml:2:\d+: unknown component "kubeflow"/);
  expect(bad('sources:\n  kubernetes: ./operator\n')).toMatch(/unknown component "kubernetes"/);
  // a PyPI component's repository: its e2e tests come from there (never what installs)
  expect(parseSources('sources:\n  codeflare-sdk: ./operator\n', file)['codeflare-sdk']!.git).toBe(join(root, 'operator'));
  const src = sources();
  const g = src['codeflare-operator']!;
  expect((await rejection(resolveGit('codeflare-operator', 'v1.0.0', g))).message).toMatch(/no tag v1\.0\.0 in .*operator \(the git source of codeflare-operator\)/);
  expect((await rejection(resolveGit('codeflare-operator', 'ref:v1.0.0; touch x', g))).message).toBe('codeflare-operator ref:v1.0.0; touch x: "v1.0.0; touch x" is not a valid git ref name');
  // The operator's repository named as MCAD's: its go.mod is another module.
  const wrong = await rejection(resolveGit('mcad', 'ref:main', { ...g }));
  expect(wrong.message).toMatch(/is module github\.com\/project-codeflare\/codeflare-operator, not github\.com\/project-codeflare\/multi-cluster-app-dispatcher/);
});

test('the CLI: a config naming a missing source is refused in one line, exit 2; a user-level file fills what the proxy refuses', async () => {
  const config = join(root, 'matrix.yaml');
  writeFileSync(config, 'kubernetes: ["1.27"]\ncomponents:\n  codeflare-operator: [v1.16.0]\nsources:\n  codeflare-operator: /nonexistent/clone\n');
  const r = await execa('node', [bin, 'plan', '-c', config], { reject: false, env: { CODEFLARE_MATRIX_SOURCES: '' } });
  expect(r.exitCode).toBe(2);
  expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/matrix\.yaml:5:23: sources\.codeflare-operator: \/nonexistent\/clone does not exist — fix: /)]);
  // Where the proxy refuses the operator (as this machine's record says, in the test's home), the
  // operator cell is not buildable without a source, with the fix; with one (user-level file) it is.
  mkdirSync(process.env.CODEFLARE_MATRIX_HOME!, { recursive: true });
  writeFileSync(join(process.env.CODEFLARE_MATRIX_HOME!, 'availability.yaml'), `availability:\n  checked: 2026-12-01\n  where: a proxy that refuses the operator\n  versions:\n${['v1.16.0', 'v1.2.0'].map((t) => `    - { component: codeflare-operator, tag: ${t}, status: missing, detail: "the Go module proxy: 403 Forbidden" }\n`).join('')}`);
  writeFileSync(config, 'kubernetes: ["1.27"]\ncomponents:\n  codeflare-operator: [v1.16.0]\n');
  const none = await execa('node', [bin, 'plan', '-c', config, '--json'], { env: { CODEFLARE_MATRIX_SOURCES: '' } });
  expect((JSON.parse(none.stdout) as { cells: { unavailable: string[] }[] }).cells[0]!.unavailable.join()).toMatch(/codeflare-operator v1\.16\.0: .*fix: name a git repository of project-codeflare\/codeflare-operator under sources:/);
  const user = join(root, 'user-sources.yaml');
  writeFileSync(user, `sources:\n  codeflare-operator: ${operator}\n`);
  const withSource = await execa('node', [bin, 'plan', '-c', config, '--json'], { env: { CODEFLARE_MATRIX_SOURCES: user } });
  const p = JSON.parse(withSource.stdout) as { cells: { unavailable: string[] }[]; sources: Sources };
  expect(p.cells[0]!.unavailable).toEqual([]);
  expect(p.sources['codeflare-operator']!.git).toBe(operator);
  // `sources`: where every catalog version would come from; the test's repository holds a v1.16.0 tag.
  await gitIn(operator, 'tag', 'v1.16.0', commits.tag!);
  type Row = { component: string; tag: string; from: string; detail: string };
  const rows = (JSON.parse((await execa('node', [bin, 'sources', '--json'], { env: { CODEFLARE_MATRIX_SOURCES: user } })).stdout) as { versions: Row[] }).versions;
  const op = (tag: string) => rows.find((r) => r.component === 'codeflare-operator' && r.tag === tag)!;
  expect(op('v1.16.0')).toMatchObject({ from: 'git', detail: expect.stringContaining(`${operator} at ${commits.tag!.slice(0, 12)}`) });
  expect(op('v1.2.0')).toMatchObject({ from: 'nowhere', detail: expect.stringContaining(`no tag v1.2.0 in ${operator}`) });
  expect(rows.find((r) => r.component === 'codeflare-sdk')!.from).toBe('pypi');
  const unnamed = (JSON.parse((await execa('node', [bin, 'sources', '--json'], { env: { CODEFLARE_MATRIX_SOURCES: '' } })).stdout) as { versions: Row[] }).versions;
  expect(unnamed.find((r) => r.component === 'codeflare-operator' && r.tag === 'v1.16.0')).toMatchObject({ from: 'nowhere', detail: expect.stringContaining('fix: name a git repository of project-codeflare/codeflare-operator') });
});
