// finishAllure: one suite per cell in Allure's Suites tab, named by the cell's title, its setup and
// teardown inside it. The results folder is made as allure-playwright writes it: every result's
// parentSuite is its Playwright project (the cell id, setup:<id>, teardown:<id>), except a test that
// reached the fixture that names the suite by the cell's title.
import { test, expect } from '@playwright/test';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finishAllure } from './allure.js';
import { readResults } from '../model/results.js';
import { CELLS, data, scratch } from './testing.js';

type Label = { name: string; value: string };

test('one suite per cell by its title, setup and teardown inside it, blocked cells too', () => {
  const dir = scratch();
  const folder = join(dir, 'allure-results');
  mkdirSync(folder);
  const results = readResults(data('nightly.json'));
  const cells = [CELLS.passed, CELLS.failed, CELLS.blocked];
  let n = 0;
  const write = (project: string, fullName: string, status: string, parentSuite = project) => {
    const labels: Label[] = [{ name: 'language', value: 'javascript' }, { name: 'framework', value: 'playwright' }, { name: 'parentSuite', value: parentSuite }];
    writeFileSync(join(folder, `${++n}-result.json`), JSON.stringify({ name: fullName, fullName, status, labels, parameters: [{ name: 'Project', value: project }] }));
  };
  for (const id of cells) {
    const title = results.cells.find((c) => c.id === id)!.title;
    const blocked = id === CELLS.blocked;
    write(`setup:${id}`, 'fixtures/cell.setup.ts › provision the cluster and install the stack', blocked ? 'failed' : 'passed');
    // a blocked cell's tests never reached the fixture that names the suite by title
    write(id, 'suites/kuberay.spec.ts › a RayCluster reaches Running', blocked ? 'skipped' : 'passed', blocked ? id : title);
    write(id, 'suites/mcad.spec.ts › an AppWrapper is dispatched', blocked ? 'skipped' : 'passed', blocked ? id : title);
    write(`teardown:${id}`, 'fixtures/cell.teardown.ts › export the logs and tear the cell down', 'passed');
  }
  expect(finishAllure(dir, results)).toBeGreaterThan(0);
  const written = readdirSync(folder).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(readFileSync(join(folder, f), 'utf8')) as { fullName: string; status: string; labels: Label[] });
  const label = (r: { labels: Label[] }, name: string) => r.labels.filter((l) => l.name === name).map((l) => l.value);
  const parents = new Set(written.flatMap((r) => label(r, 'parentSuite')));
  expect([...parents].sort()).toEqual(cells.map((id) => results.cells.find((c) => c.id === id)!.title).sort());
  for (const r of written) expect(label(r, 'parentSuite'), r.fullName).toHaveLength(1);
  const suites = (stage: string) => written.filter((r) => r.fullName.includes(stage)).map((r) => label(r, 'suite'));
  expect(suites('cell.setup')).toEqual(cells.map(() => ['setup']));
  expect(suites('cell.teardown')).toEqual(cells.map(() => ['teardown']));
  expect(suites('kuberay.spec')).toEqual(cells.map(() => ['kuberay']));
  // the blocked cell's tests are broken with why, in its titled suite
  const blockedTitle = results.cells.find((c) => c.id === CELLS.blocked)!.title;
  expect(written.filter((r) => label(r, 'parentSuite')[0] === blockedTitle && r.fullName.startsWith('suites/')).map((r) => r.status)).toEqual(['broken', 'broken']);
  // finishing twice changes nothing more
  expect(finishAllure(dir, results)).toBe(0);
});
