// The cell reporter under a real Playwright run (no mocks of Playwright): a test passing first time
// is passed, one passing only on retry is flaky (not passed), one failing every time is failed (with
// the environment cause its failure collector found, if any), a
// skip with a reason is not-applicable with that reason, one marked blocked (this machine lacks
// what it needs) is blocked with its reason, and the tests of a cell whose setup
// project failed are blocked, with the setup's error as the reason.
import { test, expect } from '@playwright/test';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../lib/exec.js';
import { repoRoot } from '../../lib/paths.js';
import { RUN_ENV, saveCellState } from './layout.js';
import type { CellTests } from './cell-reporter.js';
import { CAUSE_ATTACHMENT } from '../environment.js';

const dir = join(repoRoot, 'out', `reporter-test-${process.pid}`);

test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('statuses: passed, flaky, failed, not-applicable, and blocked behind a failed setup', async () => {
  test.setTimeout(180_000); // a Playwright run of its own: its start (TypeScript, workers) is most of it
  const runDir = join(dir, 'run');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(dir, 'cell.spec.ts'), `import { test } from '@playwright/test';
test('passes', () => {});
test('flaky', ({}, info) => { if (info.retry === 0) throw new Error('first attempt fails'); });
test('fails', () => { throw new Error('always fails'); });
test('no room', async ({}, info) => {
  await info.attach(${JSON.stringify(CAUSE_ATTACHMENT)}, { body: JSON.stringify({ by: 'environment', what: 'capacity', scope: 'namespace', evidence: ['t-ns/head: 0/1 nodes are available: 1 Insufficient cpu.'] }), contentType: 'application/json' });
  throw new Error('timed out waiting for the head');
});
test('not applicable', () => { test.skip(true, 'not applicable: era E cell without mcad'); });
test('blocked here', ({}, info) => { info.annotations.push({ type: 'blocked', description: 'codeflare-sdk v0.4.4 does not install on Python 3.11.7' }); test.skip(true, 'no SDK'); });
`);
  writeFileSync(join(dir, 'ok.setup.ts'), `import { test } from '@playwright/test';\ntest('setup', () => {});\n`);
  writeFileSync(join(dir, 'bad.setup.ts'), `import { test } from '@playwright/test';\ntest('setup', () => { throw new Error('install failed'); });\n`);
  writeFileSync(join(dir, 'pw.config.ts'), `export default {
  reporter: [[${JSON.stringify(join(repoRoot, 'harness/run/cell-reporter.ts'))}]],
  retries: 1, workers: 1, outputDir: 'results',
  projects: [
    { name: 'setup:good', testMatch: 'ok.setup.ts', use: { cellId: 'good' } },
    { name: 'good', testMatch: 'cell.spec.ts', dependencies: ['setup:good'], use: { cellId: 'good' } },
    { name: 'setup:broken', testMatch: 'bad.setup.ts', retries: 0, use: { cellId: 'broken' } },
    { name: 'broken', testMatch: 'cell.spec.ts', dependencies: ['setup:broken'], use: { cellId: 'broken' } },
  ],
};
`);
  // What the harness's setup records when it fails (harness/run/cell.ts).
  saveCellState(runDir, { cell: 'broken', installed: [], phases: {}, error: 'install failed' });
  const r = await run(process.execPath, [join(repoRoot, 'node_modules/@playwright/test/cli.js'), 'test', '-c', join(dir, 'pw.config.ts')], { cwd: dir, env: { [RUN_ENV]: runDir } });
  expect(r.exitCode, r.all).toBe(1);
  const read = (id: string) => (JSON.parse(readFileSync(join(runDir, 'cells', id, 'tests.json'), 'utf8')) as CellTests).suites[0]!.tests;
  const good = Object.fromEntries(read('good').map((t) => [t.title, t]));
  expect(good.passes).toMatchObject({ status: 'passed', retries: 0 });
  expect(good.flaky).toMatchObject({ status: 'flaky', retries: 1 });
  expect(good.fails).toMatchObject({ status: 'failed', retries: 1, reason: expect.stringMatching(/always fails/) });
  expect(good.fails!.cause).toBeUndefined();
  // the failure collector's finding in the test's namespace (fixtures/collector.ts): failed, with the cluster's words beside it
  expect(good['no room']).toMatchObject({ status: 'failed', reason: expect.stringMatching(/timed out waiting for the head/), cause: { by: 'environment', what: 'capacity', scope: 'namespace', evidence: ['t-ns/head: 0/1 nodes are available: 1 Insufficient cpu.'] } });
  expect(good['not applicable']).toMatchObject({ status: 'not-applicable', reason: 'era E cell without mcad' });
  // What the sdk fixture does when this machine's Python cannot run the cell's SDK (fixtures/index.ts).
  expect(good['blocked here']).toMatchObject({ status: 'blocked', reason: 'codeflare-sdk v0.4.4 does not install on Python 3.11.7' });
  const broken = read('broken');
  expect(broken).toHaveLength(6);
  for (const t of broken) expect(t).toMatchObject({ status: 'blocked', reason: 'setup failed: install failed' });
});
