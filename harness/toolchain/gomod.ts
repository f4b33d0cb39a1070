// Talking to the go command about modules, and generating the wrapper go.mod files.
// Kubernetes (and etcd's server) cannot be `go install`ed because their go.mod has replace
// directives; a wrapper main module that requires them and pins the replaced modules works.
import { readFile } from 'node:fs/promises';
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { execa } from 'execa';
import { UserError } from '../../lib/errors.js';
import { toolchainHome } from './home.js';

/** Environment for every go command: the local Go (no toolchain downloads), static binaries, go.mod may change. */
export function goEnv(): Record<string, string> {
  return {
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
    GOWORK: 'off',
    GOFLAGS: [process.env.GOFLAGS ?? '', '-mod=mod'].join(' ').trim(),
  };
}

/** Free space below which Go's build cache is emptied before a build. */
const MIN_FREE = 10 * 2 ** 30;

/**
 * Go's build cache grows by gigabytes a build (35 GB over one cold history run of 26 components
 * here) and Go trims it only by age (5 days), never by size. When the disk it is on has less than
 * MIN_FREE left, it is emptied before the next build, which then recompiles what it shares with
 * others; says so, or returns undefined.
 */
export async function roomForBuild(): Promise<string | undefined> {
  const cache = (await execa('go', ['env', 'GOCACHE'], { env: goEnv(), reject: false })).stdout.trim();
  if (!cache || !existsSync(cache)) return undefined;
  const { bavail, bsize } = statfsSync(cache);
  const free = bavail * bsize;
  if (free >= MIN_FREE) return undefined;
  await execa('go', ['clean', '-cache'], { env: goEnv(), reject: false });
  const gb = (n: number) => `${(n / 2 ** 30).toFixed(1)} GB`;
  return `only ${gb(free)} free on the disk of Go's build cache (${cache}): emptied it before this build (now ${gb(statfsSync(cache).bavail * bsize)} free)`;
}

export interface ModuleInfo {
  path: string;
  version: string;
  /** go.sum hash of the module zip (`h1:…`). */
  sum: string;
  /** Path of the module's own go.mod in the module cache. */
  goModPath: string;
  /** Publication time from the proxy; used as the build date so builds are reproducible. */
  time: string;
  /** The git commit, when the proxy reports one (it does not for every version). */
  gitCommit?: string;
  /** The extracted module tree in the module cache (read-only). */
  dir: string;
}

/** `go mod download -json path@version`: fetches the module and tells where it is. */
export async function moduleInfo(path: string, version: string): Promise<ModuleInfo> {
  const cwd = toolchainHome(); // anywhere outside a Go module
  mkdirSync(cwd, { recursive: true });
  const r = await execa('go', ['mod', 'download', '-json', `${path}@${version}`], {
    cwd,
    env: goEnv(),
    reject: false,
  });
  let j: { Error?: string; Sum?: string; GoMod?: string; Info?: string; Dir?: string; Origin?: { Hash?: string } } = {};
  try {
    j = JSON.parse(r.stdout);
  } catch {
    // fall through to the error below
  }
  if (r.exitCode !== 0 || j.Error || !j.GoMod || !j.Sum || !j.Info || !j.Dir) {
    const why = j.Error ?? (r.stderr || r.stdout).trim();
    // A version that does not exist is the user's typo; anything else (network, proxy) is a fault.
    if (/unknown revision|invalid version|not available|not found|410 gone/i.test(why)) {
      throw new UserError(`${path} ${version} is not on the Go module proxy`, `${path}@${version}`, 'use a released version (see harness/toolchain/versions.yaml for the pinned ones)');
    }
    throw new Error(`go mod download ${path}@${version} failed: ${j.Error ?? (r.stderr || r.stdout).trim()}`);
  }
  const info = JSON.parse(await readFile(j.Info, 'utf8')) as { Time: string; Origin?: { Hash?: string } };
  const gitCommit = j.Origin?.Hash ?? info.Origin?.Hash;
  return { path, version, sum: j.Sum, goModPath: j.GoMod, dir: j.Dir, time: info.Time, ...(gitCommit ? { gitCommit } : {}) };
}

/** The `go` line of each module's go.mod, from the proxy (`go list -m`: only the go.mod files are fetched). */
export async function goLines(modules: { path: string; version: string }[]): Promise<{ path: string; version: string; go: string }[]> {
  const cwd = toolchainHome(); // anywhere outside a Go module
  mkdirSync(cwd, { recursive: true });
  const r = await execa('go', ['list', '-m', '-json', ...modules.map((m) => `${m.path}@${m.version}`)], { cwd, env: goEnv(), reject: false });
  if (r.exitCode !== 0) throw new Error(`go list -m failed: ${(r.stderr || r.stdout).trim()}`);
  // one JSON object after another
  const objects = JSON.parse(`[${r.stdout.trim().replace(/\n}\n{/g, '\n},\n{')}]`) as { Path: string; Version: string; GoVersion?: string }[];
  return objects.map((o) => ({ path: o.Path, version: o.Version, go: o.GoVersion ?? '' }));
}

export interface GoMod {
  go?: string;
  /** `key=value` settings from `godebug` lines or blocks. */
  godebug: string[];
  /** `replace` directives as written: left and right side. */
  replaces: { from: string; to: string }[];
  /** `exclude` directives (module version). */
  excludes: string[];
}

/** Just enough of a go.mod parser for the directives the wrapper copies. */
export function parseGoMod(text: string): GoMod {
  const out: GoMod = { godebug: [], replaces: [], excludes: [] };
  let block: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (!line) continue;
    if (block) {
      if (line === ')') block = undefined;
      else add(block, line);
      continue;
    }
    const m = /^(\w+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, verb, rest] = m as unknown as [string, string, string];
    if (rest === '(') block = verb;
    else add(verb, rest);
  }
  return out;

  function add(verb: string, rest: string): void {
    if (verb === 'go') out.go = rest;
    else if (verb === 'godebug') out.godebug.push(rest.replace(/\s+/g, ''));
    else if (verb === 'exclude') out.excludes.push(rest.replace(/\s+/g, ' '));
    else if (verb === 'replace') {
      const [from, to] = rest.split('=>').map((s) => s.trim());
      if (from && to) out.replaces.push({ from, to });
    }
  }
}

const isLocal = (to: string): boolean => to.startsWith('./') || to.startsWith('../') || to.startsWith('/');

/** The staging modules a Kubernetes go.mod replaces with `./staging/src/k8s.io/<m>`. */
export function stagingModules(upstream: string): string[] {
  return parseGoMod(upstream)
    .replaces.filter((r) => r.to.startsWith('./staging/'))
    .map((r) => r.from);
}

/**
 * A wrapper main module requiring `require`, with the upstream go directive and godebug settings,
 * and `replaces` (already in `from => to` form) and `excludes` (module version) where its build needs them.
 */
export function wrapperGoMod(name: string, require: { path: string; version: string }, upstream: string, replaces: string[] = [], excludes: string[] = []): string {
  const up = parseGoMod(upstream);
  const lines = [`module ${name}`, '', `go ${up.go ?? '1.22'}`, ''];
  if (up.godebug.length) lines.push(...up.godebug.map((g) => `godebug ${g}`), '');
  lines.push(`require ${require.path} ${require.version}`, '');
  if (replaces.length) lines.push('replace (', ...replaces.map((r) => `\t${r}`), ')', '');
  if (excludes.length) lines.push('exclude (', ...excludes.map((r) => `\t${r}`), ')', '');
  return lines.join('\n');
}

/**
 * The wrapper go.mod for k8s.io/kubernetes `version`, from that version's own go.mod: every staging
 * module is pinned to its published tag v0.<minor>.<patch>; other (non-local) replaces are copied.
 */
export function kubernetesGoMod(version: string, upstream: string): string {
  const m = /^v1\.(\d+\.\d+)$/.exec(version);
  if (!m) throw new Error(`not a Kubernetes version: ${version}`);
  const staging = `v0.${m[1]}`;
  const replaces = parseGoMod(upstream).replaces.map((r) => {
    if (r.to.startsWith('./staging/')) return `${r.from} => ${r.from.split(' ')[0]} ${staging}`;
    // Only staging dirs ship outside the k8s.io/kubernetes zip; any other local path would be a new layout.
    if (isLocal(r.to)) throw new Error(`k8s.io/kubernetes ${version}: unexpected local replace ${r.from} => ${r.to}`);
    return `${r.from} => ${r.to}`;
  });
  return wrapperGoMod(`local/kubernetes-${version}`, { path: 'k8s.io/kubernetes', version }, upstream, replaces);
}
