// JUnit XML of a run, as a JUnit consumer reads it (Python's XML parser here): one testsuite per
// cell with its versions as properties; failed, blocked and not-applicable tests marked as such.
import { test, expect } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/exec.js';
import { junitXml, provenanceDigest } from './junit.js';
import { markdownReport, jobSummary } from './markdown.js';
import { failsRun, readResults, tally, tallyLine, type Results } from '../model/results.js';
import { supportMatrix } from './support-matrix.js';
import { loadCatalog } from '../matrix/catalog/index.js';
import { CELLS, cli, data, scratch } from './testing.js';

/** The XML parsed by Python's ElementTree: per testsuite its counts, properties and each testcase's outcome. */
async function parsed(xml: string) {
  const file = join(scratch(), 'junit.xml');
  writeFileSync(file, xml);
  const py = `import json, sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
out = {"root": dict(r.attrib), "suites": []}
for s in r.findall("testsuite"):
    cases = [{"name": c.get("name"), "outcome": next((x.tag for x in c if x.tag in ("failure", "error", "skipped")), "passed"), "message": next((x.get("message") for x in c if x.get("message")), None), "flaky": [f.findtext("stackTrace") for f in c.findall("flakyFailure")]} for c in s.findall("testcase")]
    out["suites"].append({"attrib": dict(s.attrib), "properties": {p.get("name"): p.get("value") for p in s.find("properties")}, "cases": cases})
print(json.dumps(out))`;
  const r = await run('python3', ['-c', py, file]);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { root: Record<string, string>; suites: { attrib: Record<string, string>; properties: Record<string, string>; cases: { name: string; outcome: string; message: string | null; flaky: string[] }[] }[] };
}

test('one testsuite per cell, its versions and provenance as properties; each status as JUnit has it', async () => {
  const results = readResults(data('nightly.json'));
  const x = await parsed((await cli(['report', data('nightly.json'), '--format', 'junit'])).stdout);
  const tests = results.cells.flatMap((c) => c.suites.flatMap((s) => s.tests));
  const n = (s: string) => String(tests.filter((t) => t.status === s).length);
  expect(x.root).toMatchObject({ tests: String(tests.length), failures: n('failed'), errors: n('blocked'), skipped: n('not-applicable') });
  expect(x.suites.map((s) => s.attrib.id)).toEqual(results.cells.map((c) => c.id));
  const failed = x.suites.find((s) => s.attrib.id === CELLS.failed)!;
  expect(failed.properties).toMatchObject({ cell: CELLS.failed, status: 'failed', 'codeflare-operator': 'v0.2.3', provenance: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  expect(failed.cases.find((c) => c.outcome === 'failure')?.message).toMatch(/timed out waiting for AppWrapper aw-large/);
  expect(failed.cases.find((c) => c.outcome === 'skipped')?.message).toMatch(/^not applicable: needs openshift-machine-api/);
});

test('a blocked cell: every test an error with the setup failure; text XML cannot hold is dropped, the rest escaped', async () => {
  const r = readResults(data('nightly.json'));
  const cell = r.cells[0]!;
  const blocked: Results = {
    ...r,
    cells: [{ ...cell, status: 'blocked', reason: 'install kueue: <timed out> & "gone"\u0007', suites: cell.suites.map((s) => ({ ...s, status: 'blocked', tests: s.tests.map((t) => ({ ...t, status: 'blocked' as const, reason: undefined })) })) }],
  };
  const x = await parsed(junitXml(blocked));
  expect(x.suites[0]!.cases.every((c) => c.outcome === 'error' && c.message === 'blocked: install kueue: <timed out> & "gone"')).toBe(true);
  expect(x.suites[0]!.properties.reason).toBe('install kueue: <timed out> & "gone"');
});

/** The recorded nightly run with its blocked cell made one blocked ahead (not buildable here), as run records it. */
function withAhead(): Results {
  const r = readResults(data('nightly.json'));
  return { ...r, cells: r.cells.map((c) => (c.id === CELLS.blocked ? { ...c, ahead: true, reason: 'not buildable here: kuberay v1.0.0: the Go module proxy here answers 403' } : c)) };
}

test('a cell blocked ahead: its tests skipped with the reason, not errors; JUnit, the printout\'s count and the exit status agree', async () => {
  const r = withAhead();
  const file = join(scratch(), 'ahead.json');
  writeFileSync(file, JSON.stringify(r));
  const x = await parsed((await cli(['report', file, '--format', 'junit'])).stdout);
  const ahead = x.suites.find((s) => s.attrib.id === CELLS.blocked)!;
  expect(ahead.cases.length).toBeGreaterThan(0);
  expect(ahead.cases.every((c) => c.outcome === 'skipped' && c.message === 'blocked ahead: not buildable here: kuberay v1.0.0: the Go module proxy here answers 403')).toBe(true);
  // every count as a JUnit consumer reads it, equal to the tally the run prints
  const n = tally(r.cells);
  const cases = x.suites.flatMap((s) => s.cases);
  const of = (o: string) => cases.filter((c) => c.outcome === o).length;
  expect({ tests: cases.length, failures: of('failure'), errors: of('error'), skipped: of('skipped') }).toEqual({ tests: n.tests, failures: n.failed, errors: n.error, skipped: n['not-applicable'] + n.ahead });
  expect(x.root).toMatchObject({ tests: String(n.tests), failures: String(n.failed), errors: '0', skipped: String(n['not-applicable'] + n.ahead) });
  expect(tallyLine(n)).toBe(`${n.tests} tests: ${n.passed + n.flaky} passed (${n.flaky} flaky), ${n.failed} failed, 0 errors (blocked in setup), ${of('skipped')} skipped (${n['not-applicable']} not applicable, ${ahead.cases.length} in cells blocked ahead)`);
  // the exit status counts cells the same way: the failed cell fails the run, the one blocked ahead does not
  expect(r.cells.filter(failsRun).map((c) => c.id)).toEqual([CELLS.failed]);
  const catalog = loadCatalog();
  const m = supportMatrix(r, catalog);
  expect(markdownReport(m, catalog)).toMatch(new RegExp(`\`${CELLS.blocked}\`.*\\*\\*blocked ahead\\*\\*: not buildable here`));
  expect(jobSummary(m, catalog)).toMatch(/Cells: .*1 blocked ahead/);
  // with no failed cell the summary's mark is the exit status's: green
  const green = { ...r, cells: r.cells.filter((c) => c.id !== CELLS.failed) };
  expect(jobSummary(supportMatrix(green, loadCatalog()), loadCatalog())).toMatch(/^## ✅ /);
  expect(green.cells.some(failsRun)).toBe(false);
});

test('a flaky test is a pass with one <flakyFailure> per failed attempt, as Surefire writes it', async () => {
  const x = await parsed((await cli(['report', data('nightly.json'), '--format', 'junit'])).stdout);
  const flaky = x.suites.find((s) => s.attrib.id === CELLS.flaky)!.cases.filter((c) => c.flaky.length);
  expect(flaky).toHaveLength(1);
  expect(flaky[0]).toMatchObject({ outcome: 'passed', flaky: [expect.stringMatching(/RayClusterStatus\.UNKNOWN/)] });
  expect(x.root.failures).toBe('1'); // a flaky pass is not a failure
});

test('the provenance digest is canonical: the same provenance in any key order gives the same digest, in run\'s and report\'s JUnit alike', async () => {
  const r = readResults(data('nightly.json'));
  const cell = r.cells.find((c) => c.provenance.length > 0)!;
  const reversed = (v: unknown): unknown => (Array.isArray(v) ? v.map(reversed) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v);
  const shuffled = { ...cell, provenance: reversed(cell.provenance) as typeof cell.provenance };
  expect(JSON.stringify(shuffled.provenance)).not.toBe(JSON.stringify(cell.provenance));
  expect(provenanceDigest(shuffled)).toBe(provenanceDigest(cell));
  // as run writes junit.xml (its results as built in memory) and as report reads them back from the file
  expect(junitXml({ ...r, cells: r.cells.map((c) => (c.id === cell.id ? shuffled : c)) })).toBe(`${(await cli(['report', data('nightly.json'), '--format', 'junit'])).stdout}\n`); // (execa drops the last newline)
});
