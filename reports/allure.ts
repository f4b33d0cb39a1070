// Allure results of a run, finished once every cell is done: a test whose cell was blocked (its
// setup failed, or it could not be built here) never ran, so it is `broken` with the setup's failure,
// not `skipped`; every result sits in its cell's suite (named by the cell's title, its setup and
// teardown inside it); every result carries the cell and its versions as parameters (a blocked test never
// reached the fixture that adds them); categories.json sorts results into blocked, not applicable,
// flaky, failures the cluster puts down to the environment, and product failures.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../lib/files.js';
import { causeLine, type Results } from '../model/results.js';

type Param = { name: string; value: string };
type Label = { name: string; value: string };
type AllureResult = { name?: string; status?: string; statusDetails?: { message?: string; trace?: string }; parameters?: Param[]; labels?: Label[]; fullName?: string };

/** The suite labels of a result: parentSuite the cell's title; suite its stage (setup, teardown) or its spec file (kuberay). */
function suiteLabels(r: AllureResult, title: string, stage: string): Label[] {
  const file = /(?:^|\/)([^/]+?)(?:\.spec)?\.[cm]?[jt]s(?: ›|$)/.exec(r.fullName ?? '')?.[1];
  const suite = stage || (r.labels ?? []).find((l) => l.name === 'suite')?.value || file;
  const rest = (r.labels ?? []).filter((l) => l.name !== 'parentSuite' && l.name !== 'suite');
  return [...rest, { name: 'parentSuite', value: title }, ...(suite ? [{ name: 'suite', value: suite }] : [])];
}

/** The categories Allure shows on its Categories tab (matched in order). */
export const CATEGORIES = [
  { name: 'Blocked: the cell never reached its tests', matchedStatuses: ['broken'], messageRegex: '^blocked: [\\s\\S]*' },
  { name: 'Not applicable to the cell', matchedStatuses: ['skipped'], messageRegex: '^not applicable: [\\s\\S]*' },
  { name: 'Flaky: passed only on a retry', matchedStatuses: ['passed', 'failed', 'broken'], flaky: true },
  // The cluster puts the failure down to the environment (model/results.ts causeLine, on a line of the message of its own).
  { name: 'Environment: the cluster says the machine fell short (capacity, node pressure, image pulls)', matchedStatuses: ['failed'], messageRegex: '(^|[\\s\\S]*\\n)environment \\([\\s\\S]*' },
  // Against a baseline (--baseline): the message starts with the test's label (reports/baseline.ts).
  { name: 'Regressions: pass on the baseline', matchedStatuses: ['failed'], messageRegex: '^regression: [\\s\\S]*' },
  { name: 'New tests failing: no result on the baseline', matchedStatuses: ['failed'], messageRegex: '^new: [\\s\\S]*' },
  { name: 'Already failing on the baseline', matchedStatuses: ['failed'], messageRegex: '^already-failing: [\\s\\S]*' },
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
    // the cell's own project, or its setup:/teardown: project
    const project = params.find((p) => p.name === 'Project')?.value ?? '';
    const [stage = '', id = project] = /^(setup|teardown):(.+)$/.exec(project)?.slice(1) ?? [];
    const cell = results.cells.find((c) => c.id === id);
    if (!cell) continue;
    const want: Param[] = [{ name: 'cell', value: cell.id }, ...Object.entries(cell.requested).map(([name, value]) => ({ name, value }))];
    const missing = want.filter((w) => !params.some((p) => p.name === w.name));
    // a blocked cell's tests never ran (skipped), and its setup's failure is what blocked it: both broken
    const blocked = cell.status === 'blocked' && ((r.status === 'skipped' && !/^not applicable: /.test(r.statusDetails?.message ?? '')) || (stage === 'setup' && r.status === 'failed'));
    // one suite per cell, named by its title, its setup and teardown inside it: Playwright's project
    // (the cell id, setup:<id>, teardown:<id>) would make three, and a blocked cell's by its id
    const labels = suiteLabels(r, cell.title, stage);
    const relabel = JSON.stringify(labels) !== JSON.stringify(r.labels ?? []);
    const label = cell.suites.flatMap((s) => s.tests).find((t) => t.title === r.name && t.label)?.label;
    const labelled = r.status === 'failed' && label && !r.statusDetails?.message?.startsWith(`${label.kind}: `);
    const found = cell.suites.flatMap((s) => s.tests).find((t) => t.title === r.name && t.cause)?.cause;
    const cause = r.status === 'failed' && found && !r.statusDetails?.message?.includes(causeLine(found)) ? causeLine(found) : undefined;
    if (!missing.length && !blocked && !relabel && !labelled && !cause) continue;
    if (cause) r.statusDetails = { ...r.statusDetails, message: `${cause}\n${r.statusDetails?.message ?? ''}` };
    if (labelled) r.statusDetails = { ...r.statusDetails, message: `${label.kind}: ${label.evidence}\n${r.statusDetails?.message ?? ''}` };
    r.parameters = [...params, ...missing];
    r.labels = labels;
    if (blocked) r.statusDetails = { message: `blocked: ${cell.reason ?? 'the cell did not reach its tests'}` };
    if (blocked) r.status = 'broken';
    writeAtomic(path, JSON.stringify(r));
    changed++;
  }
  // allure-playwright reports a skip from a fixture (how a test says it is not applicable) also as a
  // global "Before Hooks failed" error: it is no error, the test's own result says why it was skipped
  for (const f of readdirSync(folder).filter((x) => x.endsWith('-globals.json'))) {
    const g = JSON.parse(readFileSync(join(folder, f), 'utf8')) as { errors?: { message?: string }[] };
    const errors = (g.errors ?? []).filter((e) => !/Test is skipped: not applicable: /.test(e.message ?? ''));
    if (errors.length !== (g.errors ?? []).length) writeAtomic(join(folder, f), JSON.stringify({ ...g, errors }));
  }
  writeAtomic(join(folder, 'categories.json'), `${JSON.stringify(CATEGORIES, null, 2)}\n`);
  return changed + upstreamAllure(folder, results);
}

const allureStatus = { passed: 'passed', flaky: 'passed', failed: 'failed', blocked: 'broken', 'not-applicable': 'skipped' } as const;

/**
 * Allure results of the upstream suites' tests, one per test (allure-playwright sees only the
 * Playwright test that ran the suite): the cell and its versions as parameters, subtests as steps.
 */
export function upstreamAllure(folder: string, results: Results): number {
  let n = 0;
  for (const cell of results.cells) {
    for (const s of cell.suites.filter((x) => x.code)) {
      for (const t of s.tests) {
        const id = createHash('sha256').update(`${cell.id}\0${s.name}\0${t.title}`).digest('hex');
        const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`;
        const stop = Date.parse(cell.finishedAt ?? '') || Date.now();
        const message = t.status === 'not-applicable' ? `not applicable: ${t.reason ?? ''}` : t.status === 'flaky' ? `flaky: ${t.reason ?? ''}` : t.cause ? `${causeLine(t.cause)}\n${t.reason ?? ''}` : t.reason;
        writeAtomic(
          join(folder, `${uuid}-result.json`),
          JSON.stringify({
            uuid,
            historyId: createHash('md5').update(`${cell.id}\0${s.name}\0${t.title}`).digest('hex'),
            name: t.title,
            fullName: `${s.name} ${t.title}`,
            status: allureStatus[t.status],
            ...(message ? { statusDetails: { message, ...(t.status === 'flaky' ? { flaky: true } : {}) } } : {}),
            stage: 'finished',
            start: stop - t.durationMs,
            stop,
            labels: [{ name: 'parentSuite', value: cell.title }, { name: 'suite', value: s.name }, { name: 'tag', value: s.name }],
            parameters: [{ name: 'cell', value: cell.id }, ...Object.entries(cell.requested).map(([name, value]) => ({ name, value })), { name: 'test code', value: `${s.code!.module} ${s.code!.version}` }],
            steps: (t.steps ?? []).map((st) => ({ name: st.title, status: allureStatus[st.status], stage: 'finished', start: stop - st.durationMs, stop, ...(st.reason ? { statusDetails: { message: st.reason } } : {}) })),
            attachments: [],
          }),
        );
        n++;
      }
    }
  }
  return n;
}
