// The release gate on recorded results: each failing condition says why (exit 1); a verified,
// recent row whose binaries are the published versions passes and prints the block to publish.
import { test, expect } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../matrix/catalog/index.js';
import { gate, parseAge } from './gate.js';
import { END, START } from './markdown.js';
import { readResults } from '../model/results.js';
import { AT, CELLS, cli, data, expectUserError, scratch } from './testing.js';

const nightly = data('nightly.json');
const failures = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('  ✗ '));

test('passes: a recent, passed row whose operator compiles in the published versions; prints the block', async () => {
  const r = await cli(['gate', '--release', 'v1.2.0', nightly, '--at', AT]);
  expect(r.exitCode, r.all).toBe(0);
  expect(r.stderr).toBe('gate v1.2.0: passed (1 cell(s), versions from published row v1.2.0 (matrix/catalog/published.yaml))');
  const block = r.stdout.trimEnd().split('\n');
  expect(block[0]).toBe(START);
  expect(block.at(-1)).toBe(END);
  expect(block).toContain('| Multi-Cluster App Dispatcher | [v1.40.0](https://github.com/project-codeflare/multi-cluster-app-dispatcher/releases/tag/v1.40.0) |');
  expect(block.filter((l) => l.startsWith('| CodeFlare Operator'))).toHaveLength(1); // only the candidate's table
  // "1.2.0" without the v names the same release; in GitHub Actions the block also goes to the job summary.
  const summary = join(scratch(), 'summary.md');
  expect((await cli(['gate', '-r', '1.2.0', nightly, '--at', AT], { GITHUB_STEP_SUMMARY: summary })).exitCode).toBe(0);
  expect(readFileSync(summary, 'utf8')).toBe(`### ✅ Release gate v1.2.0\n\n${r.stdout}\n\n`);
});

test('fails: a required suite failed (not-applicable suites do not count)', async () => {
  const summary = join(scratch(), 'summary.md');
  const r = await cli(['gate', '--release', 'v0.2.3', nightly, '--at', AT], { GITHUB_STEP_SUMMARY: summary });
  expect(r.exitCode, r.all).toBe(1);
  expect(readFileSync(summary, 'utf8')).toMatch(/^### ❌ Release gate v0\.2\.3\n\n- cell a-k1\.27-op0\.2\.3-6a8a7a3a: suite mcad failed: /);
  expect(failures(r.stdout)).toEqual([`  ✗ cell ${CELLS.failed}: suite mcad failed: an AppWrapper larger than the fake nodes stays queued and is dispatched once a node is added — Error: timed out waiting for AppWrapper aw-large to be Dispatched (state Pending after 120s; events: "insufficient resources: requested cpu 6, available 4")`]);
  expect(r.stdout).not.toContain('instascale');
  const j = await cli(['gate', '--release', 'v0.2.3', nightly, '--at', AT, '--json']);
  expect(j.exitCode).toBe(1);
  expect(JSON.parse(j.stdout)).toMatchObject({ release: 'v0.2.3', passed: false, failures: [expect.stringMatching(/suite mcad failed/)] });
});

test('fails: flaky is not passed, unless --allow-flaky', async () => {
  const r = await cli(['gate', '--release', 'v1.1.0', nightly, '--at', AT]);
  expect(r.exitCode, r.all).toBe(1);
  expect(failures(r.stdout)).toHaveLength(1);
  expect(r.stdout).toMatch(/cell b-k1\.27-op1\.1\.0-504615bd: suite sdk flaky: .* passed only on retry 1/);
  const allowed = await cli(['gate', '--release', 'v1.1.0', nightly, '--at', AT, '--allow-flaky']);
  expect(allowed.exitCode, allowed.all).toBe(0);
  expect(allowed.stdout).toContain('[v1.39.0]');
});

test('fails: a blocked cell (its setup failed) is one reason', async () => {
  const r = await cli(['gate', '--release', 'v1.0.1', nightly, '--at', AT]);
  expect(r.exitCode, r.all).toBe(1);
  const f = failures(r.stdout);
  expect(f[0]).toBe(`  ✗ cell ${CELLS.blocked} blocked: install: kuberay v1.0.0: deployment kuberay-operator did not become ready in 120s (readiness probe on :8080/healthz refused; see cells/…/kuberay-operator.log)`);
  // The published v1.0.1 row says KubeRay v0.0.0-dev (the release workflow's default): no such release.
  expect(f.slice(1)).toEqual(['  ✗ the row declares KubeRay v0.0.0-dev, which is not a release of ray-project/kuberay']);
  // The operator compiles KubeRay's API at v1.0.0-rc.1: skew, a note, never a reason.
  expect(r.stdout).toContain(`  note: cell ${CELLS.blocked}: client skew: the operator compiles KubeRay's API at v1.0.0-rc.1, the row declares v0.0.0-dev`);
});

test('passes with a note: the operator binary compiles another KubeRay API than the row names (client skew); fails when what it runs differs', async () => {
  const r = await cli(['gate', '--release', 'v1.0.0', nightly, '--at', AT]);
  expect(r.exitCode, r.all).toBe(0);
  expect(r.stderr).toContain(`note: cell ${CELLS.mismatch}: client skew: the operator compiles KubeRay's API at v1.0.0-rc.1, the row declares v0.5.0`);
  expect(r.stderr).toMatch(/versions from published row v1\.0\.0/);
  // The same binary with another MCAD than the row's: the operator runs MCAD, so the gate fails.
  const dir = scratch();
  const file = join(dir, 'results.json');
  writeFileSync(file, readFileSync(nightly, 'utf8').replace(/("path": "github.com\/project-codeflare\/multi-cluster-app-dispatcher",\s*"version": )"v1\.38\.0"/, '$1"v1.37.0"'));
  const bad = await cli(['gate', '--release', 'v1.0.0', file, '--at', AT]);
  expect(bad.exitCode, bad.all).toBe(1);
  expect(failures(bad.stdout)).toEqual([`  ✗ cell ${CELLS.mismatch}: the operator binary runs Multi-Cluster App Dispatcher v1.37.0 (github.com/project-codeflare/multi-cluster-app-dispatcher), the row declares v1.38.0`]);
  // A webhook of the operator that removes fields of KubeRay's kind (install/skew.ts): passes, with the fields named
  const results = JSON.parse(readFileSync(nightly, 'utf8'));
  const op = results.cells.find((c: { id: string }) => c.id === CELLS.mismatch).provenance.find((p: { component: string }) => p.component === 'codeflare-operator');
  op.drops = [{ webhook: 'mraycluster.ray.openshift.ai', kind: 'RayCluster', api: { component: 'kuberay', version: 'v1.0.0-rc.1' }, controllerRuntime: 'v0.14.6', runs: 'v0.5.0', fields: ['spec.x'] }];
  const skewed = join(dir, 'skewed.json');
  writeFileSync(skewed, JSON.stringify(results));
  const s = await cli(['gate', '--release', 'v1.0.0', skewed, '--at', AT]);
  expect(s.exitCode, s.all).toBe(0);
  expect(s.stderr).toContain(`note: cell ${CELLS.mismatch}: client skew that loses fields: codeflare-operator ${op.resolved}'s mutating webhook mraycluster.ray.openshift.ai re-encodes each RayCluster it admits with kuberay's API at v1.0.0-rc.1 (controller-runtime v0.14.6): it removes what kuberay v0.5.0 added, spec.x`);
});

test('fails: no suite applied, nothing verified', async () => {
  const r = await cli(['gate', '--release', 'v0.0.4', nightly, '--at', AT]);
  expect(r.exitCode, r.all).toBe(1);
  expect(failures(r.stdout)).toEqual([`  ✗ cell ${CELLS.notApplicable} not-applicable: no suite applies, nothing verified`]);
});

test('fails: stale results, by --max-age', async () => {
  const stale = data('stale.json');
  const r = await cli(['gate', '--release', 'v1.2.0', stale, '--at', AT]);
  expect(r.exitCode, r.all).toBe(1);
  expect(failures(r.stdout)).toEqual(['  ✗ results are 21.1d old (cell b-k1.27-op1.2.0-f363ac7b finished 2025-05-30T09:07:59Z), older than --max-age 7d']);
  expect((await cli(['gate', '--release', 'v1.2.0', stale, '--at', AT, '--max-age', '4w'])).exitCode).toBe(0);
  // Without --at the age is taken from now: the recorded run of June 2025 is far older than a day.
  const now = await cli(['gate', '--release', 'v1.2.0', nightly, '--max-age', '1d']);
  expect(now.exitCode).toBe(1);
  expect(now.stdout).toMatch(/results are [\d.]+d old/);
});

test('every failing condition is printed, not only the first', async () => {
  const r = await cli(['gate', '--release', 'v1.0.1', nightly, '--at', '2025-07-30T00:00:00Z']);
  expect(r.exitCode, r.all).toBe(1);
  expect(r.stdout).toMatch(/failed \(3 reasons/);
  expect(r.stdout).toMatch(/results are 40\.9d old/);
  expect(r.stdout).toMatch(/KubeRay v0\.0\.0-dev, which is not a release/);
});

test('a release not in the catalog is checked against the versions its cells asked for', async () => {
  // The next release: no published row yet. Its cell is v1.2.0's, renamed.
  const dir = scratch();
  const file = join(dir, 'results.json');
  const text = readFileSync(nightly, 'utf8').replaceAll('"v1.2.0"', '"v1.17.0"');
  writeFileSync(file, text);
  const r = await cli(['gate', '--release', 'v1.17.0', file, '--at', AT]);
  // The operator's own provenance says v1.17.0 too (renamed), and the rest matches what the cell asked for.
  expect(r.exitCode, r.all).toBe(0);
  expect(r.stderr).toMatch(/versions from the candidate cells \(no published row yet\)/);
});

test('gate() and parseAge() directly', () => {
  const results = readResults(nightly);
  const v = gate(results, nightly, loadCatalog(), { release: 'v1.0.0', maxAge: '7d', allowFlaky: false, now: new Date(AT) });
  expect(v.cells.map((c) => c.id)).toEqual([CELLS.mismatch]);
  expect(v.declared).toMatchObject({ kuberay: 'v0.5.0', mcad: 'v1.38.0' });
  expect(parseAge('36h')).toBe(36 * 3_600_000);
  expect(parseAge('2w')).toBe(14 * 86_400_000);
  expect(() => parseAge('7 days')).toThrow(/not an age/);
});

test('bad input: a release with no row, an unreadable age or time, no --release', async () => {
  expectUserError(await cli(['gate', '--release', 'v9.9.9', nightly]), /nightly\.json: no cell of release v9\.9\.9 in the results \(operator versions there: v1\.2\.0, v0\.2\.3/, /fix:/);
  expectUserError(await cli(['gate', '--release', 'v1.2.0', nightly, '--max-age', 'a week']), /--max-age a week is not an age/);
  expectUserError(await cli(['gate', '--release', 'v1.2.0', nightly, '--at', 'yesterday']), /--at yesterday is not a time/);
  expectUserError(await cli(['gate', nightly]), /--release/);
});
