// Git repositories as sources: a release engineer's clone, a PR checkout's repository, an
// air-gapped mirror. A `sources:` map (the config's, over a user-level file) names one local git
// repository per component; a tag, `dev` (the default branch's head) or `ref:` resolves there when
// the Go module proxy refuses it, or always with `prefer: git`. The tree at that commit is
// materialised read-only in the cache, keyed by commit, and built like a proxy module.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { execaSync } from 'execa';
import { LineCounter, parseDocument, isNode, type Node } from 'yaml';
import type { z } from 'zod';
import { ComponentId, loadCatalog, type ComponentId as Id } from '../../matrix/catalog/index.js';
import { GitSourceSpec, SourcesSpec, yamlValue, type GitSource, type Sources } from '../../matrix/config.js';
import { UserError } from '../../lib/errors.js';
import { readInput } from '../../lib/files.js';
import { run } from '../../lib/exec.js';
import { home } from '../../lib/paths.js';
import type { Source } from './types.js';

/** Where the user-level sources file is: this variable (empty: none), else ~/.config/codeflare-matrix/sources.yaml. */
export const SOURCES_ENV = 'CODEFLARE_MATRIX_SOURCES';


/** What a git tree is checked against: the module its go.mod must name, where it lives, its tags and default branch. */
type GoTree = { label: string; module: string; tagPrefix: string; branch: string };

function treeOf(key: string): GoTree | undefined {
  const c = loadCatalog().components.find((x) => x.id === key);
  if (c) return c.source.kind === 'go' ? { label: c.id, module: c.source.module, tagPrefix: c.source.tagPrefix, branch: c.source.branch } : undefined;
  return { label: key, module: key, tagPrefix: '', branch: 'main' };
}

export function userSourcesFile(): string | undefined {
  const env = process.env[SOURCES_ENV];
  if (env !== undefined) return env === '' ? undefined : resolve(env);
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'codeflare-matrix', 'sources.yaml');
}

const git = (dir: string, args: string[]) => run('git', ['-C', dir, ...args], { timeout: 120_000 });

/** Checks one named repository: it exists and is a git repository, else one line naming file:line. */
function checked(id: string, spec: z.infer<typeof GitSourceSpec>, base: string, at: string): GitSource {
  const s = typeof spec === 'string' ? { git: spec, prefer: 'proxy' as const } : spec;
  const path = isAbsolute(s.git) ? s.git : resolve(base, s.git);
  const repo = loadCatalog().components.find((c) => c.id === id)?.repo ?? id;
  if (!existsSync(path)) throw new UserError(`sources.${id}: ${path} does not exist`, at, `point it at a local clone or mirror of ${repo}`);
  if (!statSync(path).isDirectory()) throw new UserError(`sources.${id}: ${path} is not a folder`, at, 'point it at the git repository (a clone or a bare mirror)');
  const r = execaSync('git', ['-C', path, 'rev-parse', '--git-dir'], { reject: false });
  if (r.exitCode !== 0) throw new UserError(`sources.${id}: ${path} is not a git repository`, at, `clone ${repo} there, or name the folder that holds one`);
  return { git: path, prefer: s.prefer, at };
}

/**
 * The `sources:` map of a YAML text (the config's or the user-level file's), checked, with file:line
 * for every entry. A user-level file (`own`) holds that map and nothing else: a list, or a mapping
 * without it, is a mistake rather than "no sources".
 */
export function parseSources(text: string, file: string, own = false): Sources {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors[0]) {
    const p = lines.linePos(doc.errors[0].pos[0]);
    throw new UserError(`malformed YAML: ${doc.errors[0].message.split('\n')[0]}`, `${file}:${p.line}:${p.col}`, 'fix the YAML syntax at that place');
  }
  const at = (path: (string | number)[]) => {
    const n = doc.getIn(path, true) as Node | undefined;
    if (!isNode(n) || !n.range) return file;
    const p = lines.linePos(n.range[0]);
    return `${file}:${p.line}:${p.col}`;
  };
  const value = yamlValue(doc, file);
  const form = 'write sources: { COMPONENT: /path/to/clone }';
  if (own && value !== null && value !== undefined) {
    if (typeof value !== 'object' || Array.isArray(value)) throw new UserError(`a sources file is a mapping with one key, sources:, not ${Array.isArray(value) ? 'a list' : `the ${typeof value} ${JSON.stringify(value)}`}`, file, form);
    const other = Object.keys(value).find((k) => k !== 'sources');
    if (other !== undefined) throw new UserError(`unknown key "${other}": a sources file holds only sources:`, at([other]), form);
  }
  const raw = (value as { sources?: unknown } | null)?.sources;
  if (raw === undefined || raw === null) return {};
  const parsed = SourcesSpec.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.code === 'invalid_key' ? String(issue.path.at(-1)) : undefined;
    const what = key ? `unknown component "${key}" (nor a Go module path)` : `${['sources', ...issue.path].join('.')}: ${issue.message}`;
    throw new UserError(what, at(['sources', ...(issue.code === 'invalid_key' ? issue.path.slice(0, -1) : issue.path), ...(key ? [key] : [])] as (string | number)[]), `write sources: { COMPONENT: /path/to/clone } or { COMPONENT: { git: PATH, prefer: git } }; components: ${ComponentId.options.join(', ')}`);
  }
  const out: Sources = {};
  for (const [id, spec] of Object.entries(parsed.data) as [string, z.infer<typeof GitSourceSpec>][]) {
    // A PyPI component installs from PyPI only; its git repository gives its own e2e suite's tests (the wheel has none).
    if (!treeOf(id) && !loadCatalog().components.some((c) => c.id === id && c.source.kind === 'pypi')) throw new UserError(`sources.${id}: ${id} is not built from a Go module (nothing to take from git)`, at(['sources', id]), 'name git sources for Go components, and for PyPI ones whose e2e tests you run');
    out[id] = checked(id, spec, dirname(file), at(['sources', id]));
  }
  return out;
}

/** The user-level file's sources (if the file exists), under those a config names. */
export function loadSources(configText?: string, configPath?: string): Sources {
  const file = userSourcesFile();
  // The default file may be absent; one the variable names must be there (a typo is not "no sources").
  if (file && process.env[SOURCES_ENV] && !existsSync(file)) throw new UserError(`the sources file ${file} does not exist`, `$${SOURCES_ENV}`, 'create it, point the variable at your sources file, or set it empty for none');
  const user = file && existsSync(file) ? parseSources(readInput(file, 'sources', { what: 'cannot read the sources file', fix: 'make it readable, or set CODEFLARE_MATRIX_SOURCES to another file' }).toString('utf8'), file, true) : {};
  const own = configText !== undefined && configPath ? parseSources(configText, configPath) : {};
  return { ...user, ...own };
}

/** The folder of a component's module inside its repository (KubeRay's ray-operator/), from its tag prefix. */
const moduleDir = (tagPrefix: string): string => tagPrefix.replace(/\/$/, '');

/** A commit of the repository: what a tag, a pseudo-version, `dev` or `ref:` names there; undefined when it names nothing. */
async function commitOf(repo: string, s: GoTree, requested: string): Promise<string | undefined> {
  const pseudo = pseudoCommit(requested);
  const candidates =
    requested === 'dev'
      ? [`refs/heads/${s.branch}`, `refs/remotes/origin/${s.branch}`, 'HEAD']
      : requested.startsWith('ref:')
        ? [requested.slice(4), `refs/remotes/origin/${requested.slice(4)}`]
        : pseudo
          ? [pseudo]
          : [`refs/tags/${s.tagPrefix}${requested}`];
  for (const c of candidates) {
    const r = await git(repo, ['rev-parse', '--verify', '--quiet', `${c}^{commit}`]);
    if (r.ok && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

/** The tags of the repository that are versions of the component (without the tag prefix). */
export async function gitTags(repo: string, id: string): Promise<Map<string, string>> {
  const prefix = treeOf(id)?.tagPrefix ?? '';
  const r = await git(repo, ['for-each-ref', '--format=%(refname:strip=2) %(*objectname) %(objectname)', `refs/tags/${prefix}v*`]);
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [tag, peeled, obj] = line.split(' ');
    out.set(tag!.slice(prefix.length), peeled || obj!);
  }
  return out;
}

/**
 * Go's pseudo-version of a commit that no tag names: after the newest version tag it descends
 * from, vX.Y.(Z+1)-0.TIME-HASH (a release) or vX.Y.Z-pre.0.TIME-HASH (a pre-release); v0.0.0-TIME-HASH without one.
 */
async function pseudoVersion(repo: string, commit: string, tagPrefix: string): Promise<string> {
  // Go's time is the commit's in UTC, whatever this machine's zone
  const time = (await run('git', ['-C', repo, 'log', '-1', '--format=%cd', '--date=format-local:%Y%m%d%H%M%S', commit], { env: { TZ: 'UTC' } })).stdout.trim();
  const hash = commit.slice(0, 12);
  const d = await git(repo, ['describe', '--tags', '--abbrev=0', '--match', `${tagPrefix}v[0-9]*`, commit]);
  const base = d.ok ? d.stdout.trim().slice(tagPrefix.length) : '';
  const m = /^v(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/.exec(base);
  if (!m) return `v0.0.0-${time}-${hash}`;
  return m[4] ? `${base}.0.${time}-${hash}` : `v${m[1]}.${m[2]}.${Number(m[3]) + 1}-0.${time}-${hash}`;
}

/** The materialised trees: home()/sources/<component>/<commit>/, read-only. */
export const treesHome = (): string => join(home(), 'sources');

/** `git archive` of the module's folder at the commit, unpacked read-only; once per commit (atomic rename). */
async function materialise(repo: string, label: string, commit: string, sub: string): Promise<string> {
  const dir = join(treesHome(), label.replace(/[^\w.-]/g, '_'), commit);
  if (existsSync(join(dir, 'go.mod'))) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const tar = `${tmp}.tar`;
  try {
    const a = await git(repo, ['archive', '--format=tar', `--output=${tar}`, sub ? `${commit}:${sub}` : commit]);
    if (!a.ok) throw new Error(`git archive ${commit} in ${repo} failed: ${a.stderr.trim()}`);
    const x = await run('tar', ['-xf', tar, '-C', tmp]);
    if (!x.ok) throw new Error(`unpacking the tree of ${label} ${commit}: ${x.stderr.trim()}`);
    await run('chmod', ['-R', 'a-w', tmp]);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another process made it meanwhile: the same commit, the same tree.
      if (!existsSync(join(dir, 'go.mod'))) throw e;
    }
  } finally {
    rmSync(tar, { force: true });
    if (existsSync(tmp)) {
      await run('chmod', ['-R', 'u+w', tmp]);
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return dir;
}

/** A tag, `dev` or `ref:` of a Go module in a git repository, materialised: the tree and what names it. */
export type GitTree = { dir: string; commit: string; tree: string; tag?: string; resolved: string; time?: string };

async function gitTree(g: GitSource, s: GoTree, requested: string): Promise<GitTree> {
  if (requested.startsWith('ref:')) {
    const ref = requested.slice(4);
    const hex = /^[0-9a-f]{7,40}$/.test(ref);
    if (!hex && !(await run('git', ['check-ref-format', '--allow-onelevel', ref])).ok) {
      throw new UserError(`${s.label} ${requested}: "${ref}" is not a valid git ref name`, g.at, 'use a branch, a tag or a commit hash');
    }
  }
  const commit = await commitOf(g.git, s, requested);
  if (!commit) {
    const what = requested === 'dev' ? `no branch ${s.branch}` : requested.startsWith('ref:') ? `no ref ${requested.slice(4)}` : `no tag ${s.tagPrefix}${requested}`;
    throw new UserError(`${s.label} ${requested}: ${what} in ${g.git} (the git source of ${s.label})`, g.at, `fetch it there (git -C ${g.git} fetch --tags), or pick one \`git -C ${g.git} tag\` lists`);
  }
  const sub = moduleDir(s.tagPrefix);
  const tree = (await git(g.git, ['rev-parse', `${commit}:${sub}`])).stdout.trim();
  const dir = await materialise(g.git, s.label, commit, sub);
  const mod = /^module\s+"?([^\s"]+)/m.exec(readFileSync(join(dir, 'go.mod'), 'utf8'))?.[1];
  if (mod !== s.module) throw new UserError(`${s.label} ${requested}: the go.mod of ${g.git}${sub ? `/${sub}` : ''} at ${commit.slice(0, 12)} is module ${mod}, not ${s.module}`, g.at, `point sources.${s.label} at a repository of ${s.module}`);
  const tags = [...(await gitTags(g.git, s.label)).entries()].filter(([, c]) => c === commit).map(([t]) => t);
  const tag = requested.startsWith('v') && !pseudoCommit(requested) ? requested : tags[0];
  const resolved = tag ?? (await pseudoVersion(g.git, commit, s.tagPrefix));
  const time = (await git(g.git, ['log', '-1', '--format=%cI', commit])).stdout.trim();
  return { dir, commit, tree, resolved, ...(tag ? { tag } : {}), ...(time ? { time } : {}) };
}

/**
 * Resolves a tag, `dev` or `ref:` in the component's git source and materialises its tree. `why`
 * says why git and not the proxy (kept in the source, and so in provenance).
 */
export async function resolveGit(id: Id, requested: string, g: GitSource, why?: string): Promise<Source> {
  const s = treeOf(id);
  if (!s) throw new UserError(`${id} is not built from Go modules`);
  const t = await gitTree(g, s, requested);
  return {
    component: id,
    requested,
    resolved: t.resolved,
    module: s.module,
    dir: t.dir,
    commit: t.commit,
    ...(t.time ? { time: t.time } : {}),
    ...(t.tag ? { tag: t.tag } : {}),
    origin: 'git',
    git: { repository: g.git, tree: t.tree, ...(why ? { why } : {}) },
  };
}

/** The git source that holds a Go module (a component's, or one named by its module path), if any. */
export function sourceOfModule(sources: Sources, module: string): { key: string; source: GitSource } | undefined {
  const c = loadCatalog().components.find((x) => x.source.kind === 'go' && x.source.module === module);
  const key = c && sources[c.id] ? c.id : sources[module] ? module : undefined;
  return key ? { key, source: sources[key]! } : undefined;
}

/**
 * The version Go gives a commit of a component's git source: its tag, else its pseudo-version (after
 * the newest tag it descends from). The catalog's ranges place a pseudo-version between its tags, so
 * a commit between two releases is judged as the releases around it are (a `ref:` would be judged as
 * the newest release).
 */
export async function commitVersion(repo: string, id: string, commit: string): Promise<string> {
  const s = treeOf(id)!;
  const tag = [...(await gitTags(repo, id)).entries()].find(([, c]) => c === commit)?.[0];
  return tag ?? pseudoVersion(repo, commit, s.tagPrefix);
}

/** The commit a pseudo-version names (its 12-digit suffix), e.g. v0.0.0-20240101120000-0123456789ab. */
export function pseudoCommit(version: string): string | undefined {
  return /[-.]\d{14}-([0-9a-f]{12})(?:\+incompatible)?$/.exec(version)?.[1];
}

/** A module version (a tag, or a pseudo-version naming its commit) from the git source that holds it. */
export async function moduleFromGit(key: string, g: GitSource, version: string): Promise<GitTree> {
  const commit = pseudoCommit(version);
  return gitTree(g, treeOf(key)!, commit ? `ref:${commit}` : version);
}
