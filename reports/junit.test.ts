// JUnit XML of a run, as a JUnit consumer reads it (Python's XML parser here): one testsuite per
// cell with its versions as properties; failed, blocked and not-applicable tests marked as such.
import { test, expect } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/exec.js';
import { junitXml } from './junit.js';
import { readResults, type Results } from '../model/results.js';
import { CELLS, cli, data, scratch } from './testing.js';

/** The XML parsed by Python's ElementTree: per testsuite its counts, properties and each testcase's outcome. */
async function parsed(xml: string) {
  const file = join(scratch(), 'junit.xml');
  writeFileSync(file, xml);
  const py = `import json, sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
out = {"root": dict(r.attrib), "suites": []}
for s in r.findall("testsuite"):
    cases = [{"name": c.get("name"), "outcome": next((x.tag for x in c if x.tag in ("failure", "error", "skipped")), "passed"), "message": next((x.get("message") for x in c if x.get("message")), None)} for c in s.findall("testcase")]
    out["suites"].append({"attrib": dict(s.attrib), "properties": {p.get("name"): p.get("value") for p in s.find("properties")}, "cases": cases})
print(json.dumps(out))`;
  const r = await run('python3', ['-c', py, file]);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { root: Record<string, string>; suites: { attrib: Record<string, string>; properties: Record<string, string>; cases: { name: string; outcome: string; message: string | null }[] }[] };
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
