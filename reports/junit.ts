// JUnit XML of a run, for the CI systems that read it (GitLab, Jenkins, Prow/TestGrid): one
// <testsuite> per cell with its versions and a provenance digest as properties, one <testcase> per
// test, counted as every report counts them (results.ts outcome): failed → <failure>; blocked in
// its cell's setup → <error>, since the test never ran; not applicable, or its cell blocked ahead
// → <skipped> with the reason; flaky → a pass with one <flakyFailure> per failed attempt, in
// Maven Surefire's form (surefire-test-report.xsd), which Jenkins reads. A failure's baseline label
// and environment cause are the testcase's properties. xmlbuilder2 writes the
// XML: escaping, and dropping what XML 1.0 cannot hold (control characters from a test's output).
import { createHash } from 'node:crypto';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { outcome, tally, type CellResult, type Results, type TestResult } from '../model/results.js';

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

type Attrs = Record<string, string | number | undefined>;
const defined = (a: Attrs): Record<string, string> => Object.fromEntries(Object.entries(a).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));

/** A failure's label against the baseline (reports/baseline.ts) and its environment cause, as the testcase's properties. */
function labelProps(el: XMLBuilder, t: TestResult): void {
  const pairs = [
    ...(t.label ? [['label', t.label.kind], ['label evidence', t.label.evidence], ['baseline cell', t.label.baseline?.cell], ['failing since', t.label.since]] : []),
    // the cluster's own words, one property a line
    ...(t.cause ? [['cause', `${t.cause.by} (${t.cause.what})`], ['cause scope', t.cause.scope], ...t.cause.evidence.map((e) => ['cause evidence', e])] : []),
  ];
  if (!pairs.length) return;
  const props = el.ele('properties');
  for (const [name, value] of pairs) if (value) props.ele('property', { name: name!, value });
}

function testcase(parent: XMLBuilder, c: CellResult, suite: string, t: TestResult): void {
  const el = parent.ele('testcase', defined({ classname: `${c.id}.${suite}`, name: t.title, time: seconds(t.durationMs) }));
  const first = (t.errors[0] ?? t.reason ?? '').split('\n')[0]!;
  switch (outcome(c, t)) {
    case 'failed':
      labelProps(el, t);
      el.ele('failure', { type: 'failed', message: first }).txt(t.errors.join('\n\n'));
      return;
    case 'error':
      el.ele('error', { type: 'blocked', message: `blocked: ${t.reason ?? c.reason ?? 'the cell did not reach its tests'}` });
      return;
    case 'ahead':
      el.ele('skipped', { message: `blocked ahead: ${c.reason ?? t.reason ?? 'the plan knew this cell cannot run here'}` });
      return;
    case 'not-applicable':
      el.ele('skipped', { message: `not applicable: ${t.reason ?? ''}` });
      return;
    case 'flaky': {
      labelProps(el, t);
      // one per failed attempt; the retry passed (an attempt without a recorded error still counts)
      const attempts = Array.from({ length: Math.max(t.retries, 1) }, (_, i) => t.errors[i] ?? 'failed (no error recorded)');
      for (const e of attempts) el.ele('flakyFailure', { type: 'failed', message: e.split('\n')[0]! }).ele('stackTrace').txt(e);
      return;
    }
  }
}

export function junitXml(r: Results): string {
  const count = (cells: CellResult[]) => {
    const n = tally(cells);
    const time = cells.reduce((a, c) => a + c.suites.reduce((b, s) => b + s.tests.reduce((d, t) => d + t.durationMs, 0), 0), 0);
    return { tests: n.tests, failures: n.failed, errors: n.error, skipped: n['not-applicable'] + n.ahead, time: seconds(time) };
  };
  const doc = create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '' });
  const root = doc.ele('testsuites', defined({ name: `codeflare-matrix ${r.config.name}`, ...count(r.cells) }));
  for (const c of r.cells) {
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
    const suite = root.ele('testsuite', defined({ name: c.title, id: c.id, ...count([c]), timestamp: c.startedAt, hostname: r.runs[0]?.host }));
    const properties = suite.ele('properties');
    for (const [name, value] of props) properties.ele('property', { name, value });
    for (const s of c.suites) for (const t of s.tests) testcase(suite, c, s.name, t);
  }
  return doc.end({ prettyPrint: true }) + '\n';
}
