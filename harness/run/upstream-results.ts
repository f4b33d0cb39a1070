// An upstream suite in the results model: the Playwright test that ran it (suites/upstream.spec.ts)
// attaches every upstream test's result; here they become one SuiteResult `upstream:<component>`
// with one TestResult per upstream test, under its own name, its subtests as steps, its output
// attached, a failure's environment cause kept, and the test code's provenance on the suite. A
// retry that passes what failed before is flaky.
import { relative } from 'node:path';
import type { TestCase } from '@playwright/test/reporter';
import type { TestCode as Code, UpstreamTest } from '../suites/index.js';
import { suiteStatus, type SuiteResult, type TestResult } from '../../model/results.js';

export const UPSTREAM_ATTACHMENT = 'upstream-suite';

/** What the spec attaches: the suite's name, its code's provenance, its wall time, and each test (output: a file path). */
export type UpstreamAttachment = { suite: string; code?: Code; wallMs: number; tests: UpstreamTest[] };

/** The suite the attempts of one Playwright test ran, or undefined when none attached one (it failed before, or was skipped). */
export function upstreamSuiteResult(t: TestCase, dir: string): SuiteResult | undefined {
  const attempts = t.results.flatMap((r) => {
    const a = r.attachments.find((x) => x.name === UPSTREAM_ATTACHMENT && x.body);
    return a ? [JSON.parse(a.body!.toString('utf8')) as UpstreamAttachment] : [];
  });
  const last = attempts.at(-1);
  if (!last) return undefined;
  const tag = `@${last.suite}`;
  const tests = last.tests.map((u): TestResult => {
    const before = attempts.slice(0, -1).flatMap((a) => a.tests.filter((x) => x.name === u.name));
    const flaky = u.status === 'passed' && before.some((x) => x.status === 'failed');
    return {
      title: u.name,
      status: flaky ? 'flaky' : u.status,
      ...(flaky ? { reason: `passed on retry ${before.length}` } : u.reason ? { reason: u.reason } : {}),
      tags: [tag],
      durationMs: u.durationMs,
      retries: before.length,
      errors: u.status === 'failed' && u.reason ? [u.reason] : [],
      attachments: u.output ? [{ name: `${u.name} output`, path: relative(dir, u.output), contentType: 'text/plain' }] : [],
      ...(u.steps.length ? { steps: u.steps } : {}),
      ...(u.status === 'failed' && u.cause ? { cause: u.cause } : {}),
    };
  });
  const reasons = new Set(tests.map((x) => x.reason));
  const shared = reasons.size === 1 && tests.every((x) => x.status === tests[0]!.status && x.status !== 'passed') ? [...reasons][0] : undefined;
  return { name: last.suite, status: suiteStatus(tests), ...(shared ? { reason: shared } : {}), tests, ...(last.code ? { code: last.code } : {}), wallMs: last.wallMs };
}
