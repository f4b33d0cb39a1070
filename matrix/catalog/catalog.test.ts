import { test, expect } from '@playwright/test';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { home, repoRoot } from '../../lib/paths.js';
import { scratchDir } from '../../harness/testing.js';
import { loadCatalog, component, ComponentId, type Catalog } from './index.js';

// Checks the catalog data against itself: the published rows against the component versions, the
// version lists' order, the eras' coverage of the operator's tags, and the operator's bundles
// against the published rows.

const opts = { includePrerelease: true } as const;
const bare = (tag: string) => tag.replace(/^v/, '');

/** A declared README value as a catalog tag: the `v.0.0.7` typo stripped; `v0.0.0-dev` is no version. */
function declaredTag(value: string): string | undefined {
  const tag = value.replace(/^v\./, 'v');
  return tag === 'v0.0.0-dev' ? undefined : tag;
}

function tagsOf(catalog: Catalog, id: ComponentId): string[] {
  return component(catalog, id).versions.map((v) => v.tag);
}

test('the catalog loads and has every component once', () => {
  const catalog = loadCatalog();
  expect(catalog.components.map((c) => c.id).sort()).toEqual([...ComponentId.options].sort());
});

test("the README's row order names every component but the cluster once", () => {
  const catalog = loadCatalog();
  expect([...catalog.readmeOrder].sort()).toEqual(catalog.components.filter((c) => c.role !== 'cluster').map((c) => c.id).sort());
});

test('every declared version of every published row is a catalog version', () => {
  const catalog = loadCatalog();
  const missing: string[] = [];
  for (const row of catalog.published) {
    for (const [id, value] of Object.entries(row.declared)) {
      const tag = declaredTag(value!);
      if (tag && !tagsOf(catalog, id as ComponentId).includes(tag)) missing.push(`${row.operator}: ${id} ${value}`);
    }
  }
  expect(missing).toEqual([]);
});

test('published rows are the operator tags with a matrix, in order, with the operator declared as itself', () => {
  const catalog = loadCatalog();
  const ops = catalog.published.map((r) => r.operator);
  expect(ops).toEqual([...ops].sort((a, b) => semver.compare(bare(a), bare(b))));
  expect(new Set(ops).size).toBe(ops.length);
  const operatorTags = tagsOf(catalog, 'codeflare-operator');
  expect(ops).toEqual(operatorTags.filter((t) => semver.satisfies(bare(t), '>=0.0.4', opts)));
  for (const row of catalog.published) {
    expect(row.declared['codeflare-operator'], row.operator).toBe(row.operator);
    const version = component(catalog, 'codeflare-operator').versions.find((v) => v.tag === row.operator);
    expect(version?.date, row.operator).toBe(row.date);
  }
});

test('each component lists its versions once, sorted by semver', () => {
  const catalog = loadCatalog();
  for (const c of catalog.components) {
    const tags = c.versions.map((v) => v.tag);
    for (const t of tags) expect(semver.valid(bare(t)), `${c.id} ${t}`).not.toBeNull();
    expect(new Set(tags).size, c.id).toBe(tags.length);
    const sorted = [...tags].sort((a, b) => semver.compare(bare(a), bare(b)));
    expect(tags, c.id).toEqual(sorted);
  }
});

test('every operator version v0.0.4–v1.16.0 falls in exactly one era', () => {
  const catalog = loadCatalog();
  const tags = tagsOf(catalog, 'codeflare-operator').filter((t) => semver.satisfies(bare(t), '>=0.0.4 <=1.16.0', opts));
  expect(tags.length).toBeGreaterThan(30);
  for (const tag of tags) {
    const eras = catalog.eras.filter((e) => e.operator && semver.satisfies(bare(tag), e.operator, opts)).map((e) => e.id);
    expect(eras, tag).toHaveLength(1);
  }
  // v0.0.1 (no matrix, a skeleton) belongs to no era.
  expect(catalog.eras.filter((e) => e.operator && semver.satisfies('0.0.1', e.operator, opts))).toEqual([]);
});

test("each era-B operator bundles exactly its published row's MCAD and InstaScale", () => {
  const catalog = loadCatalog();
  const eraB = catalog.eras.find((e) => e.id === 'B')!;
  const versions = component(catalog, 'codeflare-operator').versions.filter((v) => semver.satisfies(bare(v.tag), eraB.operator!, opts));
  expect(versions.map((v) => v.tag)).toEqual([
    'v1.0.0-rc.1', 'v1.0.0-rc.2', 'v1.0.0-rc.3', 'v1.0.0-rc.4', 'v1.0.0', 'v1.0.1', 'v1.1.0', 'v1.2.0',
  ]);
  for (const v of versions) {
    const row = catalog.published.find((r) => r.operator === v.tag);
    expect(row, v.tag).toBeDefined();
    expect(v.bundles, v.tag).toEqual({ mcad: row!.declared.mcad, instascale: row!.declared.instascale });
  }
});

test("era-A and era-D operators bundle their published row's versions; others none", () => {
  const catalog = loadCatalog();
  const era = (id: string) => catalog.eras.find((e) => e.id === id)!.operator!;
  for (const v of component(catalog, 'codeflare-operator').versions) {
    const row = catalog.published.find((r) => r.operator === v.tag);
    if (semver.satisfies(bare(v.tag), era('A'), opts)) {
      expect(v.bundles, v.tag).toEqual({ mcad: row!.declared.mcad, instascale: declaredTag(row!.declared.instascale!) });
    } else if (semver.satisfies(bare(v.tag), era('D'), opts)) {
      expect(v.bundles, v.tag).toEqual({ appwrapper: row!.declared.appwrapper });
    } else if (!semver.satisfies(bare(v.tag), era('B'), opts)) {
      expect(v.bundles, v.tag).toBeUndefined(); // v0.0.1 and era C carry nothing
    }
  }
});

test('bundled versions are catalog versions of the bundled component', () => {
  const catalog = loadCatalog();
  for (const v of component(catalog, 'codeflare-operator').versions) {
    for (const [id, tag] of Object.entries(v.bundles ?? {})) {
      expect(tagsOf(catalog, id as ComponentId), `${v.tag} bundles ${id} ${tag}`).toContain(tag);
    }
  }
});

test('ranges in the catalog are valid semver ranges and every constraint id is kebab-case and unique', () => {
  const catalog = loadCatalog();
  const ranges: string[] = [];
  for (const c of catalog.components) {
    for (const x of [...c.layouts, ...c.serves, ...c.creates]) ranges.push(`${c.id}:${x.range}`);
  }
  for (const e of catalog.eras) for (const r of [e.operator, e.sdk]) if (r) ranges.push(`era ${e.id}:${r}`);
  for (const c of catalog.constraints) {
    for (const b of 'when' in c ? [c.when] : []) for (const r of Object.values(b)) ranges.push(`${c.id}:${r}`);
    for (const b of 'require' in c ? [c.require] : []) for (const r of Object.values(b)) ranges.push(`${c.id}:${r}`);
    for (const b of 'a' in c ? [c.a, c.b] : []) for (const r of Object.values(b)) ranges.push(`${c.id}:${r}`);
  }
  const invalid = ranges.filter((r) => semver.validRange(r.slice(r.indexOf(':') + 1), opts) === null);
  expect(invalid).toEqual([]);
  const ids = catalog.constraints.map((c) => c.id);
  for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  expect(new Set(ids).size).toBe(ids.length);
});

test('the SDK creates exactly one AppWrapper apiVersion up to 0.33 and one RayCluster apiVersion at every version', () => {
  const catalog = loadCatalog();
  const sdk = component(catalog, 'codeflare-sdk');
  for (const v of sdk.versions) {
    const apis = (kind: string) => sdk.creates.filter((a) => a.kind === kind && semver.satisfies(bare(v.tag), a.range, opts));
    expect(apis('RayCluster'), v.tag).toHaveLength(1);
    expect(apis('AppWrapper'), v.tag).toHaveLength(semver.lt(bare(v.tag), '0.34.0') ? 1 : 0);
  }
});

test('every Kubernetes version the toolchain pins is a catalog version (so "1.31" plans what can run)', async () => {
  const { pinnedKubernetes } = await import('../kubernetes.js');
  const kube = loadCatalog().components.find((c) => c.id === 'kubernetes')!.versions.map((v) => v.tag);
  for (const v of pinnedKubernetes(loadCatalog())) expect(kube).toContain(v);
});

test('a minor the toolchain pins resolves to its pinned release: the pinned is the newest of its minor', async () => {
  const { pinnedKubernetes, resolveKubernetes } = await import('../kubernetes.js');
  const catalog = loadCatalog();
  for (const v of pinnedKubernetes(catalog)) expect(resolveKubernetes(catalog, v.replace(/^v(\d+\.\d+)\..*$/, '$1')), v).toBe(v);
});

test('the catalog names one component for each role the engine asks for: the cluster, the operator, the client', async () => {
  const { withRole } = await import('./index.js');
  const catalog = loadCatalog();
  expect(withRole(catalog, 'cluster').source.kind).toBe('kubernetes');
  expect(withRole(catalog, 'client').source.kind).toBe('pypi');
  expect(catalog.published.every((row) => withRole(catalog, 'operator').versions.some((v) => v.tag === row.operator))).toBe(true);
  const twice = { ...catalog, components: catalog.components.map((c) => (c.role === 'controller' ? { ...c, role: 'client' as const } : c)) };
  expect(() => withRole(twice, 'client')).toThrow(/one client component/);
});

test("what the operator runs, deploys or is a client of, by range, agrees with its eras and bundles", () => {
  const catalog = loadCatalog();
  const op = component(catalog, 'codeflare-operator');
  const inEra = (tag: string) => catalog.eras.find((e) => e.operator && semver.satisfies(bare(tag), e.operator, opts));
  const want = { runs: 'embedded-in-operator', deploys: 'deployed-by-operator', client: 'standalone' } as const;
  for (const v of op.versions) {
    const era = inEra(v.tag);
    const uses = op.uses.filter((u) => semver.satisfies(bare(v.tag), u.range, opts));
    if (!era) {
      expect(uses, v.tag).toEqual([]);
      continue;
    }
    expect(uses, `${v.tag}: one range of uses`).toHaveLength(1);
    const roles = uses[0]!.components;
    for (const [id, role] of Object.entries(roles)) {
      // A component the operator uses is one of its era's, installed the way its role says.
      expect(era.components, `${v.tag} ${id}`).toContain(id);
      expect(era.install[id as ComponentId], `${v.tag} ${id} ${role}`).toBe(want[role]);
    }
    // Everything the era embeds or has the operator deploy has that role, and what it bundles too.
    for (const [id, how] of Object.entries(era.install)) {
      if (how === 'embedded-in-operator') expect(roles[id as ComponentId], `${v.tag} ${id}`).toBe('runs');
      if (how === 'deployed-by-operator') expect(roles[id as ComponentId], `${v.tag} ${id}`).toBe('deploys');
    }
    for (const id of Object.keys(v.bundles ?? {})) expect(['runs', 'deploys'], `${v.tag} bundles ${id}`).toContain(roles[id as ComponentId]);
  }
});

test("a client release's command-line tools are catalog data, each stand-in with the subcommands it covers", async () => {
  const { satisfies } = await import('../versions.js');
  const catalog = loadCatalog();
  const toolsOf = (v: string) => component(catalog, 'codeflare-sdk').tools.filter((t) => satisfies(catalog, 'codeflare-sdk', v, t.range));
  // the era A rows' SDKs run oc (openshift-client); kubectl stands in for the subcommands they run, named by openshift-client's variable
  for (const v of ['v0.4.4', 'v0.5.0']) {
    expect(toolsOf(v).map((t) => [t.tool, t.standIn?.tool, t.standIn?.env])).toEqual([['oc', 'kubectl', 'OPENSHIFT_CLIENT_PYTHON_DEFAULT_OC_PATH']]);
    expect(toolsOf(v)[0]!.standIn!.commands).toEqual(['apply', 'create', 'delete', 'get']);
  }
  // releases not read have none; from v0.6.0 the SDK drives no tool
  expect(toolsOf('v0.4.3').map((t) => [t.tool, t.standIn])).toEqual([['oc', undefined]]);
  expect(toolsOf('v0.6.1')).toEqual([]);
});

test('the catalog is kept validated by the hash of its files: loaded again from JSON, an edit validated again', () => {
  const dir = scratchDir('catalog-kept-');
  cpSync(join(repoRoot, 'matrix', 'catalog'), dir, { recursive: true });
  // a copy of the same files is the same catalog, kept once: this one differs by a comment
  writeFileSync(join(dir, 'eras.yaml'), `# ${dir}\n${readFileSync(join(dir, 'eras.yaml'), 'utf8')}`);
  const kept = () => (existsSync(join(home(), 'catalog')) ? readdirSync(join(home(), 'catalog')) : []);
  const before = new Set(kept());
  const first = loadCatalog(dir);
  const added = kept().filter((f) => !before.has(f));
  expect(added).toHaveLength(1);
  // the kept copy is what validation gave, and a second load is that copy
  expect(JSON.parse(readFileSync(join(home(), 'catalog', added[0]!), 'utf8'))).toEqual(first);
  expect(loadCatalog(dir)).toEqual(first);
  // an edit makes another key: validated again, its error said, nothing kept for it
  writeFileSync(join(dir, 'eras.yaml'), `${readFileSync(join(dir, 'eras.yaml'), 'utf8')}\nbogus: [\n`);
  expect(() => loadCatalog(dir)).toThrow(/malformed catalog YAML/);
  expect(kept().filter((f) => !before.has(f))).toEqual(added);
  rmSync(join(home(), 'catalog', added[0]!));
});
