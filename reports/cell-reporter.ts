// A Playwright reporter (a plug-in, as Playwright's own are) for cell projects: shows each cell's
// current test as its progress step, and at the end writes each cell's suites and tests in the
// results model's terms (passed, failed, flaky, blocked, not-applicable with its reason).
import { basename, relative } from 'node:path';
import type { FullResult, Reporter, TestCase, TestResult as PwResult } from '@playwright/test/reporter';
import { writeAtomic } from '../harness/files.js';
import { cellDir, readCellState, runDir, setStep } from '../harness/run/layout.js';
import { suiteStatus, type SuiteResult, type TestResult, type TestStatus } from './results.js';

export type CellTests = { suites: SuiteResult[]; interrupted: boolean };

const cellOfTest = (t: TestCase): string | undefined => {
  const use = t.parent.project()?.use as { cellId?: string } | undefined;
  const name = t.parent.project()?.name ?? '';
  return use?.cellId && !name.includes(':') ? use.cellId : undefined;
};

const suiteName = (t: TestCase): string => basename(t.location.file).replace(/\.spec\.ts$/, '');

export default class CellReporter implements Reporter {
  private tests: TestCase[] = [];

  onTestBegin(test: TestCase): void {
    const cell = cellOfTest(test);
    if (cell) setStep(runDir(), cell, `${suiteName(test)}: ${test.title}`);
  }

  onTestEnd(test: TestCase): void {
    if (cellOfTest(test) && !this.tests.includes(test)) this.tests.push(test);
  }

  onEnd(result: FullResult): void {
    const dir = runDir();
    const cells = new Map<string, TestCase[]>();
    // Tests that never ran (setup failed, the run stopped) have no onTestEnd: take them from the tree.
    for (const t of [...this.tests, ...this.all]) {
      const id = cellOfTest(t);
      if (id && !cells.get(id)?.includes(t)) cells.set(id, [...(cells.get(id) ?? []), t]);
    }
    for (const [id, tests] of cells) {
      const blockedBy = readCellState(dir, id)?.error;
      const suites = new Map<string, TestResult[]>();
      for (const t of tests) {
        const r = toResult(t, dir, blockedBy ? `setup failed: ${blockedBy}` : result.status === 'interrupted' ? 'the run was interrupted' : 'its cell setup did not finish');
        suites.set(suiteName(t), [...(suites.get(suiteName(t)) ?? []), r]);
      }
      const out: CellTests = {
        suites: [...suites].map(([name, ts]) => ({ name, status: suiteStatus(ts), ...(reasonOf(ts) ? { reason: reasonOf(ts) } : {}), tests: ts })),
        interrupted: result.status === 'interrupted',
      };
      writeAtomic(`${cellDir(dir, id)}/tests.json`, JSON.stringify(out, null, 2) + '\n');
    }
  }

  private all: TestCase[] = [];
  onBegin(_config: unknown, suite: { allTests(): TestCase[] }): void {
    this.all = suite.allTests();
  }

  printsToStdio(): boolean {
    return false;
  }
}

/** A suite whose tests all share one not-applicable or blocked reason carries it. */
function reasonOf(ts: TestResult[]): string | undefined {
  const reasons = new Set(ts.map((t) => t.reason));
  return reasons.size === 1 && ts.every((t) => t.status === ts[0]!.status && t.status !== 'passed') ? [...reasons][0] : undefined;
}

function toResult(t: TestCase, dir: string, blockedReason: string): TestResult {
  const results: PwResult[] = t.results;
  const last = results.at(-1);
  const base = {
    title: t.titlePath().slice(3).join(' › ') || t.title,
    tags: t.tags,
    durationMs: results.reduce((n, r) => n + r.duration, 0),
    retries: Math.max(0, results.length - 1),
    errors: results.flatMap((r) => r.errors.map((e) => (e.message ?? String(e.value ?? '')).split('\n').slice(0, 6).join('\n'))),
    attachments: (last?.attachments ?? []).filter((a) => a.path).map((a) => ({ name: a.name, path: relative(dir, a.path!), contentType: a.contentType })),
  };
  const status = (s: TestStatus, reason?: string): TestResult => ({ ...base, status: s, ...(reason ? { reason } : {}) });
  if (!last || last.status === 'interrupted') return status('blocked', blockedReason);
  switch (t.outcome()) {
    case 'expected':
      return status('passed');
    case 'flaky':
      return status('flaky', `passed on retry ${results.length - 1}`);
    case 'skipped': {
      const skip = [...t.annotations, ...last.annotations].filter((a) => a.type === 'skip' || a.type === 'fixme').pop();
      return status('not-applicable', skip?.description?.replace(/^not applicable: /, '') ?? 'skipped');
    }
    default:
      return status('failed', base.errors[0]?.split('\n')[0]);
  }
}
