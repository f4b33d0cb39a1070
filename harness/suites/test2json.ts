// `go test -json` (go tool test2json) events → one result per top-level test, its subtests as steps
// and its output attached. A test the binary never finished (a panic, the suite's timeout) failed.
import type { TestCause } from '../../model/results.js';

/** One line of test2json's output (cmd/test2json: Time, Action, Package, Test, Elapsed, Output). */
export type TestEvent = { Time?: string; Action: string; Package?: string; Test?: string; Elapsed?: number; Output?: string };

/** blocked: listed, but never started (the suite's process ended first, e.g. a test that panicked). */
export type Outcome = 'passed' | 'failed' | 'blocked' | 'not-applicable';

/** A subtest (name below its top-level test, e.g. "case one/deeper"). */
export type Step = { title: string; status: Outcome; durationMs: number; reason?: string };

/**
 * One upstream test as the harness reports it. startedAt/finishedAt (ISO): its time window, where
 * the suite says it; cause: the cluster says a failure was the environment's (harness/environment.ts).
 */
export type UpstreamTest = { name: string; status: Outcome; reason?: string; durationMs: number; steps: Step[]; output: string; startedAt?: string; finishedAt?: string; cause?: TestCause };

/** Lines test2json frames a test with (=== RUN, --- PASS …), not the test's own words. */
const framing = /^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (PASS|FAIL|SKIP)|PASS$|FAIL$|ok\s|coverage:)/;

/** What a test said, without the framing and the file:line prefix t.Log/t.Skip/t.Error put before it. */
export function said(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => l.trim() && !framing.test(l))
    .map((l) => l.trim().replace(/^[\w.-]+\.go:\d+: /, ''));
}

type Acc = { name: string; action?: string; elapsed?: number; start?: string; end?: string; output: string[]; /** A top-level test's and its subtests' output, in order. */ all: string[] };

/** Words an assertion fails with (testify, gomega, t.Errorf), before a test's own progress lines. */
const FAILURE_WORDS = /\b(expected|error|fail(s|ed|ure)?|timed out|unexpected|mismatch|not equal)\b/i;

/** Parses test2json lines (non-JSON lines, such as a crash's stderr, count as the package's output). */
export function parseTestEvents(text: string): { tests: UpstreamTest[]; packageOutput: string; packageAction?: string } {
  const acc = new Map<string, Acc>();
  const pkg: string[] = [];
  let packageAction: string | undefined;
  const of = (name: string): Acc => {
    let a = acc.get(name);
    if (!a) acc.set(name, (a = { name, output: [], all: [] }));
    return a;
  };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let e: TestEvent;
    try {
      e = JSON.parse(line) as TestEvent;
    } catch {
      pkg.push(`${line}\n`);
      continue;
    }
    if (!e.Test) {
      if (e.Action === 'output' && e.Output) pkg.push(e.Output);
      if (['pass', 'fail', 'skip'].includes(e.Action)) packageAction = e.Action;
      continue;
    }
    const a = of(e.Test);
    if (e.Action === 'output' && e.Output) {
      a.output.push(e.Output);
      of(e.Test.split('/')[0]!).all.push(e.Output);
    } else if (['pass', 'fail', 'skip'].includes(e.Action)) {
      a.action = e.Action;
      a.elapsed = e.Elapsed;
      a.end = e.Time;
    } else if (e.Action === 'run') a.start = e.Time;
  }
  const packageOutput = pkg.join('');
  const outcome = (a: Acc): { status: Outcome; reason?: string } => {
    const words = said(a.output.join(''));
    // A test that failed because a subtest did: the first failed subtest says why (what the test
    // itself logged before it, "created … successfully", does not).
    // An assertion on the parent's T inside a subtest logs under the parent: the parent's failure words then.
    const told = words.filter((w) => !/^(panic|goroutine)/.test(w));
    const sub = a.action === 'fail' ? [...acc.values()].find((s) => s.name.startsWith(`${a.name}/`) && s.action === 'fail') : undefined;
    if (sub) {
      const why = outcome(sub).reason;
      return { status: 'failed', reason: `${sub.name.slice(a.name.length + 1)}: ${why === 'failed' ? (told.find((w) => FAILURE_WORDS.test(w)) ?? why) : why}` };
    }
    if (a.action === 'pass') return { status: 'passed' };
    if (a.action === 'skip') return { status: 'not-applicable', reason: words.join(' ').slice(0, 500) || 'skipped by the test' };
    if (a.action === 'fail') return { status: 'failed', reason: told.find((w) => FAILURE_WORDS.test(w)) ?? told[0] ?? words[0] ?? 'failed' };
    // No final event: the binary ended first (a panic elsewhere, -test.timeout): its last words say why.
    const end = said(packageOutput).filter((l) => /panic|timed out|fatal|signal|killed/i.test(l))[0] ?? said(packageOutput).pop();
    return { status: 'failed', reason: `the test binary ended before the test did${end ? `: ${end}` : ''}` };
  };
  const tests: UpstreamTest[] = [];
  for (const a of acc.values()) {
    if (a.name.includes('/')) continue;
    const subs = [...acc.values()].filter((s) => s.name.startsWith(`${a.name}/`));
    const o = outcome(a);
    tests.push({
      name: a.name,
      ...o,
      durationMs: Math.round((a.elapsed ?? 0) * 1000),
      steps: subs.map((s) => ({ title: s.name.slice(a.name.length + 1), ...outcome(s), durationMs: Math.round((s.elapsed ?? 0) * 1000) })),
      output: a.all.join(''),
      ...(a.start ? { startedAt: a.start } : {}),
      ...(a.end ? { finishedAt: a.end } : {}),
    });
  }
  return { tests, packageOutput, ...(packageAction ? { packageAction } : {}) };
}
