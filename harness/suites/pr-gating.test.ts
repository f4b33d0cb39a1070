// PR gating (PCF-ADR-0003) with the shipped matrix-pr.yaml: the component under test's own e2e
// suite is selected (upstream:under-test) beside ours and the operator's, and its test code is the
// PR's checkout — a git repository this test makes, under the component's module path.
import { test, expect } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadCatalog } from '../../matrix/catalog/index.js';
import { loadConfig, parseConfig } from '../../matrix/config.js';
import { plan } from '../../matrix/planner/index.js';
import { repoRoot } from '../../lib/paths.js';
import { UserError } from '../../lib/errors.js';
import { resolveSource } from '../components/source.js';
import { pickSuites, suiteGrep } from '../../suites/index.js';
import { upstreamSuite } from './index.js';

const catalog = loadCatalog();
let dir: string;

/** A PR's checkout: a git repository whose go.mod names the component's module, with an e2e package. */
async function checkout(module: string, at: string): Promise<string> {
  mkdirSync(join(at, 'test', 'e2e'), { recursive: true });
  writeFileSync(join(at, 'go.mod'), `module ${module}\n\ngo 1.22\n`);
  writeFileSync(join(at, 'test', 'e2e', 'pr_test.go'), 'package e2e\n\nimport "testing"\n\nfunc TestFromThePR(t *testing.T) {}\n');
  const git = (...args: string[]) => execa('git', ['-C', at, '-c', 'user.name=pr', '-c', 'user.email=pr@example.invalid', ...args]);
  await git('init', '-q');
  await git('add', '.');
  await git('commit', '-q', '-m', 'the PR');
  return (await git('rev-parse', 'HEAD')).stdout.trim();
}

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfm-pr-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const [id, module] of [
  ['kuberay', 'github.com/ray-project/kuberay/ray-operator'],
  ['codeflare-operator', 'github.com/project-codeflare/codeflare-operator'],
] as const) {
  test(`a ${id} PR: its own e2e suite from the PR's checkout, ours and the operator's, the stack above it at dev`, async () => {
    const repo = join(dir, id);
    const head = await checkout(module, repo);
    const loaded = loadConfig(join(repoRoot, 'matrix-pr.yaml'));
    const p = plan(loaded, catalog, { chain: { component: id, ref: { path: repo } } });
    expect(p.strategy).toBe('chain');
    // the selection: ours as the config names them, the component's own and the operator's integration suite
    const picked = pickSuites(p.run.suites);
    expect(picked).toEqual(expect.arrayContaining(['operator', 'kuberay', `upstream:${id}`, 'upstream:codeflare-operator']));
    expect(picked.filter((s) => s.startsWith('upstream:')).sort()).toEqual([...new Set([`upstream:${id}`, 'upstream:codeflare-operator'])].sort());
    expect(suiteGrep(p.run.suites)!.test(`@upstream:${id}`)).toBe(true);
    expect(p.cells.length).toBeGreaterThan(0);
    for (const cell of p.cells) {
      expect(cell.versions[id]).toBe(`path:${repo}`);
      expect(cell.origin[id]).toBe('under-test');
      // the operator's integration suite runs at the operator's dev (unless the operator is the PR)
      if (id !== 'codeflare-operator') expect(cell.versions['codeflare-operator']).toBe('dev');
      // what upstream.spec.ts takes the test code from: the checkout, at its commit
      const source = await resolveSource(id, cell.versions[id]!, p.sources ?? {});
      expect(source.origin).toBe('checkout');
      expect(source.dir).toBe(repo);
      expect(source.commit).toBe(head);
      // a checkout is newer than every release: the catalog's newest suite of the component applies
      const suite = upstreamSuite(id, source.resolved);
      expect(suite?.component).toBe(id);
      expect(suite?.package).toBe('./test/e2e');
    }
  });
}

test('upstream:under-test: outside the chain strategy it is bad input; a component the catalog has no suite of runs the rest, and its cells say so', () => {
  const cfg = (yaml: string) => parseConfig(yaml, 'pr.yaml');
  const full = cfg('kubernetes: ["1.31"]\ncomponents: {codeflare-operator: v1.16.0}\nsuites: ["operator", "upstream:under-test"]');
  expect(() => plan(full, catalog)).toThrow(UserError);
  expect(() => plan(full, catalog)).toThrow(/only the chain strategy has/);
  // InstaScale (era B) has no e2e suite in the catalog
  expect(catalog.upstream.some((u) => u.component === 'instascale')).toBe(false);
  const era = (suites: string) => cfg(`strategy: chain\nkubernetes: ["1.27"]\nchain: {component: instascale, ref: {ref: "refs/pull/1/head"}}\ncomponents: {codeflare-operator: v1.2.0, codeflare-sdk: v0.14.0, kuberay: v1.0.0}\nsuites: ${suites}`);
  const p = plan(era('["operator", "upstream:under-test"]'), catalog);
  expect(p.run.suites).toEqual(['operator']);
  expect(p.cells[0]!.notes).toContain('the catalog has no e2e suite of instascale (upstream.yaml): its own suite is not run');
  expect(() => plan(era('["upstream:under-test"]'), catalog)).toThrow(/no other suite/);
});
