// JUnit XML of a run, for the CI systems that read it (GitLab, Jenkins, Prow/TestGrid): one
// <testsuite> per cell with its versions and a provenance digest as properties, one <testcase> per
// test, counted as every report counts them (results.ts outcome): failed → <failure>; blocked in
// its cell's setup → <error>, since the test never ran; not applicable, or its cell blocked ahead
// → <skipped> with the reason; flaky → a pass with one <flakyFailure> per failed attempt, in
// Maven Surefire's form (surefire-test-report.xsd), which Jenkins reads.
import { createHash } from 'node:crypto';
import { outcome, tally, type CellResult, type Results, type TestResult } from '../model/results.js';

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

/** JSON with every object's keys sorted, at every depth: the same value gives the same text however it was built. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x ?? null)).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The digest of what ran in a cell (its provenance entries, canonical JSON), to compare two runs at a glance. */
export const provenanceDigest = (c: CellResult): string => `sha256:${createHash('sha256').update(canonicalJson(c.provenance)).digest('hex')}`;

/** A failure's label against the baseline (reports/baseline.ts), as the testcase's properties. */
const labelProps = (t: TestResult): string =>
  t.label ? `\n      <properties>${[['label', t.label.kind], ['label evidence', t.label.evidence], ['baseline cell', t.label.baseline?.cell], ['failing since', t.label.since]].filter(([, v]) => v).map(([name, value]) => `<property${attrs({ name, value })}/>`).join('')}</properties>` : '';

function testcase(c: CellResult, suite: string, t: TestResult): string {
  const open = `    <testcase${attrs({ classname: `${c.id}.${suite}`, name: t.title, time: seconds(t.durationMs) })}`;
  const props = labelProps(t);
  const first = (t.errors[0] ?? t.reason ?? '').split('\n')[0]!;
  switch (outcome(c, t)) {
    case 'failed':
      return `${open}>${props}\n      <failure${attrs({ type: 'failed', message: first })}>${escape(t.errors.join('\n\n'))}</failure>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error${attrs({ type: 'blocked', message: `blocked: ${t.reason ?? c.reason ?? 'the cell did not reach its tests'}` })}/>\n    </testcase>`;
    case 'ahead':
      return `${open}>\n      <skipped${attrs({ message: `blocked ahead: ${c.reason ?? t.reason ?? 'the plan knew this cell cannot run here'}` })}/>\n    </testcase>`;
    case 'not-applicable':
      return `${open}>\n      <skipped${attrs({ message: `not applicable: ${t.reason ?? ''}` })}/>\n    </testcase>`;
    case 'flaky': {
      // one per failed attempt; the retry passed (an attempt without a recorded error still counts)
      const attempts = Array.from({ length: Math.max(t.retries, 1) }, (_, i) => t.errors[i] ?? 'failed (no error recorded)');
      const flaky = attempts.map((e) => `      <flakyFailure${attrs({ type: 'failed', message: e.split('\n')[0] })}>\n        <stackTrace>${escape(e)}</stackTrace>\n      </flakyFailure>`);
      return `${open}>${props}\n${flaky.join('\n')}\n    </testcase>`;
    }
    default:
      return `${open}/>`;
  }
}

export function junitXml(r: Results): string {
  const count = (cells: CellResult[]) => {
    const n = tally(cells);
    const time = cells.reduce((a, c) => a + c.suites.reduce((b, s) => b + s.tests.reduce((d, t) => d + t.durationMs, 0), 0), 0);
    return { tests: n.tests, failures: n.failed, errors: n.error, skipped: n['not-applicable'] + n.ahead, time: seconds(time) };
  };
  const suites = r.cells.map((c) => {
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
      `  <testsuite${attrs({ name: c.title, id: c.id, ...count([c]), timestamp: c.startedAt, hostname: r.runs[0]?.host })}>`,
      '    <properties>',
      ...props.map(([name, value]) => `      <property${attrs({ name, value })}/>`),
      '    </properties>',
      ...c.suites.flatMap((s) => s.tests.map((t) => testcase(c, s.name, t))),
      '  </testsuite>',
    ].join('\n');
  });
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${attrs({ name: `codeflare-matrix ${r.config.name}`, ...count(r.cells) })}>`, ...suites, '</testsuites>', ''].join('\n');
}
