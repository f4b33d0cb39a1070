// Allure results of a run, finished once every cell is done: a test whose cell was blocked (its
// setup failed, or it could not be built here) never ran, so it is `broken` with the setup's failure,
// not `skipped`; every result carries the cell and its versions as parameters (a blocked test never
// reached the fixture that adds them); categories.json sorts results into blocked, not applicable,
// flaky and product failures.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../harness/files.js';
import type { Results } from './results.js';

type Param = { name: string; value: string };
type Label = { name: string; value: string };
type AllureResult = { status?: string; statusDetails?: { message?: string; trace?: string }; parameters?: Param[]; labels?: Label[] };

/** The categories Allure shows on its Categories tab (matched in order). */
export const CATEGORIES = [
  { name: 'Blocked: the cell never reached its tests', matchedStatuses: ['broken'], messageRegex: '^blocked: [\\s\\S]*' },
  { name: 'Not applicable to the cell', matchedStatuses: ['skipped'], messageRegex: '^not applicable: [\\s\\S]*' },
  { name: 'Flaky: passed only on a retry', matchedStatuses: ['passed', 'failed', 'broken'], flaky: true },
  { name: 'Product failures', matchedStatuses: ['failed'] },
  { name: 'Harness or test errors', matchedStatuses: ['broken'] },
];

export function finishAllure(dir: string, results: Results): number {
  const folder = join(dir, 'allure-results');
  let files: string[];
  try {
    files = readdirSync(folder).filter((f) => f.endsWith('-result.json'));
  } catch {
    return 0; // no cell reached Playwright
  }
  let changed = 0;
  for (const f of files) {
    const path = join(folder, f);
    const r = JSON.parse(readFileSync(path, 'utf8')) as AllureResult;
    const params = r.parameters ?? [];
    const cell = results.cells.find((c) => c.id === params.find((p) => p.name === 'Project')?.value);
    if (!cell) continue;
    const want: Param[] = [{ name: 'cell', value: cell.id }, ...Object.entries(cell.requested).map(([name, value]) => ({ name, value }))];
    const missing = want.filter((w) => !params.some((p) => p.name === w.name));
    const blocked = cell.status === 'blocked' && r.status === 'skipped' && !/^not applicable: /.test(r.statusDetails?.message ?? '');
    const suite = !(r.labels ?? []).some((l) => l.name === 'parentSuite');
    if (!missing.length && !blocked && !suite) continue;
    r.parameters = [...params, ...missing];
    if (suite) r.labels = [...(r.labels ?? []), { name: 'parentSuite', value: cell.title }];
    if (blocked) r.statusDetails = { message: `blocked: ${cell.reason ?? 'the cell did not reach its tests'}` };
    if (blocked) r.status = 'broken';
    writeAtomic(path, JSON.stringify(r));
    changed++;
  }
  writeAtomic(join(folder, 'categories.json'), `${JSON.stringify(CATEGORIES, null, 2)}\n`);
  return changed;
}
