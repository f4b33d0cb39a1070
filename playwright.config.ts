// One Playwright config for the harness's own tests and (from a plan file) one project per cell.
// Deterministic and cheap: it is evaluated again in every worker.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  timeout: 60_000,
  reporter: process.env.CI ? [['list'], ['junit', { outputFile: 'out/junit.xml' }]] : [['list']],
  outputDir: 'out/test-results',
  workers: 2,
  projects: [
    {
      // The harness itself: planner, catalog, config, CLI, toolchain, providers (real processes).
      name: 'unit',
      testDir: '.',
      testMatch: ['{matrix,harness,reports,fixtures}/**/*.test.ts'],
    },
  ],
});
