// An upstream suite through the cell reporter under a real Playwright run: the attachment the
// upstream spec makes becomes one result per upstream test under its own name (passed, failed,
// flaky when a retry passed what failed, not applicable with its reason), subtests as steps, output
// attached, the test code's provenance on the suite; JUnit and the support matrix's verdict read them.
import { test, expect } from '@playwright/test';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../lib/exec.js';
import { repoRoot } from '../../lib/paths.js';
import { RUN_ENV, saveCellState } from './layout.js';
import type { CellTests } from './cell-reporter.js';
import { junitXml } from '../../reports/junit.js';
import { cellStatus } from '../../model/results.js';
import { UPSTREAM_ATTACHMENT, type UpstreamAttachment } from './upstream-results.js';
import { CATEGORIES, upstreamAllure } from '../../reports/allure.js';
import { whyNot } from '../../reports/support-matrix.js';

const dir = join(repoRoot, 'out', `upstream-reporter-test-${process.pid}`);
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const code = { component: 'demo', kind: 'go-test' as const, package: './test/e2e', module: 'example.com/demo', version: 'v1.2.3', commit: 'abc123', origin: 'git' as const, repository: '/src/demo.git', goVersion: 'go1.26.8' };

const noRoom = { by: 'environment' as const, what: 'capacity', scope: 'test' as const, evidence: ['ns/big: 0/1 nodes are available: 1 Insufficient cpu.', 'node n: cpu 1550m of 2 requested (77%), memory 290Mi of 8Gi requested (3%)'] };

test('each upstream test is a result of its own under the suite upstream:<component>, with steps, output and provenance', async () => {
  const runDir = join(dir, 'run');
  mkdirSync(runDir, { recursive: true });
  const out = join(dir, 'TestA.txt');
  writeFileSync(out, '=== RUN   TestA\n--- PASS: TestA\n');
  const attempt = (flakyStatus: string): UpstreamAttachment => ({
    suite: 'upstream:demo',
    code,
    wallMs: 4200,
    tests: [
      { name: 'TestA', status: 'passed', durationMs: 1500, steps: [{ title: 'one', status: 'passed', durationMs: 700 }], output: out },
      { name: 'TestFlaky', status: flakyStatus as 'passed', ...(flakyStatus === 'failed' ? { reason: 'boom' } : {}), durationMs: 10, steps: [], output: '' },
      { name: 'TestFails', status: 'failed', reason: 'wanted 1, got 2', durationMs: 20, steps: [], output: '' },
      { name: 'TestNoRoom', status: 'failed', reason: 'timed out waiting for the pod', durationMs: 30, steps: [], output: '', cause: noRoom },
      { name: 'TestGpu', status: 'not-applicable', reason: 'needs GPUs', durationMs: 0, steps: [], output: '' },
    ],
  });
  writeFileSync(join(dir, 'upstream.spec.ts'), `import { test } from '@playwright/test';
test('upstream:demo', async ({}, info) => {
  const a = info.retry === 0 ? ${JSON.stringify(attempt('failed'))} : ${JSON.stringify(attempt('passed'))};
  await info.attach(${JSON.stringify(UPSTREAM_ATTACHMENT)}, { body: JSON.stringify(a), contentType: 'application/json' });
  throw new Error('a test of the suite failed');
});
test('upstream:other', () => { throw new Error('compiling the e2e suite failed'); });
`);
  writeFileSync(join(dir, 'ok.setup.ts'), `import { test } from '@playwright/test';\ntest('setup', () => {});\n`);
  writeFileSync(join(dir, 'pw.config.ts'), `export default {
  reporter: [[${JSON.stringify(join(repoRoot, 'harness/run/cell-reporter.ts'))}]],
  retries: 1, workers: 1, outputDir: 'results',
  projects: [
    { name: 'setup:c', testMatch: 'ok.setup.ts', use: { cellId: 'c' } },
    { name: 'c', testMatch: 'upstream.spec.ts', dependencies: ['setup:c'], use: { cellId: 'c' } },
  ],
};
`);
  saveCellState(runDir, { cell: 'c', installed: [], phases: {} });
  const r = await run(process.execPath, [join(repoRoot, 'node_modules/@playwright/test/cli.js'), 'test', '-c', join(dir, 'pw.config.ts')], { cwd: dir, env: { [RUN_ENV]: runDir } });
  expect(r.exitCode, r.all).toBe(1);
  const suites = (JSON.parse(readFileSync(join(runDir, 'cells', 'c', 'tests.json'), 'utf8')) as CellTests).suites;
  const demo = suites.find((s) => s.name === 'upstream:demo')!;
  expect(demo).toMatchObject({ status: 'failed', code, wallMs: 4200 });
  const by = Object.fromEntries(demo.tests.map((t) => [t.title, t]));
  expect(Object.keys(by)).toEqual(['TestA', 'TestFlaky', 'TestFails', 'TestNoRoom', 'TestGpu']);
  expect(by.TestA).toMatchObject({ status: 'passed', durationMs: 1500, tags: ['@upstream:demo'], steps: [{ title: 'one', status: 'passed' }], attachments: [{ name: 'TestA output', contentType: 'text/plain' }] });
  expect(by.TestFlaky).toMatchObject({ status: 'flaky', retries: 1, reason: 'passed on retry 1' });
  expect(by.TestFails).toMatchObject({ status: 'failed', errors: ['wanted 1, got 2'] });
  expect(by.TestGpu).toMatchObject({ status: 'not-applicable', reason: 'needs GPUs' });
  // failed, with the cluster's words beside it
  expect(by.TestNoRoom).toMatchObject({ status: 'failed', errors: ['timed out waiting for the pod'], cause: noRoom });
  expect(by.TestFails!.cause).toBeUndefined();
  // A suite that failed before it attached anything (its compile) is one failed result, named for the suite.
  expect(suites.find((s) => s.name === 'upstream:other')).toMatchObject({ status: 'failed', tests: [{ title: 'upstream:other', status: 'failed' }] });
  // The cell fails with them (so its stack is not verified), and JUnit has each test under its name.
  expect(cellStatus(suites)).toBe('failed');
  const results = { schema: 1 as const, harness: { name: 'codeflare-matrix' as const, version: '0' }, config: { name: 'c', path: 'c', hash: 'h' }, strategy: 'full', provider: 'kind', runs: [], cells: [{ id: 'c', title: 'c', era: 'E', provider: 'kind', kubernetes: 'v1.30.14', requested: { appwrapper: 'v1.1.2' }, origin: {}, provenance: [], differences: [], status: 'failed' as const, suites, phases: {} }] };
  // Allure: one result per upstream test, its steps and the cell's versions with it
  const allure = join(dir, 'allure');
  mkdirSync(allure);
  expect(upstreamAllure(allure, results)).toBe(5);
  const written = readdirSync(allure).map((f) => JSON.parse(readFileSync(join(allure, f), 'utf8')) as { name: string; status: string; statusDetails?: { message: string }; steps: { name: string }[]; parameters: { name: string; value: string }[] });
  expect(written.find((w) => w.name === 'TestGpu')).toMatchObject({ status: 'skipped', statusDetails: { message: 'not applicable: needs GPUs' } });
  const noRoomMessage = written.find((w) => w.name === 'TestNoRoom')!.statusDetails!.message;
  expect(noRoomMessage).toBe('environment (capacity): ns/big: 0/1 nodes are available: 1 Insufficient cpu. (+1 more)\ntimed out waiting for the pod');
  const category = (m: string) => CATEGORIES.filter((c) => c.messageRegex && new RegExp(c.messageRegex).test(m)).map((c) => c.name);
  expect(category(noRoomMessage)).toEqual([expect.stringMatching(/^Environment: /)]);
  expect(category(`regression: passes on the baseline\n${noRoomMessage}`)).toEqual([expect.stringMatching(/^Environment: /), expect.stringMatching(/^Regressions: /)]);
  expect(category(written.find((w) => w.name === 'TestFails')!.statusDetails!.message)).toEqual([]);
  // the support matrix says why the cell verifies nothing: the stack's own failure before the environment's
  const cellOf = (tests: typeof demo.tests) => ({ ...results.cells[0]!, suites: [{ ...demo, tests }] });
  expect(whyNot(cellOf([by.TestNoRoom!, by.TestFails!]))).toBe('upstream:demo: TestFails — wanted 1, got 2');
  expect(whyNot(cellOf([by.TestNoRoom!]))).toBe('upstream:demo: TestNoRoom — timed out waiting for the pod; the cluster says: environment (capacity): ns/big: 0/1 nodes are available: 1 Insufficient cpu. (+1 more)');
  expect(written.find((w) => w.name === 'TestA')).toMatchObject({ status: 'passed', steps: [{ name: 'one' }], parameters: expect.arrayContaining([{ name: 'appwrapper', value: 'v1.1.2' }, { name: 'test code', value: 'example.com/demo v1.2.3' }]) });
  const xml = junitXml({ schema: 1, harness: { name: 'codeflare-matrix', version: '0' }, config: { name: 'c', path: 'c', hash: 'h' }, strategy: 'full', provider: 'kind', runs: [], cells: [{ id: 'c', title: 'c', era: 'E', provider: 'kind', kubernetes: 'v1.30.14', requested: {}, origin: {}, provenance: [], differences: [], status: 'failed', suites, phases: {} }] });
  expect(xml).toContain('<testcase classname="c.upstream:demo" name="TestFails" time="0.020">');
  expect(xml).toContain('<skipped message="not applicable: needs GPUs"/>');
  expect(xml).toMatch(/<testcase classname="c.upstream:demo" name="TestNoRoom" time="0.030">\s*<properties>\s*<property name="cause" value="environment \(capacity\)"\/>\s*<property name="cause scope" value="test"\/>\s*<property name="cause evidence" value="ns\/big: 0\/1 nodes are available: 1 Insufficient cpu."\/>\s*<property name="cause evidence" value="node n: cpu 1550m of 2 requested \(77%\), memory 290Mi of 8Gi requested \(3%\)"\/>\s*<\/properties>\s*<failure type="failed" message="timed out waiting for the pod">/);
  expect(xml).toContain('name="upstream:demo test code" value="example.com/demo v1.2.3 (git /src/demo.git abc123)');
});
