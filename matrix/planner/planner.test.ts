import { test, expect } from '@playwright/test';
import semver from 'semver';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availabilityFile, loadCatalog, normalizeDeclared } from '../catalog/index.js';
import { repoRoot } from '../../lib/paths.js';
import { parseConfig } from '../config.js';
import { violations } from '../constraints.js';
import { completer, isCell, plan } from './index.js';
import type { Versions } from '../cell.js';
import { nearestRelease as nearestKubernetes } from '../versions.js';

const catalog = loadCatalog();
const cfg = (yaml: string) => parseConfig(yaml, 'test.yaml');
const ids = (v: Versions) => violations(catalog, v).map((x) => x.id);
const ruleOf = (kind: string) => catalog.constraints.filter((c) => c.kind === kind).map((c) => c.id);

test.describe('constraints', () => {
  test('exclusive: MCAD v1beta1 and AppWrapper v1beta2 cannot share the CRD name', () => {
    const [rule] = ruleOf('exclusive');
    expect(ids({ mcad: 'v1.40.0', appwrapper: 'v1.1.2' })).toContain(rule);
    expect(ids({ mcad: 'v1.40.0' })).not.toContain(rule);
    expect(ids({ appwrapper: 'v1.1.2' })).not.toContain(rule);
  });

  test('api-match: the SDK AppWrapper apiVersion must match the installed CRD', () => {
    const bad = violations(catalog, { 'codeflare-sdk': 'v0.16.2', appwrapper: 'v0.12.0', kuberay: 'v1.1.0' });
    expect(bad.map((v) => v.reason).join()).toContain('v1beta1');
    // 0.16.3 moved to v1beta2, which AppWrapper serves
    expect(violations(catalog, { 'codeflare-sdk': 'v0.16.3', appwrapper: 'v0.12.0', kuberay: 'v1.1.0' })).toEqual([]);
    // the MCAD group move at 1.34.1: SDK 0.7.0 (mcad.ibm.com) does not fit MCAD 1.34.1 (workload.codeflare.dev)
    expect(violations(catalog, { 'codeflare-sdk': 'v0.7.0', mcad: 'v1.34.1', kuberay: 'v0.5.0' }).length).toBeGreaterThan(0);
    expect(violations(catalog, { 'codeflare-sdk': 'v0.7.1', mcad: 'v1.34.1', kuberay: 'v0.5.0' })).toEqual([]);
  });

  test('requires: SDK >= 0.14 needs ray.io/v1, i.e. KubeRay >= 1.0', () => {
    expect(violations(catalog, { 'codeflare-sdk': 'v0.14.0', kuberay: 'v0.5.0', mcad: 'v1.40.0' }).length).toBeGreaterThan(0);
    expect(violations(catalog, { 'codeflare-sdk': 'v0.14.0', kuberay: 'v1.0.0', mcad: 'v1.40.0' })).toEqual([]);
  });

  test('requires: who reconciles an AppWrapper Workload decides the Kueue it pairs with', () => {
    expect(ids({ appwrapper: 'v1.0.4', kueue: 'v0.11.6' })).toContain('appwrapper-own-kueue-reconciler-needs-old-kueue');
    expect(ids({ appwrapper: 'v1.0.4', kueue: 'v0.10.1', kubernetes: 'v1.31.14' })).toEqual([]);
    expect(ids({ appwrapper: 'v1.1.2', kueue: 'v0.10.1' })).toContain('appwrapper-without-kueue-reconciler-needs-new-kueue');
    expect(ids({ appwrapper: 'v1.1.2', kueue: 'v0.11.6', kubernetes: 'v1.31.14' })).toEqual([]);
  });

  test('requires: Kueue >= 0.12 needs Kubernetes >= 1.29 (Kueue README at v0.12.0)', () => {
    expect(violations(catalog, { kueue: 'v0.13.4', kubernetes: 'v1.27.16' }).map((v) => v.reason).join()).toMatch(/1\.29/);
    expect(violations(catalog, { kueue: 'v0.13.4', kubernetes: 'v1.31.14' })).toEqual([]);
  });

  test('bundled: in era B MCAD and InstaScale come from the operator go.mod', () => {
    const rule = ruleOf('bundled');
    expect(ids({ 'codeflare-operator': 'v1.0.0', mcad: 'v1.37.0' }).some((i) => rule.includes(i))).toBe(true);
    expect(ids({ 'codeflare-operator': 'v1.0.0', mcad: 'v1.38.0' }).some((i) => rule.includes(i))).toBe(false);
    // a chain cell rebuilds the operator with another MCAD on purpose
    expect(violations(catalog, { 'codeflare-operator': 'v1.0.0', mcad: 'dev' }, { overridden: ['mcad'] }).map((v) => v.id).some((i) => rule.includes(i))).toBe(false);
  });

  test('order: KubeRay is installed before Kueue', () => {
    const order = catalog.constraints.find((c) => c.kind === 'order');
    expect(order).toMatchObject({ before: 'kuberay', after: 'kueue' });
    expect(catalog.installOrder.indexOf('kuberay')).toBeLessThan(catalog.installOrder.indexOf('kueue'));
  });

  test('capability: InstaScale needs the OpenShift machine APIs', () => {
    const p = plan(cfg('kubernetes: ["1.27"]\ncomponents: {codeflare-operator: v0.2.3}'), catalog);
    expect(p.cells[0]!.needs).toContain('openshift-machine-api');
  });

  test('every requires and exclusive rule of the catalog can fail and can pass', () => {
    // Built from the rule's own data: versions inside and outside each bound, from the catalog.
    const pick = (id: string, range: string, inside: boolean) =>
      catalog.components.find((c) => c.id === id)!.versions.map((v) => v.tag).find((t) => semver.satisfies(t.slice(1), range, { includePrerelease: true }) === inside);
    for (const c of catalog.constraints) {
      if (c.kind === 'requires') {
        const when = Object.fromEntries(Object.entries(c.when).map(([id, r]) => [id, pick(id, r!, true)]));
        const [[rid, rrange]] = Object.entries(c.require) as [[string, string]];
        const bad = { ...when, [rid]: pick(rid, rrange, false) };
        const good = { ...when, [rid]: pick(rid, rrange, true) };
        if (bad[rid]) expect(ids(bad as Versions), `${c.id} with ${JSON.stringify(bad)}`).toContain(c.id);
        expect(ids(good as Versions), `${c.id} with ${JSON.stringify(good)}`).not.toContain(c.id);
      }
      if (c.kind === 'exclusive') {
        const a = Object.fromEntries(Object.entries(c.a).map(([id, r]) => [id, pick(id, r!, true)]));
        const b = Object.fromEntries(Object.entries(c.b).map(([id, r]) => [id, pick(id, r!, true)]));
        expect(ids({ ...a, ...b } as Versions), c.id).toContain(c.id);
        expect(ids(a as Versions), c.id).not.toContain(c.id);
      }
    }
  });

  test('every constraint in the catalog has a reason and a unique id', () => {
    const all = catalog.constraints.map((c) => c.id);
    expect(new Set(all).size).toBe(all.length);
    for (const c of catalog.constraints) expect(c.reason.length).toBeGreaterThan(20);
  });
});

test.describe('strategies', () => {
  test('full: the product minus exclusions, each with its reason', () => {
    const p = plan(cfg(`
strategy: full
kubernetes: ["1.27", "1.31"]
components:
  codeflare-operator: ["v1.0.0", "v1.2.0"]
  mcad: ["v1.38.0", "v1.40.0"]
`), catalog);
    // era B: v1.0.0 carries MCAD v1.38.0, v1.2.0 carries v1.40.0; the two other pairings are excluded
    expect(p.cells).toHaveLength(4);
    expect(p.excluded).toHaveLength(4);
    for (const e of p.excluded) expect(e.reasons[0]!.reason).toMatch(/compiled into the operator|go\.mod/);
    for (const c of p.cells) expect(c.versions.instascale).toBeTruthy(); // filled from the operator
  });

  test('plans are deterministic and cell ids derive from contents only', () => {
    const text = 'kubernetes: ["1.27"]\ncomponents: {codeflare-operator: ["v0.2.3", "v1.2.0"]}';
    const a = plan(cfg(text), catalog);
    const b = plan(cfg(`components: {codeflare-operator: ["v1.2.0", "v0.2.3"]}\nkubernetes: ["1.27"]\nname: other`), catalog);
    expect(a.cells.map((c) => c.id).sort()).toEqual(b.cells.map((c) => c.id).sort());
    expect(JSON.stringify(plan(cfg(text), catalog))).toBe(JSON.stringify(a));
    for (const c of a.cells) expect(c.id).toMatch(/^[a-e]-k1\.27-op[\d.]+-[0-9a-f]{8}$/);
  });

  test('pairwise: every coverable pair is in some valid cell (independent check over the real catalog)', () => {
    const text = `
strategy: pairwise
kubernetes: ["1.27", "1.31"]
components:
  codeflare-operator: ["v0.2.3", "v1.0.0", "v1.2.0"]
  kuberay: ["v0.5.0", "v1.0.0", "v1.1.0"]
  codeflare-sdk: ["v0.7.1", "v0.11.0", "v0.13.0", "v0.14.0"]
`;
    const p = plan(cfg(text), catalog);
    const full = plan(cfg(text.replace('pairwise', 'full')), catalog);
    const axes = { kubernetes: ['v1.27.16', 'v1.31.14'], 'codeflare-operator': ['v0.2.3', 'v1.0.0', 'v1.2.0'], kuberay: ['v0.5.0', 'v1.0.0', 'v1.1.0'], 'codeflare-sdk': ['v0.7.1', 'v0.11.0', 'v0.13.0', 'v0.14.0'] };
    // coverable pairs = pairs present in some valid cell of the full product
    const key = (a: string, va: string, b: string, vb: string) => `${a}=${va}|${b}=${vb}`;
    const pairsOf = (v: Versions) => {
      const out: string[] = [];
      const names = Object.keys(axes) as (keyof typeof axes)[];
      for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) out.push(key(names[i]!, v[names[i]!]!, names[j]!, v[names[j]!]!));
      return out;
    };
    const coverable = new Set(full.cells.flatMap((c) => pairsOf(c.versions)));
    const covered = new Set(p.cells.flatMap((c) => pairsOf(c.versions)));
    for (const pair of coverable) expect(covered, pair).toContain(pair);
    expect(p.cells.length).toBeLessThan(full.cells.length);
    const complete = completer(catalog);
    for (const c of p.cells) expect(isCell(complete({ versions: c.versions }))).toBe(true);
  });

  test('chain: the component under test at its ref, dev above it, the rest pinned', () => {
    const p = plan(cfg(`
strategy: chain
kubernetes: ["1.27"]
chain: {component: instascale, ref: {ref: "refs/pull/123/head"}}
components:
  codeflare-operator: v1.2.0
  codeflare-sdk: v0.14.0
  kuberay: v1.0.0
`), catalog);
    expect(p.cells).toHaveLength(1);
    const c = p.cells[0]!;
    expect(c.versions.instascale).toBe('ref:refs/pull/123/head');
    expect(c.origin.instascale).toBe('under-test');
    // MCAD is above InstaScale in the PCF-ADR-0003 chain; in era B the operator is rebuilt with both
    expect(c.versions.mcad).toBe('dev');
    expect(c.origin.mcad).toBe('chain-dev');
    expect(c.versions['codeflare-operator']).toBe('v1.2.0');
    expect(c.versions['codeflare-sdk']).toBe('v0.14.0'); // below: pinned
    expect(c.versions.kuberay).toBe('v1.0.0'); // external: pinned, never dev
    // the SDK has MCAD and InstaScale above it
    const checkout = mkdtempSync(join(tmpdir(), 'cfm-sdk-checkout-'));
    writeFileSync(join(checkout, 'pyproject.toml'), '[project]\nname = "codeflare-sdk"\n');
    const sdkChain = (path: string) => plan(cfg(`strategy: chain\nkubernetes: ["1.31"]\nchain: {component: codeflare-sdk, ref: {path: ${path}}}\ncomponents: {codeflare-operator: v1.4.1, kuberay: v1.1.0}`), catalog);
    const sdk = sdkChain(checkout);
    expect(sdk.cells[0]!.versions['codeflare-sdk']).toBe(`path:${checkout}`);
    // checked before anything builds: a folder that is no Python project is bad input
    expect(() => sdkChain(tmpdir())).toThrow(/has no pyproject\.toml or setup\.py/);
    rmSync(checkout, { recursive: true, force: true });
    expect(sdk.cells[0]!.era).toBe('C'); // era C has no MCAD or InstaScale: nothing above to take at dev
    // an operator PR: the SDK is above it; PyPI has no dev, so it stays pinned unless a git repository of it is named
    const op = (sources = {}) => plan(cfg('strategy: chain\nkubernetes: ["1.31"]\nchain: {component: codeflare-operator, ref: {ref: "refs/pull/9/head"}}\ncomponents: {codeflare-sdk: v0.29.0, kuberay: v1.3.2, kueue: v0.11.6}'), catalog, { sources }).cells[0]!;
    expect(op().versions['codeflare-sdk']).toBe('v0.29.0');
    const withGit = op({ 'codeflare-sdk': { git: '/src/codeflare-sdk', at: 'sources.yaml' } });
    expect(withGit.versions['codeflare-sdk']).toBe('dev');
    expect(withGit.origin['codeflare-sdk']).toBe('chain-dev');
  });

  test('release: candidate, previous published row, and the upgrade between them', () => {
    const p = plan(cfg('strategy: release\nkubernetes: ["1.27"]\nrelease: {candidate: v1.2.0}'), catalog);
    expect(p.cells).toHaveLength(3);
    const ops = p.cells.map((c) => c.versions['codeflare-operator']);
    expect(ops).toEqual(['v1.1.0', 'v1.2.0', 'v1.2.0']);
    const up = p.cells.find((c) => c.upgradeFrom)!;
    expect(up.upgradeFrom!['codeflare-operator']).toBe('v1.1.0');
    expect(up.id).toContain('-up-');
  });

  test('published: each row on the Kubernetes its own e2e ran on, else the pinned patch of its minor (said in the cell)', () => {
    const p = plan(cfg('strategy: published\nkubernetes: ["1.31"]'), catalog);
    const of = (op: string) => p.cells.find((c) => c.versions['codeflare-operator'] === op)!;
    // v1.16.0's e2e: kind v1.30.10, whose staging modules the proxy here refuses; the catalog pins v1.30.14
    expect(of('v1.16.0').versions.kubernetes).toBe('v1.30.14');
    expect(of('v1.16.0').notes).toEqual(['its e2e ran on Kubernetes v1.30.10; the toolchain here pins v1.30.14 of that minor']);
    // v1.0.0's e2e: kind v1.25.3, pinned as it is
    expect(of('v1.0.0').versions.kubernetes).toBe('v1.25.3');
    expect(of('v1.0.0').notes).toBeUndefined();
    // v0.0.4 has no e2e on record: the config's axis, nothing to say
    expect(of('v0.0.4').versions.kubernetes).toBe('v1.31.13');
    expect(of('v0.0.4').notes).toBeUndefined();
  });

  test('the nearest pinned Kubernetes: the release, else its minor, else the nearest minor (the newer on a tie)', () => {
    const have = ['v1.27.16', 'v1.31.13', 'v1.37.2'];
    expect(nearestKubernetes('v1.31.13', have)).toBe('v1.31.13');
    expect(nearestKubernetes('v1.31.2', have)).toBe('v1.31.13');
    expect(nearestKubernetes('v1.25.3', have)).toBe('v1.27.16');
    expect(nearestKubernetes('v1.29.0', have)).toBe('v1.31.13');
    expect(nearestKubernetes('v1.30.10', have)).toBe('v1.31.13');
  });

  test('published: reproduces every README row', () => {
    const p = plan(cfg('strategy: published\nkubernetes: ["1.27"]'), catalog);
    expect(p.cells).toHaveLength(catalog.published.length);
    for (const row of catalog.published) {
      const cell = p.cells.find((c) => c.versions['codeflare-operator'] === row.operator)!;
      expect(cell, row.operator).toBeTruthy();
      for (const [id, declared] of Object.entries(row.declared)) {
        const inEra = ['kubernetes', ...catalog.eras.find((e) => e.id === cell.era)!.components].includes(id);
        if (inEra) expect(cell.versions[id as keyof Versions], `${row.operator} ${id}`).toBe(normalizeDeclared(declared!));
        else expect(cell.violations.map((v) => v.id), `${row.operator} ${id}`).toContain('not-in-era');
      }
    }
    // the record's known faults surface as violations, not silently
    const v142 = p.cells.find((c) => c.versions['codeflare-operator'] === 'v1.4.2')!;
    expect(v142.violations.map((v) => v.reason).join()).toMatch(/v1beta1/);
    const v101 = p.cells.find((c) => c.versions['codeflare-operator'] === 'v1.0.1')!;
    expect(v101.violations.map((v) => v.id)).toContain('unknown-version');
  });
});

test('cells say which of their versions the registries where the tool runs do not serve (this machine\'s record); with none, every version is taken as served', () => {
  const availability = { checked: '2026-12-01', where: 'a proxy that refuses the operator', branches: 'refused' as const, versions: [{ component: 'codeflare-operator' as const, tag: 'v1.2.0', status: 'missing' as const, detail: 'the Go module proxy: 403 Forbidden' }] };
  const config = cfg('kubernetes: ["1.31"]\ncomponents: {codeflare-operator: v1.2.0}');
  const p = plan(config, { ...catalog, availability });
  expect(p.cells[0]!.unavailable).toEqual(['codeflare-operator v1.2.0: the Go module proxy: 403 Forbidden; fix: name a git repository of project-codeflare/codeflare-operator under sources: (~/.config/codeflare-matrix/sources.yaml or the config)']);
  const { availability: _, ...unchecked } = catalog;
  expect(plan(config, unchecked).cells[0]!.unavailable).toEqual([]);
});

test('the availability record is this machine\'s, read from its cache folder, never shipped with the catalog', () => {
  expect(existsSync(join(repoRoot, 'matrix', 'catalog', 'availability.yaml'))).toBe(false);
  const saved = process.env.CODEFLARE_MATRIX_HOME;
  const home = mkdtempSync(join(tmpdir(), 'cfm-availability-'));
  try {
    process.env.CODEFLARE_MATRIX_HOME = home;
    expect(availabilityFile()).toBe(join(home, 'availability.yaml'));
    expect(loadCatalog().availability).toBeUndefined();
    writeFileSync(join(home, 'availability.yaml'), 'availability:\n  checked: 2026-12-01\n  where: here\n  versions:\n    - { component: kueue, tag: v0.13.4, status: missing, detail: not served }\n');
    expect(loadCatalog().availability?.versions).toEqual([{ component: 'kueue', tag: 'v0.13.4', status: 'missing', detail: 'not served' }]);
  } finally {
    if (saved === undefined) delete process.env.CODEFLARE_MATRIX_HOME;
    else process.env.CODEFLARE_MATRIX_HOME = saved;
    rmSync(home, { recursive: true, force: true });
  }
});

test('an era may take optional components: era E with AppWrapper standalone, and without it', () => {
  const p = plan(cfg('kubernetes: ["1.31"]\ncomponents: { kuberay: [v1.3.2], kueue: [v0.11.6], codeflare-sdk: [v0.38.2], appwrapper: [v1.1.2, v1.0.4] }'), catalog);
  expect(p.cells.map((c) => [c.era, c.versions.appwrapper])).toEqual([['E', 'v1.1.2']]);
  // v1.0.4 runs its own Kueue reconciler beside Kueue 0.11's: excluded, with the reason
  expect(p.excluded.flatMap((x) => x.reasons.map((r) => r.id))).toContain('appwrapper-own-kueue-reconciler-needs-old-kueue');
  const without = plan(cfg('kubernetes: ["1.31"]\ncomponents: { kuberay: [v1.3.2], kueue: [v0.11.6], codeflare-sdk: [v0.38.2] }'), catalog);
  expect(without.cells[0]!.versions.appwrapper).toBeUndefined();
});

test.describe('baselines: each cell says the stack its failed tests run again on', () => {
  // every version taken as served, whatever this machine's record says
  const { availability: _, ...served } = catalog;
  const by = (p: ReturnType<typeof plan>, id?: string) => [...p.cells, ...p.baselines].find((c) => c.id === id);

  test('release: the candidate against the previous row; the previous row and the upgrade against theirs one row earlier, past a row blocked ahead', () => {
    const p = plan(cfg('strategy: release\nkubernetes: ["1.27"]\nrelease: {candidate: v1.2.0}'), served);
    const [previous, candidate, upgrade] = p.cells;
    expect(candidate!.baseline).toEqual({ cell: previous!.id, why: 'the previous release (operator v1.1.0)' });
    // v1.0.1's row names KubeRay v0.0.0-dev, no release: blocked ahead, so v1.1.0 is judged against v1.0.0
    expect(previous!.baseline!.why).toBe('the previous published row (operator v1.0.0); operator v1.0.1 is blocked ahead');
    expect(by(p, previous!.baseline!.cell)!.versions['codeflare-operator']).toBe('v1.0.0');
    const earlier = by(p, upgrade!.baseline!.cell)!;
    expect([earlier.upgradeFrom!['codeflare-operator'], earlier.versions['codeflare-operator']]).toEqual(['v1.0.0', 'v1.1.0']);
    // the stacks not in the matrix are the plan's baselines, not its cells
    expect(p.cells).toHaveLength(3);
    expect(p.baselines.map((b) => b.id).sort()).toEqual([previous!.baseline!.cell, upgrade!.baseline!.cell].sort());
  });

  test('published: each row against the previous row of the plan, the first row against none', () => {
    const p = plan(cfg('strategy: published\nkubernetes: ["1.27"]'), served);
    const of = (op: string) => p.cells.find((c) => c.versions['codeflare-operator'] === op)!;
    expect(of('v0.0.4').baseline).toBeUndefined();
    expect(of('v0.0.5').baseline).toEqual({ cell: of('v0.0.4').id, why: 'the previous published row (operator v0.0.4)' });
    expect(of('v1.0.0-rc.2').baseline!.cell).toBe(of('v1.0.0-rc.1').id);
    expect(of('v1.4.0').baseline).toEqual({ cell: of('v1.2.0').id, why: 'the previous published row (operator v1.2.0); operator v1.3.1 and operator v1.3.0 are blocked ahead' });
    expect(p.baselines).toEqual([]); // every baseline is a row of the plan: nothing runs twice
  });

  test('chain: the same cell with the component under test at its last release; the nightly\'s dev components at theirs', () => {
    const p = plan(cfg('strategy: chain\nkubernetes: ["1.31"]\nchain: {component: kuberay, ref: {ref: refs/pull/9/head}}\ncomponents: {codeflare-operator: v1.16.0, codeflare-sdk: v0.29.0, kueue: v0.11.6}'), served);
    const [cell] = p.cells;
    const base = by(p, cell!.baseline!.cell)!;
    const last = catalog.components.find((c) => c.id === 'kuberay')!.versions.map((v) => v.tag).filter((t) => !t.includes('-')).sort((a, b) => semver.compare(a, b)).at(-1);
    expect(base.versions).toEqual({ ...cell!.versions, kuberay: last });
    expect(cell!.baseline!.why).toBe(`kuberay ${last}: its last release, the rest as here`);
    // the nightly: the operator at its last release comes with the AppWrapper it compiles in, as it shipped
    const nightly = plan(cfg('kubernetes: ["1.31"]\ncomponents: {codeflare-operator: dev, appwrapper: dev, kuberay: dev, kueue: dev, codeflare-sdk: v0.29.0}'), served);
    const d = by(nightly, nightly.cells[0]!.baseline!.cell)!;
    const op = d.versions['codeflare-operator']!;
    expect(op).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(d.versions.appwrapper).toBe(catalog.components.find((c) => c.id === 'codeflare-operator')!.versions.find((v) => v.tag === op)!.bundles!.appwrapper);
    expect(Object.values(d.versions)).not.toContain('dev');
    // nothing under test, nothing floating: no baseline
    expect(plan(cfg('kubernetes: ["1.31"]\ncomponents: {codeflare-operator: v1.16.0}'), served).cells[0]!.baseline).toBeUndefined();
  });

  test('a config\'s baseline versions: one stack for the cells that differ only there; one that fits no cell says why', () => {
    const p = plan(cfg('kubernetes: ["1.31"]\ncomponents: {codeflare-operator: v1.4.1, kuberay: [v1.1.0, v1.1.1]}\nbaseline: {kuberay: v1.0.0}'), served);
    expect(new Set(p.cells.map((c) => c.baseline!.cell)).size).toBe(1);
    expect(p.cells[0]!.baseline!.why).toBe("the config's baseline (kuberay v1.0.0)");
    expect(p.baselines.map((b) => b.versions.kuberay)).toEqual(['v1.0.0']);
    // the SDK v0.16 needs KubeRay ≥ 1.0: no valid stack, and the cell says so
    const none = plan(cfg('kubernetes: ["1.31"]\ncomponents: {codeflare-operator: v1.4.1}\nbaseline: {kuberay: v0.5.0}'), served);
    expect(none.cells[0]!.baseline!.cell).toBeUndefined();
    expect(none.cells[0]!.baseline!.why).toMatch(/^none: the config's baseline \(kuberay v0\.5\.0\) makes no valid stack \(.+\)$/);
    expect(() => plan(cfg('kubernetes: ["1.31"]\ncomponents: {codeflare-operator: v1.4.1}\nbaseline: {kuberay: v9.9.9}'), served)).toThrow(/test\.yaml:3:\d+.*unknown kuberay version 9\.9\.9|baseline\.kuberay: unknown kuberay version/);
  });
});
