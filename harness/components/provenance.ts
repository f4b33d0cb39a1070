// What a Go binary says about itself (`go version -m`: Go version, main module, every module
// compiled in, after replace directives), and where that disagrees with what was asked for.
import { loadCatalog, type ComponentId } from '../../matrix/catalog/index.js';
import { run } from '../../lib/exec.js';
import { sha256File } from '../toolchain/entry.js';
import { embedded } from '../../model/results.js';
import type { BuildDep, Provenance, Source } from './types.js';

export type BuildInfo = {
  goVersion: string;
  /** The main package. */
  path?: string;
  main?: { path: string; version: string; sum?: string };
  deps: BuildDep[];
  /** `build` lines: -trimpath, -ldflags, CGO_ENABLED, … */
  settings: Record<string, string>;
};

/** Parses `go version -m` output: tab-separated `path`, `mod`, `dep`, `=>` (replaces the dep above) and `build` lines. */
export function parseBuildInfo(text: string): BuildInfo {
  const lines = text.split('\n');
  const info: BuildInfo = { goVersion: /:\s*(go\S+)/.exec(lines[0] ?? '')?.[1] ?? '', deps: [], settings: {} };
  for (const line of lines.slice(1)) {
    const [kind, a = '', b = '', c] = line.trim().split('\t');
    const mod = { path: a, version: b, ...(c ? { sum: c } : {}) };
    if (kind === 'path') info.path = a;
    else if (kind === 'mod') info.main = mod;
    else if (kind === 'dep') info.deps.push(mod);
    else if (kind === '=>' && info.deps.length) info.deps[info.deps.length - 1]!.replacedBy = mod;
    else if (kind === 'build') {
      const i = a.indexOf('=');
      if (i > 0) info.settings[a.slice(0, i)] = a.slice(i + 1);
    }
  }
  return info;
}

export async function readBuildInfo(binary: string): Promise<BuildInfo> {
  const r = await run('go', ['version', '-m', binary]);
  if (!r.ok) throw new Error(`go version -m ${binary}: ${r.all.trim()}`);
  return parseBuildInfo(r.stdout);
}

/** The Go modules of the catalog's components (MCAD, InstaScale, ray-operator, AppWrapper, Kueue, the operator). */
function codeflareModules(): Map<string, ComponentId> {
  const out = new Map<string, ComponentId>();
  for (const c of loadCatalog().components) if (c.source.kind === 'go') out.set(c.source.module, c.id);
  return out;
}

const last = (path: string): string => path.split('/').pop() ?? path;

/** Where the binary disagrees with the source and overrides it was built from, in words. */
export function differences(p: Provenance, source: Source): string[] {
  const out: string[] = [];
  const label = `${source.component} ${source.tag ?? source.requested}`;
  if (p.main && p.main.path !== source.module) out.push(`${label}: the binary's main module is ${p.main.path}, not ${source.module}`);
  // A build inside a source tree always says (devel); only a real version can disagree.
  if (p.main && p.main.version !== '(devel)' && p.main.version !== source.resolved) out.push(`${label}: the binary embeds ${p.main.path} ${p.main.version}, not ${source.resolved}`);
  for (const [path, want] of Object.entries(p.overrides ?? {})) {
    const got = embedded(p, path);
    if (got !== want) out.push(`${label}: override ${path}@${want} is not in effect, the binary embeds ${got ?? 'no such module'}`);
  }
  // A replace in the component's go.mod that swaps another CodeFlare component for another version or a fork.
  const ours = codeflareModules();
  for (const d of p.deps ?? []) {
    const r = d.replacedBy;
    if (!r || !ours.has(d.path) || (r.path === d.path && r.version === d.version)) continue;
    const what = r.path === d.path ? `${last(d.path)} ${r.version} (replace of ${d.version})` : `${r.path} ${r.version} (replace of ${d.path} ${d.version})`;
    out.push(`${label} embeds ${what}`);
  }
  if (source.origin === 'git') out.push(`${label} built from the git repository ${source.git?.repository} at ${source.commit?.slice(0, 12)} (tree ${source.git?.tree.slice(0, 12)}; no checksum-database entry)${source.git?.why ? `: ${source.git.why}` : ''}`);
  if (source.unverified?.length) out.push(`not verified against the checksum database (it does not have them): ${source.unverified.join(', ')}`);
  return out;
}

/** The provenance of a binary built from `source`; `notes` are differences the build itself made (e.g. automatic overrides). */
export async function provenanceOf(binary: string, source: Source, opts: { overrides?: Record<string, string>; notes?: string[]; fromGit?: Record<string, string> } = {}): Promise<Provenance> {
  const info = await readBuildInfo(binary);
  const p: Provenance = {
    component: source.component,
    requested: source.requested,
    resolved: source.resolved,
    module: source.module,
    ...(source.sum ? { sum: source.sum } : {}),
    ...(source.commit ? { commit: source.commit } : {}),
    ...(source.origin && source.origin !== 'proxy' ? { origin: source.origin } : {}),
    ...(source.git ? { git: source.git } : {}),
    ...(opts.fromGit && Object.keys(opts.fromGit).length ? { fromGit: opts.fromGit } : {}),
    goVersion: info.goVersion,
    ...(info.main ? { main: info.main } : {}),
    deps: info.deps,
    ...(opts.overrides && Object.keys(opts.overrides).length ? { overrides: opts.overrides } : {}),
    binarySha256: await sha256File(binary),
    differences: [],
  };
  p.differences = [...differences(p, source), ...(opts.notes ?? [])];
  return p;
}

/**
 * What a binary carries of the cell's other components (an operator compiles in MCAD and InstaScale,
 * AppWrapper, the Kueue library, the KubeRay API), after replace, against the versions the cell
 * runs or its row declares: one line per difference.
 */
export function carried(p: Provenance, versions: Partial<Record<ComponentId, string>>): string[] {
  const out: string[] = [];
  for (const c of loadCatalog().components) {
    if (c.id === p.component || c.source.kind !== 'go') continue;
    const want = versions[c.id];
    const got = embedded(p, c.source.module);
    if (!want || !got || want === got || want.includes(':') || want === 'dev') continue;
    out.push(`${p.component} ${p.resolved} carries ${c.id} ${got} (compiled in), the cell names ${c.id} ${want}`);
  }
  return out;
}
