// One Playwright config. Today: the harness's own tests; `run` (issue 5) adds one project per cell from a plan file.
// Deterministic and cheap: it is evaluated again in every worker.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  timeout: 60_000,
  reporter: process.env.CI ? [['list'], ['junit', { outputFile: 'out/junit.xml' }]] : [['list']],
  outputDir: 'out/test-results',
  workers: 2,
  globalSetup: './harness/global-setup.ts',
  projects: [
    {
      // The harness itself: planner, catalog, config, CLI, toolchain, providers (real processes).
      name: 'unit',
      testDir: '.',
      testMatch: ['{matrix,harness,reports,fixtures}/**/*.test.ts'],
    },
  ],
});
