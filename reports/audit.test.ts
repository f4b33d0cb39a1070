// audit: a published matrix (an operator README) against results and provenance, one line per finding.
import { test, expect } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../matrix/catalog/index.js';
import { audit } from './audit.js';
import { END, START } from './markdown.js';
import { readResults } from '../model/results.js';
import { CELLS, cli, data, scratch } from './testing.js';

const nightly = data('nightly.json');
const catalog = loadCatalog();

/** A README whose block holds `tables` (each a list of [component title, cell text]). */
function readme(...tables: [string, string][][]): string {
  const body = tables.flatMap((t) => ['| Component | Version |', '|---|---|', ...t.map(([a, b]) => `| ${a} | ${b} |`), '']);
  return ['# codeflare-operator', '', START, 'CodeFlare Stack Compatibility Matrix', '', ...body, END, ''].join('\n');
}
const link = (repo: string, v: string) => `[${v}](https://github.com/${repo}/releases/tag/${v})`;
const findings = (text: string) => audit(text, 'README.md', readResults(nightly), catalog, { allowFlaky: false }).findings;

test('the README of v1.0.0 as published: confirmed, its operator compiling another KubeRay API is client skew, a note (exit 0)', async () => {
  const r = await cli(['audit', data('README.v1.0.0.md'), nightly]);
  expect(r.exitCode, r.all).toBe(0);
  expect(r.stdout.split('\n')).toEqual([
    `audit ${data('README.v1.0.0.md')} against ${nightly}: 1 declared row(s), 1 verified, 0 finding(s), 1 note(s)`,
    `  note: v1.0.0 row: cell ${CELLS.mismatch}: client skew: the operator compiles KubeRay's API at v1.0.0-rc.1, the row declares v0.5.0 (it talks to the KubeRay the stack installs)`,
  ]);
  const j = await cli(['audit', data('README.v1.0.0.md'), nightly, '--json']);
  expect(j.exitCode).toBe(0);
  expect(JSON.parse(j.stdout)).toMatchObject({ rows: 1, verified: 1, findings: [], notes: [expect.stringMatching(/^note: v1\.0\.0 row: .*client skew/)], rowVerdicts: [{ label: 'v1.0.0 row', verdict: 'confirmed' }] });
});

test('what the operator runs at another version contradicts the row; the same skew in a client is a note', () => {
  // v1.0.0 compiles MCAD in (it runs it): its binary with another MCAD is another stack than the row's.
  const results = readResults(nightly);
  const cell = results.cells.find((c) => c.id === CELLS.mismatch)!;
  cell.provenance = cell.provenance.map((p) => (p.component === 'codeflare-operator' ? { ...p, deps: p.deps?.map((d) => (d.path.includes('multi-cluster-app-dispatcher') ? { ...d, version: 'v1.37.0' } : d)) } : p));
  const a = audit(readFileSync(data('README.v1.0.0.md'), 'utf8'), 'README.md', results, catalog, { allowFlaky: false });
  expect(a.findings).toEqual([`mismatch: v1.0.0 row: cell ${CELLS.mismatch}: the operator binary runs Multi-Cluster App Dispatcher v1.37.0 (github.com/project-codeflare/multi-cluster-app-dispatcher), the row declares v1.38.0`]);
  expect(a.judged[0]).toMatchObject({ verdict: 'contradicted', notes: [expect.stringMatching(/client skew: .*KubeRay's API at v1\.0\.0-rc\.1/)] });
});

test('a compiled-in module the harness built from its git tag (the proxy refused it) is the version required, not the binary\'s (devel)', () => {
  // go version -m shows a replace by a local tree as (devel); fromGit says the tree is the required tag's.
  const results = readResults(nightly);
  const cell = results.cells.find((c) => c.id === CELLS.mismatch)!;
  const mcad = 'github.com/project-codeflare/multi-cluster-app-dispatcher';
  const original = cell.provenance;
  const fromTree = (fromGit: boolean) => original.map((p) => (p.component === 'codeflare-operator' ? { ...p, ...(fromGit ? { fromGit: { [`${mcad}@v1.38.0`]: 'a'.repeat(40) } } : {}), deps: p.deps?.map((d) => (d.path === mcad ? { ...d, version: 'v1.38.0', replacedBy: { path: '/cache/sources/mcad/aaaa', version: '(devel)' } } : d)) } : p));
  cell.provenance = fromTree(true);
  expect(audit(readFileSync(data('README.v1.0.0.md'), 'utf8'), 'README.md', results, catalog, { allowFlaky: false }).findings).toEqual([]);
  // a replace the harness did not make (the tag's own go.mod, a user's override) is what the binary runs
  cell.provenance = fromTree(false);
  expect(audit(readFileSync(data('README.v1.0.0.md'), 'utf8'), 'README.md', results, catalog, { allowFlaky: false }).findings).toEqual([expect.stringMatching(/runs Multi-Cluster App Dispatcher \(devel\)/)]);
});

test('a README written by report --update-readme from the same results: the stacks that hold up are verified', async () => {
  const dir = scratch();
  const file = join(dir, 'README.md');
  writeFileSync(file, readFileSync(data('README.v1.0.0.md')));
  expect((await cli(['report', nightly, '--update-readme', file])).exitCode).toBe(0);
  const r = await cli(['audit', file, nightly]);
  // Every stack is verified; v1.0.0's binary compiles another KubeRay API than the KubeRay that ran: a note.
  expect(r.stdout).toMatch(/3 declared row\(s\), 3 verified, 0 finding\(s\), 1 note\(s\)/);
  expect(r.exitCode).toBe(0);
  // Only the verified stacks: everything verified, exit 0.
  const clean = join(dir, 'clean.md');
  writeFileSync(clean, readme(
    [['CodeFlare Operator', link('project-codeflare/codeflare-operator', 'v1.2.0')], ['Multi-Cluster App Dispatcher', link('project-codeflare/multi-cluster-app-dispatcher', 'v1.40.0')], ['CodeFlare-SDK', link('project-codeflare/codeflare-sdk', 'v0.14.0')], ['InstaScale', link('project-codeflare/instascale', 'v0.4.0')], ['KubeRay', link('ray-project/kuberay', 'v1.0.0')]],
    [['CodeFlare Operator', '—'], ['CodeFlare-SDK', 'v0.35.0'], ['KubeRay', 'v1.4.2'], ['Kueue', 'v0.13.4']],
  ));
  const ok = await cli(['audit', clean, nightly]);
  expect(ok.exitCode, ok.all).toBe(0);
  expect(ok.stdout).toMatch(/2 declared row\(s\), 2 verified, 0 finding\(s\)$/);
});

test('declared but untested, failed, flaky, blocked, not applicable: one line each', () => {
  const f = findings(readme(
    [['CodeFlare Operator', 'v1.3.0'], ['Multi-Cluster App Dispatcher', 'v1.40.0'], ['CodeFlare-SDK', 'v0.15.0'], ['KubeRay', 'v1.1.0']],
    [['CodeFlare Operator', 'v0.2.3'], ['Multi-Cluster App Dispatcher', 'v1.34.1'], ['CodeFlare-SDK', 'v0.7.1'], ['InstaScale', 'v0.0.8'], ['KubeRay', 'v0.5.0']],
    [['CodeFlare Operator', 'v1.1.0'], ['CodeFlare-SDK', 'v0.13.0']],
    [['CodeFlare Operator', 'v1.0.1'], ['CodeFlare-SDK', 'v0.12.1']],
    [['CodeFlare Operator', 'v0.0.4'], ['KubeRay', 'v0.5.0']],
  ));
  expect(f[0]).toBe('untested: v1.3.0 row: no cell ran CodeFlare Operator v1.3.0, Multi-Cluster App Dispatcher v1.40.0, CodeFlare-SDK v0.15.0, KubeRay v1.1.0');
  expect(f[1]).toMatch(new RegExp(`^failed: v0\\.2\\.3 row: cell ${CELLS.failed} failed — mcad: an AppWrapper larger than the fake nodes`));
  expect(f[2]).toMatch(new RegExp(`^failed: v1\\.1\\.0 row: cell ${CELLS.flaky} flaky — sdk: .*passed only on retry 1`));
  expect(f[3]).toMatch(new RegExp(`^untested: v1\\.0\\.1 row: cell ${CELLS.blocked} blocked — install: kuberay v1\\.0\\.0`));
  expect(f[4]).toMatch(new RegExp(`^untested: v0\\.0\\.4 row: cell ${CELLS.notApplicable} not-applicable — mcad: MCAD v1\\.31\\.0`));
  expect(f).toHaveLength(5);
});

test('the record itself: an unknown component contradicts; a typo for a tag and a link to a fork are notes, and the run is still the row\'s', () => {
  const text = readme(
    [['CodeFlare Operator', 'v1.2.0'], ['InstaScale', 'v.0.4.0'], ['KubeRay', link('opendatahub-io/kuberay', 'v1.0.0')], ['Ray Dashboard', 'v2.5.0']],
    [['CodeFlare Operator', 'v1.2.0'], ['InstaScale', 'v.0.4.0'], ['KubeRay', link('opendatahub-io/kuberay', 'v1.0.0')]],
    [['CodeFlare Operator', 'v1.2.0'], ['KubeRay', 'v0.0.0-dev']],
  );
  const a = audit(text, 'README.md', readResults(nightly), catalog, { allowFlaky: false });
  expect(a.findings).toEqual([
    'mismatch: v1.2.0 row: "Ray Dashboard" is not a component the catalog knows',
    'mismatch: v1.2.0 row: KubeRay v0.0.0-dev is not a release of ray-project/kuberay',
    // no such cell: the cells asked for KubeRay v1.0.0 with v1.2.0
    `untested: v1.2.0 row: no cell ran CodeFlare Operator v1.2.0, KubeRay v0.0.0-dev (cells ran this operator with other versions: ${CELLS.passed})`,
  ]);
  // The typo'd row is the cell's (v.0.4.0 is read as v0.4.0), confirmed with its notes.
  expect(a.judged[1]).toMatchObject({ verdict: 'confirmed', cells: [CELLS.passed], notes: [
    'InstaScale "v.0.4.0" is no tag: read as v0.4.0',
    'KubeRay: the row links the fork opendatahub-io/kuberay v1.0.0; what ran is ray-project/kuberay v1.0.0',
  ] });
});

test('a row naming what its era no longer installs', () => {
  // The v1.3.x rows still listed MCAD and InstaScale; pretend v1.2.0's cell is a v1.3-era cell without them.
  const results = readResults(nightly);
  const cell = results.cells.find((c) => c.id === CELLS.passed)!;
  delete cell.requested.mcad;
  cell.provenance = cell.provenance.map((p) => (p.component === 'codeflare-operator' ? { ...p, deps: p.deps?.filter((d) => !d.path.includes('dispatcher')) } : p));
  const text = readme([['CodeFlare Operator', 'v1.2.0'], ['Multi-Cluster App Dispatcher', 'v1.40.0'], ['KubeRay', 'v1.0.0']]);
  expect(audit(text, 'README.md', results, catalog, { allowFlaky: false }).findings).toEqual([`untested: v1.2.0 row: Multi-Cluster App Dispatcher v1.40.0 is declared, but no cell of this row installs it (era B)`]);
});
