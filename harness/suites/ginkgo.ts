// The ginkgo kind (Ginkgo v2 suites): the same `go test -c` binary as go-test, its specs listed by a
// dry run with the catalog's label filter (specs the filter leaves out are reported as such, by
// name), run with -ginkgo.focus on exactly the applicable specs, results from Ginkgo's JSON report
// (the same fields as its JUnit report, without an XML parser): one result per spec under its full
// text, its By steps as steps, its captured output attached, its start and end as its time window.
// A failed BeforeSuite fails every spec.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/exec.js';
import { goEnv } from '../toolchain/gomod.js';
import type { PreparedSuite, SuiteKind } from './kind.js';
import { codeOf, compileSuite, durationMs } from './go-test.js';
import type { Outcome, Step, UpstreamTest } from './test2json.js';

/** The fields of Ginkgo v2's JSON report (types.Report / types.SpecReport) read here. */
type SpecReport = {
  ContainerHierarchyTexts?: string[] | null;
  LeafNodeType: string;
  LeafNodeText?: string;
  State: string;
  RunTime?: number;
  StartTime?: string;
  EndTime?: string;
  Failure?: { Message?: string; ForwardedPanic?: string };
  CapturedGinkgoWriterOutput?: string;
  CapturedStdOutErr?: string;
  SpecEvents?: { SpecEventType?: string; Message?: string; Duration?: number }[] | null;
};
type Report = { SuiteDescription?: string; SuiteSucceeded?: boolean; SpecReports?: SpecReport[] | null };

/** A spec's name, as Ginkgo matches --focus against it: its containers' texts and its own, joined by spaces. */
export const specName = (s: SpecReport): string => [...(s.ContainerHierarchyTexts ?? []), s.LeafNodeText ?? ''].join(' ').trim();

const SUITE_NODES = /BeforeSuite|AfterSuite|SynchronizedBeforeSuite|SynchronizedAfterSuite|ReportBeforeSuite|ReportAfterSuite/;
const ms = (ns?: number): number => Math.round((ns ?? 0) / 1e6);

/** Parses Ginkgo's JSON report into one result per spec (It), in the report's order. */
export function parseGinkgoReport(text: string): { tests: UpstreamTest[]; suiteFailure?: string; description?: string } {
  const reports = JSON.parse(text) as Report[];
  const description = reports[0]?.SuiteDescription;
  const specs = reports.flatMap((r) => r.SpecReports ?? []);
  const failedSuiteNode = specs.find((s) => SUITE_NODES.test(s.LeafNodeType) && !['passed', 'skipped'].includes(s.State));
  const suiteFailure = failedSuiteNode ? `${failedSuiteNode.LeafNodeType} ${failedSuiteNode.State}: ${(failedSuiteNode.Failure?.Message ?? '').split('\n')[0]}` : undefined;
  const tests = specs
    .filter((s) => s.LeafNodeType === 'It')
    .map((s): UpstreamTest => {
      const message = (s.Failure?.Message ?? s.Failure?.ForwardedPanic ?? '').trim();
      let status: Outcome = s.State === 'passed' ? 'passed' : s.State === 'skipped' || s.State === 'pending' ? 'not-applicable' : 'failed';
      let reason = status === 'passed' ? undefined : status === 'failed' ? message.replace(/\s+/g, ' ').slice(0, 300) || s.State : s.State === 'pending' ? 'pending in the suite' : message || 'skipped by the suite';
      // Specs skipped because the suite's setup failed did not run: they failed with it.
      if (suiteFailure && s.State === 'skipped' && !message) [status, reason] = ['failed', suiteFailure];
      const steps: Step[] = (s.SpecEvents ?? []).filter((e) => e.SpecEventType === 'By').map((e) => ({ title: e.Message ?? '', status: 'passed', durationMs: ms(e.Duration) }));
      const window = s.StartTime && !s.StartTime.startsWith('0001-') ? { startedAt: s.StartTime, ...(s.EndTime && !s.EndTime.startsWith('0001-') ? { finishedAt: s.EndTime } : {}) } : {};
      return { name: specName(s), status, ...(reason ? { reason } : {}), durationMs: ms(s.RunTime), steps, ...window, output: `${s.CapturedGinkgoWriterOutput ?? ''}${s.CapturedStdOutErr ?? ''}${message && status === 'failed' ? `\n${message}\n` : ''}` };
    });
  return { tests, ...(suiteFailure ? { suiteFailure } : {}), ...(description ? { description } : {}) };
}

/**
 * The results of the specs asked for: where a suite node failed and the report holds no entry for a
 * spec (Ginkgo v2.23 reports only the failed BeforeSuite), the spec failed with it, not "never started".
 */
export function ranOf(asked: string[], report: { tests: UpstreamTest[]; suiteFailure?: string }): UpstreamTest[] {
  const got = report.tests.filter((t) => asked.includes(t.name));
  const kept = report.suiteFailure ? asked.filter((n) => !got.some((t) => t.name === n)) : [];
  return [...got, ...kept.map((name): UpstreamTest => ({ name, status: 'failed', reason: report.suiteFailure!, durationMs: 0, steps: [], output: '' }))];
}

/**
 * Each spec as it ends, from Ginkgo's own marks on its output (a • per spec run, `[FAILED]`,
 * `[PANICKED]` or `[TIMEDOUT]` right after a failed one's; an S, a spec that skipped itself or that
 * the focus left out, is not counted), to the suite's log and the run's progress line.
 */
export function progress(specs: number, log: ((line: string) => void) | undefined) {
  const text = new TextDecoder();
  let carry = '';
  let [done, failed] = [0, 0];
  return {
    binary: true,
    *transform(chunk: unknown) {
      const now = text.decode(chunk as Uint8Array, { stream: true });
      const seen = carry + now;
      const from = carry.length;
      // a failure mark split across chunks is counted once: in the chunk where it ends
      const fails = [...seen.matchAll(/• \[(FAILED|PANICKED|TIMEDOUT|INTERRUPTED)\]/g)].filter((m) => m.index! + m[0].length > from);
      failed += fails.filter((m) => m.index! < from).length;
      const failedAt = new Set(fails.map((m) => m.index! - from));
      carry = seen.slice(-20);
      // a line per spec, however many one chunk brings
      for (const m of now.matchAll(/•/g)) {
        done += 1;
        if (failedAt.has(m.index!)) failed += 1;
        log?.(`${done} of ${specs} specs run${failed ? ` (${failed} failed)` : ''}`);
      }
      yield chunk;
    },
  };
}

/** RE2 (Go regexp) escaping, as Ginkgo compiles --focus. */
const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const ginkgo: SuiteKind = {
  async prepare(source, suite, ctx) {
    const { binary, manifest } = await compileSuite(source, suite, codeOf(source, suite), { ...(ctx.sources ? { sources: ctx.sources } : {}), ...(ctx.log ? { log: ctx.log } : {}) });
    const cwd = join(source.dir, suite.package);
    const labels = suite.labels ? [`-ginkgo.label-filter=${suite.labels}`] : [];
    const ginkgoRun = async (args: string[], report: string, env: Record<string, string> = {}, timeoutMs = 600_000, specs = 0) => {
      const r = await run(binary, ['-test.v', '-ginkgo.no-color', `-ginkgo.json-report=${report}`, ...args], { cwd, env: { ...goEnv(), ...env }, timeout: timeoutMs, all: true, ...(specs ? { stdout: [progress(specs, ctx.log)] } : {}) });
      if (!existsSync(report)) throw new Error(`${suite.component} ${suite.package}: the ginkgo binary wrote no report (exit ${r.exitCode}): ${r.all.trim().split('\n').slice(-5).join(' | ')}`);
      return { r, report: parseGinkgoReport(readFileSync(report, 'utf8')) };
    };
    // Ginkgo matches --focus against the suite's description, a space, and the spec's name.
    let description: string | undefined;
    const prepared: PreparedSuite = {
      async list() {
        const dir = mkdtempSync(join(tmpdir(), 'cfm-ginkgo-'));
        try {
          // A dry run runs no node, only walks the tree: what it would run under the label filter passes, the rest is skipped.
          const { report } = await ginkgoRun(['-ginkgo.dry-run', ...labels], join(dir, 'dry-run.json'));
          description = report.description ?? '';
          return report.tests.map((t) => ({ name: t.name, ...(t.status === 'not-applicable' ? { reason: `not selected by the catalog's label filter ${suite.labels}` } : {}) }));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      async run(tests, env, outDir) {
        await mkdir(outDir, { recursive: true });
        if (description === undefined) await prepared.list();
        const focus = `-ginkgo.focus=^${description ? `${quote(description!)} ` : ''}(${tests.map(quote).join('|')})$`;
        const { r, report } = await ginkgoRun([focus, ...labels, `-ginkgo.timeout=${suite.timeout}`, `-test.timeout=${suite.timeout}`], join(outDir, 'ginkgo-report.json'), env, durationMs(suite.timeout) + 120_000, tests.length);
        const log = join(outDir, 'ginkgo.log');
        await writeFile(log, r.all);
        return { tests: ranOf(tests, report), log };
      },
    };
    return { code: { ...manifest.code, ...codeOf(source, suite), goVersion: manifest.code.goVersion, binarySha256: manifest.code.binarySha256 }, run: prepared };
  },
};
