// One Playwright config, evaluated again in every worker (so it only reads files, deterministically).
// - Without a run: the harness's own tests (project `unit`).
// - Under `codeflare-matrix run` (CODEFLARE_MATRIX_RUN=<run folder>): three projects per cell of the
//   run's plan.json — `setup:<cell>` (build, provision, install), `<cell>` (the suites, depending
//   on the setup, so a failed setup blocks them rather than failing them) and `teardown:<cell>`.
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Project } from '@playwright/test';
import { seconds } from './matrix/config.js';
import { RUN_ENV, cellDir, readPlan } from './harness/run/layout.js';
import { suiteGrep } from './suites/index.js';
import { repoRoot } from './lib/paths.js';

const runFolder = process.env[RUN_ENV];
// The run's files as this config is: TypeScript in a checkout, compiled JavaScript (dist/) in the
// package, since Playwright does not transform files under node_modules.
const ext = extname(fileURLToPath(import.meta.url));

/** Matches tests by their titles (the last part of results.json's title path). */
const onlyTests = (titles: string[]): RegExp => new RegExp(titles.map((t) => (t.split(' › ').pop() ?? t).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));

function cellProjects(dir: string): Project[] {
  const plan = readPlan(dir);
  const t = plan.run.timeouts;
  const grep = suiteGrep(plan.run.suites);
  // a baseline stack is a cell of its own when the run runs a cell's failed tests again on it
  return [...plan.cells, ...(plan.baselines ?? [])].flatMap((c): Project[] => [
    { name: `setup:${c.id}`, testDir: 'fixtures', testMatch: `cell.setup${ext}`, teardown: `teardown:${c.id}`, use: { cellId: c.id } as never, retries: 0, timeout: 1000 * (seconds(t.provision) + seconds(t.install)) + 30 * 60_000 },
    { name: `teardown:${c.id}`, testDir: 'fixtures', testMatch: `cell.teardown${ext}`, use: { cellId: c.id } as never, retries: 0, timeout: 10 * 60_000 },
    {
      name: c.id,
      testDir: 'suites',
      testMatch: `*.spec${ext}`,
      dependencies: [`setup:${c.id}`],
      use: { cellId: c.id } as never,
      // a rerun runs the tests that did not pass (within the suites chosen before); a repeat runs each N times
      ...(plan.run.only?.[c.id]?.length ? { grep: onlyTests(plan.run.only[c.id]!) } : grep ? { grep } : {}),
      ...(plan.run.repeat ? { repeatEach: plan.run.repeat } : {}),
      retries: plan.run.retries,
      timeout: 1000 * seconds(t.test),
      outputDir: join(cellDir(dir, c.id), 'test-results'),
      metadata: { era: c.era, title: c.title },
    },
  ]);
}

/** Allure's environment: the plan's config, strategy and provider, and the tools that ran it. */
function environment(dir: string): Record<string, string> {
  const plan = readPlan(dir);
  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return { harness: `codeflare-matrix ${version}`, config: `${plan.name} (${plan.config.hash})`, strategy: plan.strategy, provider: plan.provider, node: process.version, run: dir };
}

// The harness's own tests never read the user's sources file (~/.config/codeflare-matrix/sources.yaml):
// a test that needs git sources names a file it makes, so every machine runs them alike.
if (!runFolder) process.env.CODEFLARE_MATRIX_SOURCES = '';

export default runFolder
  ? defineConfig({
      reporter: [
        ['list'],
        [`./harness/run/cell-reporter${ext}`],
        ['allure-playwright', { resultsDir: join(runFolder, 'allure-results'), detail: false, suiteTitle: false, environmentInfo: environment(runFolder) }],
        // Playwright's own report of the cell, into the cell's folder (run sets PLAYWRIGHT_HTML_OUTPUT_DIR per cell process)
        ...(process.env.PLAYWRIGHT_HTML_OUTPUT_DIR ? [['html', { open: 'never' }] as const] : []),
      ],
      workers: 1,
      projects: cellProjects(runFolder),
    })
  : defineConfig({
      timeout: 60_000,
      reporter: process.env.CI ? [['list'], ['junit', { outputFile: 'out/junit.xml' }]] : [['list']],
      outputDir: 'out/test-results',
      workers: 2,
      globalSetup: './harness/global-setup.ts',
      projects: [
        {
          // Real pods in kind nodes. Listed first so its one long serial file starts at once on one
          // worker while the other takes the unit files: the longest job first packs two workers best.
          name: 'kind',
          testDir: '.',
          testMatch: ['harness/providers/kind/**/*.test.ts'],
        },
        {
          // The harness itself: planner, catalog, config, CLI, toolchain, providers (real processes).
          name: 'unit',
          testDir: '.',
          testMatch: ['{matrix,harness,reports,fixtures}/**/*.test.ts'],
          testIgnore: ['harness/providers/kind/**'],
        },
      ],
    });
