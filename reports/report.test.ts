// `report` on recorded results: the README block (only passed cells become rows), JSON, the job
// summary, and --update-readme keeping every byte outside the block.
import { test, expect } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCatalog } from '../matrix/catalog/index.js';
import { END, START } from './markdown.js';
import { parseBlock, replaceBlock } from './readme.js';
import { run } from '../lib/exec.js';
import { CELLS, cli, data, expectNoTmp, expectUserError, scratch } from './testing.js';

// The header and separator lines of the upstream README's table (codeflare-operator README, v1.0.0 to v1.16.0).
const HEADER = '| Component                    | Version                                                                                           |';
/** The v1.2.0 row of the recorded nightly run, as the operator README lays it out. */
const V120 = [
  '| CodeFlare Operator           | [v1.2.0](https://github.com/project-codeflare/codeflare-operator/releases/tag/v1.2.0)             |',
  '| Multi-Cluster App Dispatcher | [v1.40.0](https://github.com/project-codeflare/multi-cluster-app-dispatcher/releases/tag/v1.40.0) |',
  '| CodeFlare-SDK                | [v0.14.0](https://github.com/project-codeflare/codeflare-sdk/releases/tag/v0.14.0)                |',
  '| InstaScale                   | [v0.4.0](https://github.com/project-codeflare/instascale/releases/tag/v0.4.0)                     |',
  '| KubeRay                      | [v1.0.0](https://github.com/ray-project/kuberay/releases/tag/v1.0.0)                              |',
];
const RULE = '|------------------------------|---------------------------------------------------------------------------------------------------|';

/** The lines of the table whose operator row shows `op` (or "—"), from a Markdown text. */
function table(md: string, op: string): string[] {
  const lines = md.split('\n');
  const at = lines.findIndex((l) => l.startsWith('| CodeFlare Operator') && l.includes(op === '—' ? '| —' : `[${op}]`));
  expect(at, `a table for operator ${op}`).toBeGreaterThan(1);
  let end = at;
  while (lines[end + 1]?.startsWith('|')) end++;
  return lines.slice(at - 2, end + 1);
}

test.describe('report --format md', () => {
  test('one Compatibility Matrix block in the operator README\'s layout (the newest release verified), every verified stack in one table, every other cell listed as not verified', async () => {
    const r = await cli(['report', data('nightly.json')]);
    expect(r.exitCode, r.all).toBe(0);
    const md = r.stdout;
    // The block is ready to paste into the operator README: markers, heading, one table, the newest operator verified.
    const block = md.slice(md.indexOf(START), md.indexOf(END) + END.length);
    expect(block.split('\n')).toEqual([START, 'CodeFlare Stack Compatibility Matrix', '', HEADER, RULE, ...V120, END]);
    expect(md.split(START)).toHaveLength(2);
    expect(md.match(/^\| CodeFlare Operator /gm)).toHaveLength(1);
    // Every verified stack, a row each, newest operator first; era E has no operator ("—").
    const stacks = md.slice(md.indexOf('Verified stacks (3):')).split('\n').filter((l) => l.startsWith('|'));
    expect(stacks).toEqual([
      '| Operator | MCAD | SDK | InstaScale | KubeRay | Kueue | Kubernetes | Verified by |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      '| v1.2.0 | v1.40.0 | v0.14.0 | v0.4.0 | v1.0.0 | — | v1.27.16 | local |',
      '| v1.0.0 | v1.38.0 | v0.11.0 | v0.3.0 | v0.5.0 | — | v1.27.16 | local |',
      '| — | — | v0.35.0 | — | v1.4.2 | v0.13.4 | v1.31.13 | local |',
    ]);
    // v1.0.0 passed: a row, with what its operator binary compiles in said under the table.
    expect(md).toContain('- v1.0.0: the operator binary embeds KubeRay v1.0.0-rc.1');
    for (const op of ['v0.2.3', 'v1.1.0', 'v1.0.1', 'v0.0.4']) expect(stacks.join('\n')).not.toContain(`| ${op} |`);
    // Below the block: failed, flaky, blocked and not-applicable cells with status and reason.
    const after = md.slice(md.indexOf(END));
    expect(after).toContain('Not verified (4 cells');
    expect(after).toMatch(new RegExp(`\`${CELLS.failed}\`.*\\*\\*failed\\*\\*: mcad: an AppWrapper larger than the fake nodes .* timed out waiting for AppWrapper aw-large`));
    expect(after).toMatch(new RegExp(`\`${CELLS.flaky}\`.*\\*\\*flaky\\*\\*: sdk: .*passed only on retry 1`));
    expect(after).toMatch(new RegExp(`\`${CELLS.blocked}\`.*\\*\\*blocked\\*\\*: install: kuberay v1\\.0\\.0: deployment kuberay-operator did not become ready`));
    expect(after).toMatch(new RegExp(`\`${CELLS.notApplicable}\`.*\\*\\*not-applicable\\*\\*: mcad: MCAD v1\\.31\\.0 serves only mcad\\.ibm\\.com`));
  });

  test('--allow-flaky makes a flaky cell a row', async () => {
    const r = await cli(['report', data('nightly.json'), '--allow-flaky']);
    expect(r.stdout).toContain('| v1.1.0 | v1.39.0 | v0.13.0 | v0.4.0 | v1.0.0 | — | v1.27.16 | local, flaky allowed |');
    expect(r.stdout).toContain('Not verified (3 cells)');
  });

  test('GITHUB_STEP_SUMMARY gets the summary appended', async () => {
    const summary = join(scratch(), 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = await cli(['report', data('nightly.json'), '--out', join(scratch(), 'r.md')], { GITHUB_STEP_SUMMARY: summary });
    expect(r.exitCode, r.all).toBe(0);
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# earlier step\n## ❌ CodeFlare support matrix — nightly')).toBe(true);
    expect(text).toContain('Cells: 3 passed · 1 failed · 1 flaky · 1 blocked · 1 not-applicable');
    expect(text).toContain(START);
  });
});

test('report --format json: verified stacks with provenance, and the cells that verify nothing', async () => {
  const dir = scratch();
  const out = join(dir, 'matrix.json');
  const r = await cli(['report', data('nightly.json'), '-o', 'json', '--output-file', out]);
  expect(r.exitCode, r.all).toBe(0);
  expect(r.stdout).toBe('');
  expectNoTmp(dir);
  const m = JSON.parse(readFileSync(out, 'utf8'));
  expect(m).toMatchObject({ kind: 'codeflare-matrix/support-matrix', schema: 1, config: { hash: '9c3e4a1b7d20f6e5' }, allowFlaky: false });
  expect(m.stacks.map((s: { operator?: string }) => s.operator ?? 'none')).toEqual(['v1.2.0', 'v1.0.0', 'none']);
  const v120 = m.stacks[0];
  // MCAD and InstaScale are compiled into a v1.2.0 operator: their versions come from its binary.
  expect(v120.rows.find((x: { component: string }) => x.component === 'mcad')).toMatchObject({ version: 'v1.40.0', source: 'operator binary' });
  expect(v120.cells[0]).toMatchObject({ id: CELLS.passed, kubernetes: 'v1.27.16', provider: 'local' });
  const op = v120.cells[0].provenance.find((p: { component: string }) => p.component === 'codeflare-operator');
  expect(op).toMatchObject({ module: 'github.com/project-codeflare/codeflare-operator', resolved: 'v1.2.0', commit: 'a4f1e0b2c9d84c1e8f0a6b3d2e7c5f9a1b0c3d4e' });
  expect(op.binarySha256).toMatch(/^[0-9a-f]{64}$/);
  // Only the catalog's own modules among the compiled-in dependencies.
  expect(op.deps.map((d: { path: string }) => d.path)).toEqual(['github.com/project-codeflare/multi-cluster-app-dispatcher', 'github.com/project-codeflare/instascale', 'github.com/ray-project/kuberay/ray-operator']);
  expect(m.notVerified.map((c: { id: string; status: string }) => `${c.id} ${c.status}`)).toEqual([`${CELLS.failed} failed`, `${CELLS.flaky} flaky`, `${CELLS.blocked} blocked`, `${CELLS.notApplicable} not-applicable`]);
});

test.describe('report --update-readme', () => {
  const original = readFileSync(data('README.v1.0.0.md'), 'utf8');

  /** Everything before the start marker and from the end marker on must be the same bytes. */
  function expectOnlyBlockChanged(before: Buffer, after: Buffer) {
    const [s, e] = [Buffer.from(START), Buffer.from(END)];
    const head = (b: Buffer) => b.subarray(0, b.indexOf(s) + s.length);
    const tail = (b: Buffer) => b.subarray(b.indexOf(e));
    expect(head(after).equals(head(before))).toBe(true);
    expect(tail(after).equals(tail(before))).toBe(true);
    expect(after.equals(before)).toBe(false);
  }

  test('rewrites only the block; the rest of the file stays byte for byte', async () => {
    const dir = scratch();
    const readme = join(dir, 'README.md');
    writeFileSync(readme, original);
    const r = await cli(['report', data('nightly.json'), '--update-readme', readme]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toMatch(/matrix block rewritten \(3 verified stacks\)/);
    const after = readFileSync(readme);
    expectOnlyBlockChanged(Buffer.from(original), after);
    const rows = parseBlock(after.toString(), loadCatalog(), readme);
    expect(rows.map((x) => x.versions['codeflare-operator']?.text ?? '—')).toEqual(['v1.2.0', 'v1.0.0', '—']);
    expect(after.toString()).not.toContain('Not verified');
    expectNoTmp(dir);
    // Running it again changes nothing.
    const again = await cli(['report', data('nightly.json'), '--update-readme', readme]);
    expect(again.stderr).toMatch(/already up to date/);
    expect(readFileSync(readme).equals(after)).toBe(true);
  });

  test('CRLF line endings and no final newline are kept', async () => {
    const dir = scratch();
    const readme = join(dir, 'README.md');
    const crlf = Buffer.from(original.trimEnd().replace(/\n/g, '\r\n'));
    writeFileSync(readme, crlf);
    const r = await cli(['report', data('nightly.json'), '--update-readme', readme]);
    expect(r.exitCode, r.all).toBe(0);
    const after = readFileSync(readme);
    expectOnlyBlockChanged(crlf, after);
    expect(after.toString()).not.toMatch(/[^\r]\n/);
    expect(after.toString().endsWith('    NAMESPACE=default make run')).toBe(true);
    expect(after.toString()).toContain(`${START}\r\nCodeFlare Stack Compatibility Matrix\r\n\r\n| Component `);
  });

  test('replaceBlock keeps odd surroundings: text on the marker lines, a marker at the end of the file', () => {
    const lines = ['X'];
    expect(replaceBlock(`a ${START} old ${END} b`, lines, 'R')).toBe(`a ${START}\nX\n${END} b`);
    expect(replaceBlock(`${START}\r\n${END}`, lines, 'R')).toBe(`${START}\r\nX\r\n${END}`);
    expect(replaceBlock(`\uFEFFtitle\n${START}\nold\n${END}`, lines, 'R')).toBe(`\uFEFFtitle\n${START}\nX\n${END}`);
  });
});

test.describe('report --release --update-readme: the operator README block for one release', () => {
  const original = readFileSync(data('README.v1.0.0.md'), 'utf8'); // the operator's README at v1.0.0, in its own layout

  test('exactly one table, the release\'s, in the operator\'s layout; audit confirms it; the operator\'s release workflow still rewrites it', async () => {
    const dir = scratch();
    const readme = join(dir, 'README.md');
    writeFileSync(readme, original);
    const r = await cli(['report', data('nightly.json'), '--release', 'v1.2.0', '--update-readme', readme]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toMatch(/matrix block rewritten \(the v1\.2\.0 table\)/);
    const block = (t: string) => t.slice(t.indexOf(START), t.indexOf(END) + END.length).split('\n');
    const written = readFileSync(readme, 'utf8');
    expect(block(written)).toEqual([
      START,
      'CodeFlare Stack Compatibility Matrix',
      '',
      HEADER,
      RULE,
      ...V120,
      END,
    ]);
    // the round trip: what report wrote, audit confirms from the same results
    const a = await cli(['audit', readme, data('nightly.json')]);
    expect(a.exitCode, a.all).toBe(0);
    expect(a.stdout).toMatch(/1 declared row\(s\), 1 verified, 0 finding\(s\)/);
    // The operator's release workflow rewrites the rows by component name with sed
    // (codeflare-operator@v1.16.0 .github/workflows/tag-and-build.yml, "Adjust Compatibility Matrix in readme").
    for (const [name, v] of [['CodeFlare Operator', 'v1.3.0'], ['CodeFlare-SDK', 'v0.15.0'], ['KubeRay', 'v1.1.0']]) {
      const s = await run('sed', ['-i', '-E', `s|(.*${name}.*\\[).*(\\].*releases/tag/).*(\\).*)|\\1${v}\\2${v}\\3|`, readme]);
      expect(s.exitCode, s.stderr).toBe(0);
    }
    const rows = parseBlock(readFileSync(readme, 'utf8'), loadCatalog(), readme);
    expect(rows).toHaveLength(1);
    expect(Object.fromEntries(Object.entries(rows[0]!.versions).map(([k, e]) => [k, e!.text]))).toEqual({ 'codeflare-operator': 'v1.3.0', mcad: 'v1.40.0', 'codeflare-sdk': 'v0.15.0', instascale: 'v0.4.0', kuberay: 'v1.1.0' });
  });

  test('a release the results contradict is not written, nor one that did not run; --release needs --update-readme', async () => {
    const dir = scratch();
    const readme = join(dir, 'README.md');
    writeFileSync(readme, original);
    // v1.0.0's binary runs another MCAD than its cell asked for: the table would name what ran, which no cell asked for — refused. (Its KubeRay API skew alone is a note: written, below.)
    const other = join(dir, 'other-mcad.json');
    writeFileSync(other, readFileSync(data('nightly.json'), 'utf8').replace(/("path": "github.com\/project-codeflare\/multi-cluster-app-dispatcher",\s*"version": )"v1\.38\.0"/, '$1"v1.37.0"'));
    expectUserError(await cli(['report', other, '--release', 'v1.0.0', '--update-readme', readme]), /the v1\.0\.0 row would not pass audit: untested: .*Multi-Cluster App Dispatcher v1\.37\.0/, /nothing was written/);
    expectUserError(await cli(['report', data('nightly.json'), '--release', 'v1.9.0', '--update-readme', readme]), /no verified stack of operator v1\.9\.0/);
    expect(readFileSync(readme, 'utf8')).toBe(original);
    expectUserError(await cli(['report', data('nightly.json'), '--release', 'v1.2.0']), /--release chooses the table --update-readme writes/);
    const ok = await cli(['report', data('nightly.json'), '--release', 'v1.0.0', '--update-readme', readme]);
    expect(ok.exitCode, ok.all).toBe(0);
    expect(readFileSync(readme, 'utf8')).toContain('[v1.0.0](https://github.com/project-codeflare/codeflare-operator/releases/tag/v1.0.0)');
  });
});
