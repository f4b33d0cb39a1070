// What the operator does with each component at a tag — runs it (compiled in), deploys it (an image),
// or only compiles its API (client) — from the catalog, and the version of each it compiles in: read
// from the binary built from the tag where there is one (`go version -m`, kept in the provenance's
// deps), else from the packages its main package imports (its non-test Go files, followed through
// its own packages), never from go.mod lines only tests or other modules need.
import { execa } from 'execa';
import semver from 'semver';
import { component, withRole, type Catalog, type ComponentId, type Use } from '../matrix/catalog/index.js';
import { embedded, type Provenance, type Results } from '../model/results.js';

export type Uses = Partial<Record<ComponentId, Use>>;

/**
 * The operator's roles at a version. A version past the catalog's ranges (the release about to be
 * tagged) takes them from its cell's era: what the era embeds it runs, what it deploys it deploys.
 */
export function usesAt(catalog: Catalog, operator: string | undefined, eraId?: string): Uses {
  const bare = operator ? semver.valid(operator.replace(/^v/, '')) : null;
  const known = bare ? withRole(catalog, 'operator').uses.find((u) => semver.satisfies(bare, u.range, { includePrerelease: true })) : undefined;
  if (known) return known.components;
  const era = catalog.eras.find((e) => e.id === eraId?.toUpperCase());
  const role = { 'embedded-in-operator': 'runs', 'deployed-by-operator': 'deploys' } as const;
  return Object.fromEntries(Object.entries(era?.operator ? era.install : {}).flatMap(([id, how]) => (how in role ? [[id, role[how as keyof typeof role]]] : [])));
}

export type Compiled = { modules: Map<string, string>; from: string };

/** The operator binary built from exactly `tag` (no module overrides): its compiled-in modules. */
export function fromBinary(catalog: Catalog, results: Results | undefined, tag: string): Compiled | undefined {
  const operator = withRole(catalog, 'operator').id;
  const p = results?.cells
    .flatMap((c) => c.provenance)
    .find((x): x is Provenance & { deps: NonNullable<Provenance['deps']> } => x.component === operator && x.resolved === tag && !!x.deps?.length && !Object.keys(x.overrides ?? {}).length);
  if (!p) return undefined;
  return { modules: new Map(p.deps.map((d) => [d.path, embedded(p, d.path)!])), from: `the binary built from ${tag} (go version -m)` };
}

/** `require` and `replace` of a go.mod: module path → the version built (after a replace, with where it points). */
export function goModVersions(text: string): Map<string, { version: string; replacedBy?: string }> {
  const out = new Map<string, { version: string; replacedBy?: string }>();
  const lines = text.split('\n').map((l) => l.replace(/\/\/.*$/, '').trim());
  let block = '';
  for (const line of lines) {
    if (/^(require|replace)\s*\($/.test(line)) {
      block = line.split(/\s/)[0]!;
      continue;
    }
    if (line === ')') {
      block = '';
      continue;
    }
    const [kind, rest] = block ? [block, line] : [line.split(/\s+/)[0], line.replace(/^\S+\s+/, '')];
    if (kind === 'require') {
      const [path, version] = rest!.split(/\s+/);
      if (path && version && !out.get(path)?.replacedBy) out.set(path, { version });
    } else if (kind === 'replace') {
      const m = /^(\S+)(?:\s+\S+)?\s+=>\s+(\S+)(?:\s+(\S+))?$/.exec(rest!);
      if (m && m[3]) out.set(m[1]!, { version: m[3], ...(m[2] !== m[1] ? { replacedBy: m[2] } : {}) });
    }
  }
  return out;
}

/** The import paths of one Go file (single and grouped imports, with or without a name). */
export function goImports(src: string): string[] {
  const head = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const out: string[] = [];
  for (const m of head.matchAll(/\bimport\s*\(([^)]*)\)|\bimport\s+(?:[\w.]+\s+)?"([^"]+)"/g)) {
    if (m[2]) out.push(m[2]);
    else for (const q of m[1]!.matchAll(/"([^"]+)"/g)) out.push(q[1]!);
  }
  return out;
}

/** A file `go build` leaves out: tests, and files behind a build tag such as `tools` or `ignore`. */
const leftOut = (path: string, src: string) => path.endsWith('_test.go') || /^\/\/(go:build|\s*\+build)\s.*\b(tools|ignore)\b/m.test(src);

/** The blobs of `paths` at `rev`, through one `git cat-file --batch`. */
async function blobs(repo: string, rev: string, paths: string[]): Promise<Map<string, string>> {
  const r = await execa('git', ['-C', repo, 'cat-file', '--batch'], { input: paths.map((p) => `${rev}:${p}\n`).join(''), encoding: 'buffer', reject: false });
  const buf = Buffer.from(r.stdout as Uint8Array);
  const out = new Map<string, string>();
  let at = 0;
  for (const p of paths) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) break;
    const header = buf.subarray(at, nl).toString('utf8').split(' ');
    at = nl + 1;
    if (header[1] !== 'blob') continue;
    const size = Number(header[2]);
    out.set(p, buf.subarray(at, at + size).toString('utf8'));
    at += size + 1;
  }
  return out;
}

/**
 * The modules the operator's main package at `tag` compiles in, with go.mod's versions after
 * `replace`: its own packages followed from the main package through their non-test files, and the
 * required modules those import. This is `go list -deps` of the main package read from the tree
 * alone (no module download), one level into other modules: what they import in turn is not read.
 */
export async function fromImports(repo: string, tag: string, main: string): Promise<Compiled | undefined> {
  const ls = await execa('git', ['-C', repo, 'ls-tree', '-r', '--name-only', tag], { reject: false });
  if (ls.exitCode !== 0) return undefined;
  const files = String(ls.stdout).split('\n').filter((f) => f.endsWith('.go') && !/(^|\/)(vendor|testdata)\//.test(f));
  const text = await blobs(repo, tag, ['go.mod', ...files]);
  const gomod = text.get('go.mod');
  const self = gomod && /^module\s+(\S+)/m.exec(gomod)?.[1];
  if (!gomod || !self) return undefined;
  const required = goModVersions(gomod);
  const byDir = new Map<string, string[]>();
  for (const f of files) {
    const src = text.get(f);
    if (src === undefined || leftOut(f, src)) continue;
    const dir = f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '.';
    byDir.set(dir, [...(byDir.get(dir) ?? []), ...goImports(src)]);
  }
  const modules = new Map<string, string>();
  const seen = new Set<string>();
  const todo = [main.replace(/^\.\//, '') || '.'];
  while (todo.length) {
    const dir = todo.pop()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    for (const imp of byDir.get(dir) ?? []) {
      if (imp === self || imp.startsWith(`${self}/`)) {
        todo.push(imp === self ? '.' : imp.slice(self.length + 1));
        continue;
      }
      // the longest required module path that holds this package
      const mod = [...required.keys()].filter((m) => imp === m || imp.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0];
      const req = mod ? required.get(mod)! : undefined;
      if (mod && req) modules.set(mod, req.replacedBy ? `${req.replacedBy} ${req.version}` : req.version);
    }
  }
  return { modules, from: `the packages ${tag}'s main package imports (non-test)` };
}

/** The module of a component the catalog builds from Go. */
export function moduleOf(catalog: Catalog, id: ComponentId): string | undefined {
  const s = component(catalog, id).source;
  return s.kind === 'go' ? s.module : undefined;
}
