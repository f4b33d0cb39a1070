// JUnit XML of a run, for the CI systems that read it (GitLab, Jenkins, Prow/TestGrid): one
// <testsuite> per cell with its versions and a provenance digest as properties, one <testcase> per
// test. Failed → <failure>; blocked (the cell's setup failed, or the run stopped) → <error>, since
// the test never ran; not applicable → <skipped> with the reason; flaky passed, saying so.
import { createHash } from 'node:crypto';
import type { CellResult, Results, TestResult } from '../model/results.js';

const escape = (s: string): string =>
  s
    // characters XML 1.0 cannot hold at all (control characters from a test's output)
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const attrs = (a: Record<string, string | number | undefined>): string =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escape(String(v))}"`)
    .join('');

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/** The digest of what ran in a cell (its provenance entries), to compare two runs at a glance. */
export const provenanceDigest = (c: CellResult): string => `sha256:${createHash('sha256').update(JSON.stringify(c.provenance)).digest('hex')}`;

/** A failure's label against the baseline (reports/baseline.ts), as the testcase's properties. */
const labelProps = (t: TestResult): string =>
  t.label ? `\n      <properties>${[['label', t.label.kind], ['label evidence', t.label.evidence], ['baseline cell', t.label.baseline?.cell], ['failing since', t.label.since]].filter(([, v]) => v).map(([name, value]) => `<property${attrs({ name, value })}/>`).join('')}</properties>` : '';

function testcase(c: CellResult, suite: string, t: TestResult): string {
  const open = `    <testcase${attrs({ classname: `${c.id}.${suite}`, name: t.title, time: seconds(t.durationMs) })}`;
  const props = labelProps(t);
  const first = (t.errors[0] ?? t.reason ?? '').split('\n')[0]!;
  switch (t.status) {
    case 'failed':
      return `${open}>${props}\n      <failure${attrs({ type: 'failed', message: first })}>${escape(t.errors.join('\n\n'))}</failure>\n    </testcase>`;
    case 'blocked':
      return `${open}>\n      <error${attrs({ type: 'blocked', message: `blocked: ${t.reason ?? c.reason ?? 'the cell did not reach its tests'}` })}/>\n    </testcase>`;
    case 'not-applicable':
      return `${open}>\n      <skipped${attrs({ message: `not applicable: ${t.reason ?? ''}` })}/>\n    </testcase>`;
    case 'flaky':
      return `${open}>${props}\n      <system-out>${escape(`flaky: passed only on retry ${t.retries}; earlier attempts:\n${t.errors.join('\n\n')}`)}</system-out>\n    </testcase>`;
    default:
      return `${open}/>`;
  }
}

export function junitXml(r: Results): string {
  const all = r.cells.flatMap((c) => c.suites.flatMap((s) => s.tests));
  const count = (ts: TestResult[]) => ({
    tests: ts.length,
    failures: ts.filter((t) => t.status === 'failed').length,
    errors: ts.filter((t) => t.status === 'blocked').length,
    skipped: ts.filter((t) => t.status === 'not-applicable').length,
    time: seconds(ts.reduce((a, t) => a + t.durationMs, 0)),
  });
  const suites = r.cells.map((c) => {
    const tests = c.suites.flatMap((s) => s.tests);
    const props: [string, string][] = [
      ['cell', c.id],
      ['status', c.status],
      ['era', c.era],
      ['provider', c.provider],
      ...Object.entries(c.requested).map(([k, v]): [string, string] => [k, v]),
      ...(c.serverVersion ? [['server version', c.serverVersion] as [string, string]] : []),
      ...(c.upgradeFrom ? [['upgrade from', Object.entries(c.upgradeFrom).map(([k, v]) => `${k} ${v}`).join(', ')] as [string, string]] : []),
      ['provenance', provenanceDigest(c)],
      // an upstream suite's test code: the component's tree it came from
      ...c.suites.flatMap((s): [string, string][] => (s.code ? [[`${s.name} test code`, `${s.code.module} ${s.code.version} (${s.code.origin}${s.code.repository ? ` ${s.code.repository}` : ''}${s.code.commit ? ` ${s.code.commit}` : ''})`]] : [])),
      ...(c.reason ? [['reason', c.reason] as [string, string]] : []),
    ];
    return [
      `  <testsuite${attrs({ name: c.title, id: c.id, ...count(tests), timestamp: c.startedAt, hostname: r.runs[0]?.host })}>`,
      '    <properties>',
      ...props.map(([name, value]) => `      <property${attrs({ name, value })}/>`),
      '    </properties>',
      ...c.suites.flatMap((s) => s.tests.map((t) => testcase(c, s.name, t))),
      '  </testsuite>',
    ].join('\n');
  });
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${attrs({ name: `codeflare-matrix ${r.config.name}`, ...count(all) })}>`, ...suites, '</testsuites>', ''].join('\n');
}
