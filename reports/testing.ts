// Helpers for the reports tests: the CLI as a user runs it, the recorded fixtures, scratch folders.
import { expect } from '@playwright/test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from '../lib/exec.js';
import { repoRoot } from '../lib/paths.js';
import { scratchDir } from '../lib/testing.js';

/** A recorded results file or README under reports/testdata. */
export const data = (name: string): string => join(repoRoot, 'reports', 'testdata', name);

/** A fresh folder for one test; they go when the worker exits. */
export const scratch = (): string => scratchDir('cfm-reports');

/** `codeflare-matrix …` in a child process; GITHUB_STEP_SUMMARY is unset unless `env` sets it. */
export const cli = (args: string[], env: Record<string, string> = {}): Promise<RunResult> =>
  run('node', [join(repoRoot, 'bin/codeflare-matrix.js'), ...args], { cwd: repoRoot, env: { CODEFLARE_MATRIX_DEBUG: '', GITHUB_STEP_SUMMARY: '', ...env } });

/** Exit 2 with one line on standard error, no stack trace. */
export function expectUserError(r: RunResult, ...patterns: RegExp[]): void {
  expect(r.exitCode, r.all).toBe(2);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  for (const p of patterns) expect(r.stderr).toMatch(p);
}

/** No temporary file of an atomic write left behind. */
export const expectNoTmp = (dir: string): void => expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

/** Cell ids of the recorded nightly run (reports/testdata/nightly.json). */
export const CELLS = {
  passed: 'b-k1.27-op1.2.0-f363ac7b', // v1.2.0: every suite that applies passed
  failed: 'a-k1.27-op0.2.3-6a8a7a3a', // v0.2.3: MCAD's queued AppWrapper never dispatched
  flaky: 'b-k1.27-op1.1.0-504615bd', // v1.1.0: the SDK test passed on its retry
  blocked: 'b-k1.27-op1.0.1-1ba8d9d5', // v1.0.1: KubeRay never became ready
  mismatch: 'b-k1.27-op1.0.0-cd3b3bec', // v1.0.0: passed, but the operator embeds KubeRay v1.0.0-rc.1, the row says v0.5.0
  noOperator: 'e-k1.31-opnone-508fc819', // era E: KubeRay, Kueue, SDK v0.35.0
  notApplicable: 'a-k1.27-op0.0.4-bcb7a5ed', // v0.0.4: no suite applies
} as const;

/** A time one day after the recorded nightly run, so its age is well within --max-age 7d. */
export const AT = '2025-06-20T12:00:00Z';
