// A Playwright reporter (a plug-in, as Playwright's own are) for cell projects: shows each cell's
// current test as its progress step, and at the end writes each cell's suites and tests in the
// results model's terms (passed, failed, flaky, blocked, not-applicable with its reason).
import { appendFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { FullResult, Reporter, TestCase, TestResult as PwResult } from '@playwright/test/reporter';
import { writeAtomic } from '../../lib/files.js';
import { cellDir, readCellState, runDir, setStep } from './layout.js';
import { suiteStatus, TestCause, type SuiteResult, type TestResult, type TestStatus } from '../../model/results.js';
import { CAUSE_ATTACHMENT } from '../environment.js';
import { upstreamSuiteResult } from './upstream-results.js';

export type CellTests = { suites: SuiteResult[]; interrupted: boolean };

/** A cell's tests as they finish, one JSON line each, in its folder. */
export const FINISHED = 'finished.jsonl';
export type FinishedTest = { suite: string; title: string; status: string; durationMs: number; retry: number };

const cellOfTest = (t: TestCase): string | undefined => {
  const use = t.parent.project()?.use as { cellId?: string } | undefined;
  const name = t.parent.project()?.name ?? '';
  return use?.cellId && !name.includes(':') ? use.cellId : undefined;
};

const specName = (t: TestCase): string => basename(t.location.file).replace(/\.spec\.[jt]s$/, '');
/** The suite file's name; an upstream suite's test is named for its suite (upstream:<component>). */
const suiteName = (t: TestCase): string => (specName(t) === 'upstream' ? t.title : specName(t));

export default class CellReporter implements Reporter {
  private tests: TestCase[] = [];

  onTestBegin(test: TestCase): void {
    const cell = cellOfTest(test);
    if (cell) setStep(runDir(), cell, `${suiteName(test)}: ${test.title}`);
  }

  onTestEnd(test: TestCase, result: PwResult): void {
    const cell = cellOfTest(test);
    if (!cell) return;
    if (!this.tests.includes(test)) this.tests.push(test);
    // One line per finished attempt, for the run's terminal (harness/run/index.ts streams them).
    const status = result.status === 'skipped' ? (result.annotations.some((a) => a.type === 'blocked') ? 'blocked' : 'not-applicable') : result.status === 'passed' ? (result.retry > 0 ? 'flaky' : 'passed') : result.status === 'interrupted' ? 'interrupted' : 'failed';
    const line: FinishedTest = { suite: suiteName(test), title: test.titlePath().slice(3).join(' › ') || test.title, status, durationMs: result.duration, retry: result.retry };
    appendFileSync(join(cellDir(runDir(), cell), FINISHED), `${JSON.stringify(line)}\n`);
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
      // An upstream suite's Playwright test carries its tests' results: each is a result of its own.
      const upstream: SuiteResult[] = [];
      for (const t of tests) {
        const up = upstreamSuiteResult(t, dir);
        if (up) {
          upstream.push(up);
          continue;
        }
        const r = toResult(t, dir, blockedBy ? `setup failed: ${blockedBy}` : result.status === 'interrupted' ? 'the run was interrupted' : 'its cell setup did not finish');
        const list = suites.get(suiteName(t)) ?? [];
        // run --repeat: the N runs of a test are one result, as bad as its worst run, with its pass count
        const same = list.findIndex((x) => x.title === r.title);
        if (same >= 0) list[same] = repeated(list[same]!, r);
        else list.push((t.repeatEachIndex > 0 || (t.parent.project()?.repeatEach ?? 1) > 1) && ran(r) ? { ...r, repeats: { runs: 1, passed: r.status === 'passed' ? 1 : 0 } } : r);
        suites.set(suiteName(t), list);
      }
      const out: CellTests = {
        suites: [...[...suites].map(([name, ts]) => ({ name, status: suiteStatus(ts), ...(reasonOf(ts) ? { reason: reasonOf(ts) } : {}), tests: ts })), ...upstream],
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

const WORST: TestStatus[] = ['failed', 'blocked', 'flaky', 'passed', 'not-applicable'];

/** A run of a test that ran: one not applicable or blocked counts in no pass rate. */
const ran = (t: TestResult): boolean => t.status !== 'not-applicable' && t.status !== 'blocked';

/** Two runs of one test (run --repeat) as one result: the worse status, both runs' time, errors and attachments. */
function repeated(a: TestResult, b: TestResult): TestResult {
  const worse = WORST.indexOf(a.status) <= WORST.indexOf(b.status) ? a : b;
  const runs = (a.repeats?.runs ?? 0) + (ran(b) ? 1 : 0);
  const passed = (a.repeats?.passed ?? 0) + (b.status === 'passed' ? 1 : 0);
  return { ...worse, durationMs: a.durationMs + b.durationMs, retries: a.retries + b.retries, errors: [...a.errors, ...b.errors], attachments: [...a.attachments, ...b.attachments], ...(runs ? { repeats: { runs, passed } } : {}), ...(worse.status === 'failed' || worse.status === 'flaky' ? { reason: `${(worse.reason ?? worse.status).replace(/; passed \d+ of \d+ runs$/, '')}; passed ${passed} of ${runs} runs` } : {}) };
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
      // A test that could not run here for want of something this machine lacks (fixtures/index.ts: sdk).
      const blocked = [...t.annotations, ...last.annotations].find((a) => a.type === 'blocked');
      if (blocked) return status('blocked', blocked.description);
      const skip = [...t.annotations, ...last.annotations].filter((a) => a.type === 'skip' || a.type === 'fixme').pop();
      return status('not-applicable', skip?.description?.replace(/^not applicable: /, '') ?? 'skipped');
    }
    default: {
      // the failure collector's finding: the test's namespace's events say the environment fell short (fixtures/collector.ts)
      const cause = last.attachments.find((a) => a.name === CAUSE_ATTACHMENT && a.body);
      return { ...status('failed', base.errors[0]?.split('\n')[0]), ...(cause ? { cause: TestCause.parse(JSON.parse(cause.body!.toString('utf8'))) } : {}) };
    }
  }
}
