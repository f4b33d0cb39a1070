// Building a Go component: copy its module tree (read-only in the module cache) into a work dir,
// apply module overrides, `go build` the main package with the module's own replace directives in
// effect, read the binary's provenance, and cache the result under home()/components/<id>/<key>/
// (assembled in a temp dir, manifest written last, renamed into place: readers never see half an entry).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { z } from 'zod';
import type { ComponentId } from '../../matrix/catalog/index.js';
import { home } from '../../lib/paths.js';
import { duration, type Log } from '../toolchain/build.js';
import { sha256File } from '../toolchain/entry.js';
import { parseGoMod, roomForBuild } from '../toolchain/gomod.js';
import { publishDir } from '../../lib/files.js';
import { withLock } from '../toolchain/lock.js';
import { go, type GoRun } from '../toolchain/go.js';
import { provenanceOf } from './provenance.js';
import type { GitSource, Sources } from '../../matrix/config.js';
import { moduleFromGit, sourceOfModule } from './git.js';
import { goOrigin } from './source.js';
import type { Built, Provenance, Source } from './types.js';

export type BuildOptions = {
  /** Module path → version, e.g. { 'github.com/project-codeflare/multi-cluster-app-dispatcher': 'v1.39.0' }. */
  overrides?: Record<string, string>;
  log?: Log;
  /** Rebuild even when cached. */
  force?: boolean;
  /** Git sources: a requirement the proxy refuses is replaced with the tree of its component's repository. */
  sources?: Sources;
};

const REFLECT2 = 'github.com/modern-go/reflect2';

export const Manifest = z.object({
  key: z.string(),
  component: z.string(),
  /** The source as it was when built (for a checkout: the first checkout of that commit). */
  source: z.record(z.string(), z.unknown()),
  /** Overrides asked for, and those applied (plus automatic ones such as reflect2). */
  overrides: z.record(z.string(), z.string()),
  applied: z.record(z.string(), z.string()),
  binary: z.object({ name: z.string(), size: z.number().int(), sha256: z.string() }),
  provenance: z.record(z.string(), z.unknown()),
  buildSeconds: z.number(),
  createdAt: z.string(),
});
export type Manifest = z.infer<typeof Manifest>;

export const componentsHome = (): string => join(home(), 'components');
export const entryDir = (id: ComponentId, key: string): string => join(componentsHome(), id, key);
/** The copy, its go.mod edits and the build log; kept after a failure, replaced by the next attempt. */
export const workDir = (id: ComponentId, key: string): string => join(componentsHome(), 'work', `${id}-${key}`);

/**
 * Cache key: module + resolved version (a checkout: its commit) + overrides, hashed, behind a
 * readable prefix (the version or tag). A dirty checkout gets one key per directory and is always rebuilt.
 */
export function cacheKey(source: Source, overrides: Record<string, string> = {}): string {
  const local = source.resolved.startsWith('path:');
  // A tree from git is keyed by its commit (the same tag on the proxy is another, checksummed, tree).
  const version = source.origin === 'git' ? `git:${source.commit}` : !local ? source.resolved : source.dirty ? `dirty:${source.dir}` : `commit:${source.commit}`;
  const ov = Object.entries(overrides).sort(([a], [b]) => a.localeCompare(b));
  const hash = createHash('sha256').update(JSON.stringify({ module: source.module, version, overrides: ov })).digest('hex').slice(0, 10);
  const label = local ? `path-${source.tag ?? source.commit?.slice(0, 12) ?? 'local'}` : source.origin === 'git' ? `git-${source.tag ?? source.commit?.slice(0, 12)}` : source.resolved;
  return `${label.replace(/[^\w.-]/g, '_')}-${hash}`;
}

/** A finished entry, if its manifest is readable and its binary has the recorded size. */
export function readEntry(id: ComponentId, key: string): { dir: string; binary: string; manifest: Manifest } | undefined {
  const dir = entryDir(id, key);
  try {
    const manifest = Manifest.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    const binary = join(dir, 'bin', manifest.binary.name);
    return statSync(binary).size === manifest.binary.size ? { dir, binary, manifest } : undefined;
  } catch {
    return undefined;
  }
}

/** Every finished entry in the cache, for reports and the bench. */
export function listBuilt(): { id: ComponentId; key: string; dir: string; manifest: Manifest }[] {
  const out: { id: ComponentId; key: string; dir: string; manifest: Manifest }[] = [];
  const root = componentsHome();
  if (!existsSync(root)) return out;
  for (const id of readdirSync(root)) {
    if (id === 'work' || id.startsWith('.')) continue;
    for (const key of readdirSync(join(root, id)).filter((k) => !k.startsWith('.'))) {
      const e = readEntry(id as ComponentId, key);
      if (e) out.push({ id: id as ComponentId, key, dir: e.dir, manifest: e.manifest });
    }
  }
  return out;
}

/** How long builds of this component took here (the median of the cache's entries), if any were made. */
export function usualBuildSeconds(id: ComponentId): { seconds: number; builds: number } | undefined {
  const root = join(componentsHome(), id);
  const times = (existsSync(root) ? readdirSync(root) : []).flatMap((key) => readEntry(id, key)?.manifest.buildSeconds ?? []);
  if (!times.length) return undefined;
  return { seconds: [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!, builds: times.length };
}

/** "(1m10s; builds of kuberay here took ~1m40s (6), so ~30s left)": what an earlier build says of this one. */
export function buildEstimate(id: ComponentId, elapsedMs: number): string {
  const u = usualBuildSeconds(id);
  if (!u) return duration(elapsedMs);
  const left = u.seconds * 1000 - elapsedMs;
  return `${duration(elapsedMs)}; builds of ${id} here took ~${duration(u.seconds * 1000)} (median of ${u.builds}), ${left > 0 ? `so ~${duration(left)} left` : 'this one is slower'}`;
}

function hit(source: Source, e: NonNullable<ReturnType<typeof readEntry>>): Built {
  // The binary is shared by every request of that version; the provenance speaks of this request.
  const provenance = { ...(e.manifest.provenance as Provenance), requested: source.requested, resolved: source.resolved };
  return { source, binary: e.binary, provenance };
}

/** A writable copy (module cache files are read-only), without .git (nor the copy itself, should it lie inside a checkout). */
export async function copyTree(from: string, to: string, root = to): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const e of await readdir(from, { withFileTypes: true })) {
    const a = join(from, e.name);
    if (e.name === '.git' || a === root) continue;
    const b = join(to, e.name);
    if (e.isDirectory()) await copyTree(a, b, root);
    else if (e.isSymbolicLink()) await symlink(await readlink(a), b);
    else if (e.isFile()) {
      await copyFile(a, b);
      await chmod(b, ((await stat(a)).mode & 0o777) | 0o200);
    }
  }
}

/** Returns the cached binary, or builds it under the entry's lock. */
export async function buildComponent(source: Source, opts: BuildOptions = {}): Promise<Built> {
  const log = opts.log ?? (() => {});
  const overrides = opts.overrides ?? {};
  const key = cacheKey(source, overrides);
  const id = source.component;
  const ov = Object.entries(overrides).map(([p, v]) => `${p}@${v}`);
  const name = `${id} ${source.tag ?? source.requested}${ov.length ? ` with ${ov.join(', ')}` : ''}`;
  const reuse = !opts.force && !source.dirty;
  const cached = reuse ? readEntry(id, key) : undefined;
  if (cached) return hit(source, cached);
  return withLock(
    join(componentsHome(), id, `.${key}.lock`),
    async () => {
      const meanwhile = reuse ? readEntry(id, key) : undefined;
      if (meanwhile) {
        log(`${name}: built meanwhile by another process`);
        return hit(source, meanwhile);
      }
      return build(source, overrides, key, name, log, opts.sources ?? {});
    },
    { log, what: name },
  );
}

async function build(source: Source, overrides: Record<string, string>, key: string, name: string, log: Log, sources: Sources): Promise<Built> {
  const id = source.component;
  const start = Date.now();
  const final = entryDir(id, key);
  const parent = join(final, '..');
  await mkdir(parent, { recursive: true });
  // Leftovers of killed builds; we hold the lock, so nobody else uses them.
  for (const f of await readdir(parent)) if (f.startsWith(`.tmp-${key}-`) || f.startsWith(`.old-${key}-`)) await rm(join(parent, f), { recursive: true, force: true });
  const work = workDir(id, key);
  const src = join(work, 'src');
  const logFile = join(work, 'build.log');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const what = `${name}${source.resolved !== source.requested ? ` (${source.resolved})` : ''}`;
  await writeFile(logFile, `# ${what}${source.commit ? `, commit ${source.commit}` : ''}, from ${source.dir}, ${new Date().toISOString()}\n`);
  log(`${name}: building in ${work} (log ${logFile})`);
  const tick = setInterval(() => log(`… still building ${name} (${buildEstimate(id, Date.now() - start)})`), 30_000);
  let unverified = [...(source.unverified ?? [])];
  const run = async (args: string[], quiet = false): Promise<GoRun> => {
    const r = await go(args, { cwd: src, log: logFile, quiet, unverified });
    unverified = r.unverified;
    return r;
  };
  const fail = async (why: string): Promise<Error> => {
    const tail = (await readFile(logFile, 'utf8')).trimEnd().split('\n').slice(-30);
    return new Error(`building ${what} failed: ${why}; last ${tail.length} lines of ${logFile}:\n${tail.join('\n')}`);
  };
  const tmp = join(parent, `.tmp-${key}-${process.pid}`);
  try {
    await copyTree(source.dir, src);
    const notes: string[] = [];
    const applied = { ...overrides };
    for (const [path, version] of Object.entries(overrides)) notes.push(...(await override(src, path, version, run)));
    // Go ≥1.18 crashes at run time with reflect2 < v1.0.2 (old client-go pulls v1.0.1): raise it.
    if (!overrides[REFLECT2]) {
      const r = await run(['list', '-m', '-json', REFLECT2]);
      const v = r.ok ? (JSON.parse(r.stdout) as { Version?: string; Replace?: { Version?: string } }) : undefined;
      const have = v?.Replace?.Version ?? v?.Version;
      if (have && semver.valid(have) && semver.lt(have, 'v1.0.2')) {
        notes.push(...(await override(src, REFLECT2, 'v1.0.2', run)), `${REFLECT2} raised from ${have} to v1.0.2 automatically (older versions crash with Go ≥1.18)`);
        applied[REFLECT2] = 'v1.0.2';
      }
    }
    const pkg = goOrigin(id).main === '.' ? '.' : `./${goOrigin(id).main}`;
    // Resolves and downloads only what the main package needs (and fills go.sum). A requirement
    // the proxy refuses that a configured git source holds is replaced with that tree, and again.
    const fromGit: Record<string, string> = {};
    let r = await run(['list', '-deps', pkg], true);
    for (let i = 0; i < 20 && !r.ok; i++) {
      const refused = refusedRequirement(r.all, sources);
      if (refused) {
        const tree = await moduleFromGit(refused.key, refused.source, refused.version);
        const e = await run(['mod', 'edit', `-replace=${refused.path}@${refused.version}=${tree.dir}`]);
        if (!e.ok) throw await fail(`go mod edit -replace ${refused.path}@${refused.version} failed`);
        fromGit[`${refused.path}@${refused.version}`] = tree.commit;
        notes.push(`${refused.key} ${refused.version} (required by ${id}) built from the git source ${refused.source.git} at ${tree.commit.slice(0, 12)}: the Go module proxy refuses it`);
        log(`${name}: ${refused.path}@${refused.version} from git (${tree.commit.slice(0, 12)})`);
      } else if (/go mod tidy|missing go\.sum entry|updates to go\.mod needed/.test(r.all)) {
        if (!(await run(['mod', 'tidy'])).ok) throw await fail('go mod tidy failed');
      } else break;
      r = await run(['list', '-deps', pkg], true);
    }
    if (!r.ok) throw await fail('resolving the dependencies failed');
    const binary = join(tmp, 'bin', id);
    await mkdir(join(tmp, 'bin'), { recursive: true });
    const ldflags = ['-s', '-w'];
    const compile = () => run(['build', '-trimpath', '-ldflags', ldflags.join(' '), '-o', binary, pkg]);
    const trimmed = await roomForBuild();
    if (trimmed) log(`${name}: ${trimmed}`);
    r = await compile();
    // Go ≥1.23 refuses //go:linkname pulls of runtime internals that old libraries make.
    if (!r.ok && /invalid reference to|go:linkname/.test(r.all)) {
      log(`${name}: link refused //go:linkname references, retrying with -checklinkname=0`);
      ldflags.push('-checklinkname=0');
      notes.push('built with -ldflags=-checklinkname=0 (an old dependency uses //go:linkname into Go internals)');
      r = await compile();
    }
    if (!r.ok) throw await fail(`go build exited with ${r.exitCode}`);
    const provenance = await provenanceOf(binary, { ...source, ...(unverified.length ? { unverified } : {}) }, { overrides: applied, notes, fromGit });
    const size = (await stat(binary)).size;
    const manifest: Manifest = {
      key,
      component: id,
      source: { ...source },
      overrides,
      applied,
      binary: { name: id, size, sha256: provenance.binarySha256 ?? (await sha256File(binary)) },
      provenance,
      buildSeconds: Math.round((Date.now() - start) / 100) / 10,
      createdAt: new Date().toISOString(),
    };
    await copyFile(logFile, join(tmp, 'build.log'));
    await publishDir(tmp, final, manifest);
    await rm(src, { recursive: true, force: true }); // the copy is only needed to debug a failure
    log(`${name}: built in ${duration(Date.now() - start)} → ${final} (${(size / 2 ** 20).toFixed(0)} MiB)`);
    for (const d of provenance.differences) log(`${name}: ${d}`);
    return { source, binary: join(final, 'bin', id), provenance };
  } finally {
    clearInterval(tick);
    await rm(tmp, { recursive: true, force: true });
  }
}

// "github.com/x/y@v0.1.0: reading https://proxy.golang.org/github.com/x/y/@v/v0.1.0.mod: 403 Forbidden"
const refusal = /([\w.~!/-]+)@(v[\w.+-]+): (?:reading|invalid version|unknown revision)[^\n]*?(?:40[034]|410|not available|unknown revision)/g;

/** A requirement the proxy refused that a git source holds (a component's, or one named by module path), from go's output. */
export function refusedRequirement(output: string, sources: Sources): { key: string; path: string; version: string; source: GitSource } | undefined {
  for (const m of output.matchAll(refusal)) {
    const path = m[1]!.replace(/!([a-z])/g, (_, c: string) => c.toUpperCase());
    const held = sourceOfModule(sources, path);
    if (held) return { key: held.key, path, version: m[2]!, source: held.source };
  }
  return undefined;
}

/** Requires `path@version` in the copy's go.mod, dropping the module's own replace of that path. */
async function override(src: string, path: string, version: string, run: (args: string[]) => Promise<GoRun>): Promise<string[]> {
  const replaces = parseGoMod(await readFile(join(src, 'go.mod'), 'utf8')).replaces.filter((r) => r.from.split(/\s+/)[0] === path);
  const r = await run(['mod', 'edit', ...replaces.map((x) => `-dropreplace=${x.from.replace(/\s+/, '@')}`), `-require=${path}@${version}`]);
  if (!r.ok) throw new Error(`override ${path}@${version}: go mod edit failed: ${r.all.trim()}`);
  return replaces.map((x) => `override ${path}@${version} drops the module's replace ${x.from} => ${x.to}`);
}
