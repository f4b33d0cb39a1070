// Bad input to merge, report, gate and audit: one clear line, exit 2, and no file written or
// overwritten (outputs and READMEs keep their bytes; no temporary file left behind).
import { test, expect } from '@playwright/test';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readResults } from '../model/results.js';
import { cli, data, expectNoTmp, expectUserError, scratch } from './testing.js';

const SENTINEL = 'an earlier report, not to be overwritten\n';

/** A folder with an existing output file and a README copy, to check that nothing changes. */
function setup() {
  const dir = scratch();
  const out = join(dir, 'out.md');
  const readme = join(dir, 'README.md');
  writeFileSync(out, SENTINEL);
  writeFileSync(readme, readFileSync(data('README.v1.0.0.md')));
  const untouched = () => {
    expect(readFileSync(out, 'utf8')).toBe(SENTINEL);
    expect(readFileSync(readme).equals(readFileSync(data('README.v1.0.0.md')))).toBe(true);
    expectNoTmp(dir);
  };
  return { dir, out, readme, untouched };
}

test('a results file of an older schema', async () => {
  const s = setup();
  for (const args of [['report', data('old-schema.json'), '--output-file', s.out, '--update-readme', s.readme], ['merge', s.out, data('nightly.json'), data('old-schema.json')], ['gate', '-r', 'v1.2.0', data('old-schema.json')], ['audit', s.readme, data('old-schema.json')]]) {
    expectUserError(await cli(args), /old-schema\.json: results schema 0, this harness reads schema 1/, /fix: run the matrix again/);
  }
  s.untouched();
});

test('a truncated results file', async () => {
  const s = setup();
  for (const args of [['report', data('truncated.json'), '-f', 'html', '--output-file', s.out], ['merge', s.out, data('truncated.json')], ['gate', '-r', 'v1.2.0', data('truncated.json')], ['audit', s.readme, data('truncated.json')]]) {
    expectUserError(await cli(args), /truncated\.json: not valid JSON \(truncated or damaged/);
  }
  s.untouched();
});

test('results of two configs merged', async () => {
  const s = setup();
  const r = await cli(['merge', s.out, data('nightly.json'), data('shard-1.json')]);
  expectUserError(r, /shard-1\.json: results of another config \(release 51d0a7c3e2b94f18, not nightly 9c3e4a1b7d20f6e5 of .*nightly\.json\) cannot be merged/, /fix: merge only the shards of one config/);
  const fresh = join(s.dir, 'new.json');
  expectUserError(await cli(['merge', fresh, data('shard-2.json'), data('stale.json'), data('nightly.json')]), /nightly\.json: results of another config/);
  expect(existsSync(fresh)).toBe(false);
  s.untouched();
});

test('a README without the markers, or with only one', async () => {
  const s = setup();
  const text = readFileSync(data('README.v1.0.0.md'), 'utf8');
  for (const [name, body, what] of [['none.md', text.replace(/<!-- Compatibility Matrix (start|end) -->\n/g, ''), 'start'], ['no-end.md', text.replace('<!-- Compatibility Matrix end -->', ''), 'end']] as const) {
    const file = join(s.dir, name);
    writeFileSync(file, body);
    const fresh = join(s.dir, `${name}.html`);
    expectUserError(await cli(['report', data('nightly.json'), '-o', 'html', '--output-file', fresh, '--update-readme', file]), new RegExp(`${name}: no <!-- Compatibility Matrix ${what} --> marker`), /fix: put the lines/);
    expect(readFileSync(file, 'utf8')).toBe(body);
    expect(existsSync(fresh)).toBe(false); // the report is not written either: nothing is written until everything checks out
    expectUserError(await cli(['audit', file, data('nightly.json')]), new RegExp(`${name}: no <!-- Compatibility Matrix ${what} --> marker`));
  }
  s.untouched();
});

test('a release with no row', async () => {
  expectUserError(await cli(['gate', '--release', 'v1.16.0', data('nightly.json')]), /no cell of release v1\.16\.0 in the results/, /fix: run the release strategy/);
});

test('a README update when no cell passed keeps the published matrix', async () => {
  const s = setup();
  const results = readResults(data('shard-1.json'));
  results.cells = results.cells.filter((c) => c.status === 'failed');
  const file = join(s.dir, 'failed.json');
  writeFileSync(file, JSON.stringify(results));
  expectUserError(await cli(['report', file, '--update-readme', s.readme]), /no cell passed: nothing verified to publish, the README is left as it was/);
  s.untouched();
});

test('missing files and misplaced options', async () => {
  const s = setup();
  expectUserError(await cli(['report', join(s.dir, 'nope.json')]), /nope\.json: cannot read the results file/);
  expectUserError(await cli(['audit', join(s.dir, 'nope.md'), data('nightly.json')]), /nope\.md: cannot read the README/);
  expectUserError(await cli(['report', data('nightly.json'), '--update-readme', join(s.dir, 'nope.md')]), /nope\.md: cannot read the README/);
  expectUserError(await cli(['report', data('nightly.json'), '-f', 'html', '--history', join(s.dir, 'nothing-here')]), /nothing-here: cannot read the history folder/);
  expectUserError(await cli(['report', data('nightly.json'), '--history', data('history')]), /--history is shown by --format html or json/);
  expectUserError(await cli(['report', data('nightly.json'), '-f', 'pdf']), /pdf/);
  expectUserError(await cli(['merge', s.out]), /missing required argument/);
  s.untouched();
});
