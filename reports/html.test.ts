// The HTML report opened in Debian's Chromium (headless, driven by Playwright through
// executablePath) with the network cut off: the grid renders, filters hide rows, a failing cell
// shows its failure and provenance on click, and the history marks where a failure began.
import { test, expect, chromium, type Browser, type Page } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Results } from '../model/results.js';
import { CELLS, cli, data, scratch } from './testing.js';

// Debian's chromium package (.ci/run installs it); the test fails rather than skips without it.
const CHROMIUM = '/usr/bin/chromium';

let browser: Browser;
let page: Page;
let html: string;
const requests: string[] = [];
const errors: string[] = [];

test.beforeAll(async () => {
  html = join(scratch(), 'matrix.html');
  const r = await cli(['report', data('nightly.json'), '--format', 'html', '--out', html, '--history', data('history')]);
  expect(r.exitCode, r.all).toBe(0);
  browser = await chromium.launch({ executablePath: CHROMIUM });
});

/** Opens `file` (with a hash) in a fresh context of this size, the network cut off as for every page here. */
async function load(file: string, hash = '', viewport = { width: 1400, height: 1000 }): Promise<void> {
  await page.context().close();
  const context = await browser.newContext({ viewport });
  await context.route('**/*', (route) => {
    if (route.request().url().startsWith('file:')) return route.continue(); // the page, and a link it follows
    requests.push(route.request().url());
    return route.abort();
  });
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  await page.goto(pathToFileURL(file).href + hash);
}

test.afterAll(async () => {
  await browser?.close();
});

test.beforeEach(async () => {
  requests.length = 0;
  errors.length = 0;
  const context = await browser.newContext();
  // Self-contained: any request beyond the page itself is recorded and refused.
  await context.route('**/*', (route) => {
    if (route.request().url() === pathToFileURL(html).href) return route.continue();
    requests.push(route.request().url());
    return route.abort();
  });
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  await page.goto(pathToFileURL(html).href);
});

test.afterEach(async () => {
  expect(requests, 'the page loads nothing from the network').toEqual([]);
  expect(errors, 'no script errors').toEqual([]);
  await page.context().close();
});

const row = (id: string) => page.locator(`#grid tr.cell[data-cell="${id}"]`);

test('the page is one file: styles, script and data inline', () => {
  const text = readFileSync(html, 'utf8');
  expect(text).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
  expect(text).toContain('<script type="application/json" id="data">');
});

test('the grid renders: one row per cell, one column per suite, coloured by status', async () => {
  await expect(page.locator('h1')).toHaveText('CodeFlare support matrix — nightly');
  await expect(page.locator('#grid tr.cell')).toHaveCount(7);
  const suites = await page.locator('#grid thead th').allTextContents();
  expect(suites.slice(-7)).toEqual(['codeflare-operator', 'mcad', 'instascale', 'kuberay', 'sdk', 'integration', 'kueue']);
  const mcad = suites.indexOf('mcad');
  const cellOf = (id: string, col: number) => row(id).locator('td').nth(col);
  await expect(cellOf(CELLS.failed, mcad)).toHaveText('✗');
  await expect(cellOf(CELLS.failed, mcad)).toHaveAttribute('title', 'failed');
  await expect(cellOf(CELLS.failed, mcad)).toHaveClass(/st-failed/);
  await expect(cellOf(CELLS.failed, mcad)).toHaveCSS('background-color', 'rgb(207, 34, 46)');
  await expect(cellOf(CELLS.passed, mcad)).toHaveCSS('background-color', 'rgb(45, 164, 78)');
  await expect(cellOf(CELLS.flaky, suites.indexOf('sdk'))).toHaveClass(/st-flaky/);
  await expect(cellOf(CELLS.blocked, suites.indexOf('kuberay'))).toHaveClass(/st-blocked/);
  await expect(cellOf(CELLS.passed, suites.indexOf('instascale'))).toHaveClass(/st-not-applicable/);
  await expect(cellOf(CELLS.noOperator, suites.indexOf('mcad'))).toHaveClass(/st-none/);
  await expect(page.locator('#summary')).toContainText('3 passed');
  await expect(page.locator('#summary')).toContainText('no operator: CodeFlare-SDK v0.35.0, KubeRay v1.4.2, Kueue v0.13.4');
});

test('filters by component version and by status hide the other rows', async () => {
  await page.selectOption('#filter-kuberay', 'v1.0.0');
  for (const id of [CELLS.passed, CELLS.flaky, CELLS.blocked]) await expect(row(id)).toBeVisible();
  for (const id of [CELLS.failed, CELLS.mismatch, CELLS.noOperator, CELLS.notApplicable]) await expect(row(id)).toBeHidden();
  await page.selectOption('#filter-status', 'flaky');
  await expect(page.locator('#grid tr.cell:visible')).toHaveCount(1);
  await expect(row(CELLS.flaky)).toBeVisible();
  // The history rows follow the same filters.
  await expect(page.locator(`#history tr[data-cell="${CELLS.passed}"]`)).toBeHidden();
  await page.selectOption('#filter-status', '');
  await page.selectOption('#filter-kuberay', '');
  await expect(page.locator('#grid tr.cell:visible')).toHaveCount(7);
  await page.selectOption('#filter-codeflare-operator', 'v0.2.3');
  await expect(page.locator('#grid tr.cell:visible')).toHaveCount(1);
  await expect(page.locator('#history tbody tr:visible')).toHaveCount(1);
});

test('a failing cell shows its failure and the provenance of what ran on click', async () => {
  const detail = page.locator(`#grid tr.detail[data-detail="${CELLS.failed}"]`);
  await expect(detail).toBeHidden();
  await row(CELLS.failed).click();
  await expect(detail).toBeVisible();
  await expect(detail.locator('.failure')).toHaveCount(1);
  await expect(detail.locator('.failure')).toContainText('mcad › an AppWrapper larger than the fake nodes stays queued and is dispatched once a node is added');
  await expect(detail.locator('.failure pre')).toContainText('timed out waiting for AppWrapper aw-large to be Dispatched');
  await expect(detail.locator('.failure')).toContainText('mcad-controller log: cells/a/mcad/mcad-controller.log');
  const provenance = detail.locator('table.provenance');
  await expect(provenance.locator('tr')).toHaveCount(6); // header + operator, MCAD, InstaScale, KubeRay, SDK
  await expect(provenance).toContainText('github.com/project-codeflare/multi-cluster-app-dispatcher');
  await expect(provenance).toContainText('3b3f6f3c2ad8f1c4a4c2f5b4e6d2f1a0c9b8e7d6');
  await expect(provenance).toContainText('codeflare_sdk-0.7.1-py3-none-any.whl');
  await expect(detail).toContainText('needs openshift-machine-api');
  // A second click folds it again.
  await row(CELLS.failed).click();
  await expect(detail).toBeHidden();
  // A blocked cell says why, and that nothing past its setup ran.
  await row(CELLS.blocked).click();
  await expect(page.locator(`#grid tr.detail[data-detail="${CELLS.blocked}"]`)).toContainText('blocked — verifies nothing: install: kuberay v1.0.0: deployment kuberay-operator did not become ready');
});

test("a failure the cluster puts down to the environment shows the cluster's words in its cell's detail, and in the cell's reason", async () => {
  const results = JSON.parse(readFileSync(data('nightly.json'), 'utf8')) as Results;
  const cell = results.cells.find((c) => c.id === CELLS.failed)!;
  const failed = cell.suites.flatMap((s) => s.tests).find((t) => t.status === 'failed')!;
  failed.cause = { by: 'environment', what: 'capacity', scope: 'test', evidence: ['test-ns/aw-large-0: 0/1 nodes are available: 1 Insufficient cpu.', 'node kind: cpu 1550m of 2 requested (77%)'] };
  const dir = scratch();
  const file = join(dir, 'results.json');
  writeFileSync(file, JSON.stringify(results));
  await load(await report(file, join(dir, 'report.html')), `#cell=${CELLS.failed}`);
  const detail = page.locator(`#grid tr.detail[data-detail="${CELLS.failed}"]`);
  await expect(detail.locator('.failure .cause')).toContainText('The cluster says: environment (capacity)');
  await expect(detail.locator('.failure .cause li')).toHaveText(['test-ns/aw-large-0: 0/1 nodes are available: 1 Insufficient cpu.', 'node kind: cpu 1550m of 2 requested (77%)']);
  await expect(detail.locator(`tr.test[data-status="failed"] td`).last()).toContainText('the cluster says: environment (capacity)');
  await expect(detail.locator('p').first()).toContainText('the cluster says: environment (capacity): test-ns/aw-large-0: 0/1 nodes are available: 1 Insufficient cpu. (+1 more)');
});

test('history: runs as columns, newest first; the first failing run of a failing cell is marked', async () => {
  await expect(page.locator('#history-view')).toBeVisible();
  const runs = await page.locator('#history thead th').allTextContents();
  expect(runs.slice(1).map((r) => r.slice(0, 10))).toEqual(['2025-06-19', '2025-06-18', '2025-06-17', '2025-06-16']);
  const failing = page.locator(`#history tr[data-cell="${CELLS.failed}"] td`);
  expect(await failing.allTextContents()).toEqual([CELLS.failed, 'failed', '▼ failed', 'passed', 'passed']);
  await expect(failing.nth(2)).toHaveClass(/first-fail/);
  // v1.2.0 failed on the 16th and recovered: nothing to mark.
  const recovered = page.locator(`#history tr[data-cell="${CELLS.passed}"] td`);
  expect(await recovered.allTextContents()).toEqual([CELLS.passed, 'passed', 'passed', 'passed', 'failed']);
  await expect(page.locator(`#history tr[data-cell="${CELLS.passed}"] td.first-fail`)).toHaveCount(0);
  // Cells only in the newest run: absent from the older ones.
  expect(await page.locator(`#history tr[data-cell="${CELLS.noOperator}"] td`).allTextContents()).toEqual([CELLS.noOperator, 'passed', '—', '—', '—']);
});

test('a history view: newest release first, declared beside what ran, versions sorted as versions, filters kept in the URL', async () => {
  const ids = await page.locator('#grid tr.cell').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-cell')));
  const ops = ids.map((id) => /-op([\d.]+)-/.exec(id!)?.[1] ?? 'none');
  expect(ops).toEqual(['1.2.0', '1.1.0', '1.0.1', '1.0.0', '0.2.3', '0.0.4', 'none']);
  // where the published row declares another version than the cell ran, both are shown
  await expect(row(CELLS.blocked).locator('.differs')).toHaveAttribute('title', 'declared v0.0.0-dev'); // v1.0.1's row names a KubeRay that is no release
  await row(CELLS.blocked).click();
  await expect(page.locator(`#grid tr.detail[data-detail="${CELLS.blocked}"]`)).toContainText('KubeRay: asked v1.0.0, the published row declares v0.0.0-dev');
  // the recorded run's folder holds no logs: the page links none, and says so
  await expect(page.locator(`#grid tr.detail[data-detail="${CELLS.blocked}"] .links`)).toHaveCount(0);
  await expect(page.locator(`#grid tr.detail[data-detail="${CELLS.blocked}"]`)).toContainText('No logs');
  await row(CELLS.blocked).click(); // folded again: the URL no longer names it
  // versions sort as versions, newest first
  const sdk = await page.locator('#filter-codeflare-sdk option').allTextContents();
  expect(sdk.slice(1)).toEqual([...sdk.slice(1)].sort((a, b) => (a === b ? 0 : cmp(b, a))));
  // a filter is in the URL, and a URL with a filter opens filtered
  await page.locator('#filter-status').selectOption('failed');
  expect(new URL(page.url()).hash).toBe('#status=failed');
  await page.goto(page.url());
  await page.reload();
  await expect(page.locator('#grid tr.cell:not([hidden])')).toHaveCount(1);
  await expect(page.locator('#filter-status')).toHaveValue('failed');
});

/** Compares versions like v0.14.0 / v0.7.1 numerically. */
function cmp(a: string, b: string): number {
  const p = (v: string) => v.replace(/^v/, '').split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const [x, y] = [p(a), p(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] ?? -1) > (y[i] ?? -1) ? 1 : -1;
  return 0;
}

// A run folder as `run` leaves it, from reports/testdata/grid.json (12 cells: the nightly's 7, an era E
// cell at dev, and 4 cells this machine could not build): the cells that got a cluster have logs and
// Playwright's report, the 4 not run here only their Playwright log.
const GRID = JSON.parse(readFileSync(data('grid.json'), 'utf8')) as Results;
const NOT_RUN = GRID.cells.filter((c) => /^(not run|not buildable here): /.test(c.reason ?? '')).map((c) => c.id);
const RUN = GRID.cells.filter((c) => !NOT_RUN.includes(c.id)).map((c) => c.id);

function runFolder(dir: string, cells: Results['cells']): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify({ ...GRID, cells }));
  const file = (path: string) => { mkdirSync(dirname(join(dir, path)), { recursive: true }); writeFileSync(join(dir, path), 'made for the test\n'); };
  for (const c of cells) {
    file(`${c.artifacts}/playwright.log`);
    if (NOT_RUN.includes(c.id)) continue;
    file(`${c.artifacts}/logs/kuberay-operator.log`);
    file(`${c.artifacts}/playwright-report/index.html`);
    for (const a of c.suites.flatMap((s) => s.tests.flatMap((t) => t.attachments))) file(a.path);
  }
  return join(dir, 'results.json');
}

async function report(results: string, out: string): Promise<string> {
  const r = await cli(['report', results, '--format', 'html', '--out', out]);
  expect(r.exitCode, r.all).toBe(0);
  return out;
}

/** Every link of the page, every cell opened and the folded ones shown: each must name a file or folder that is there. */
async function linksResolve(): Promise<number> {
  await page.locator('tr.fold').click();
  for (const tr of await page.locator('#grid tr.cell').all()) await tr.click();
  const hrefs = await page.locator('#grid a[href]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  for (const href of hrefs) expect(existsSync(fileURLToPath(href)), href).toBe(true);
  return hrefs.length;
}

/** The visible rows of the grid: height, and whether the id cell's text fits on its line. */
const measureRows = () => page.locator('#grid tr.cell:visible').evaluateAll((rows) => rows.map((r) => {
  const id = (r as HTMLTableRowElement).cells[0]!;
  return { id: r.getAttribute('data-cell'), height: r.getBoundingClientRect().height, idFits: id.scrollWidth <= id.clientWidth, idLines: Math.round(id.querySelector('code')!.getBoundingClientRect().height / parseFloat(getComputedStyle(id.querySelector('code')!).lineHeight || '16')) };
}));

test.describe('a run folder at a glance', () => {
  let html: string;
  test.beforeAll(async () => {
    const dir = join(scratch(), 'run');
    html = await report(runFolder(dir, GRID.cells), join(dir, 'report.html'));
  });

  for (const viewport of [{ width: 1400, height: 1000 }, { width: 1920, height: 1080 }]) {
    test(`at ${viewport.width} × ${viewport.height} without filters: one line per cell, ids whole, no sideways scroll, the cells not run here folded into one line`, async () => {
      await load(html, '', viewport);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      const rows = await measureRows();
      expect(rows.map((r) => r.id).sort()).toEqual([...RUN].sort());
      const line = await page.locator('#grid tr.cell td.id').first().evaluate((td) => parseFloat(getComputedStyle(td).fontSize) * 1.4 + 8);
      for (const r of rows) {
        expect(r.height, `${r.id} is one line`).toBeLessThanOrEqual(line + 2);
        expect(r.idFits, `${r.id} is not clipped`).toBe(true);
      }
      // every run cell above the fold at 1000 px: the grid reads without scrolling
      const bottom = await page.locator('#grid tr.cell:visible').last().evaluate((r) => r.getBoundingClientRect().bottom);
      expect(bottom).toBeLessThanOrEqual(viewport.height);
      const fold = page.locator('#grid tr.fold');
      await expect(fold).toHaveText(`▸ ${NOT_RUN.length} cells not run here: this machine could not build them (show)`);
      await fold.click();
      const all = await measureRows();
      expect(all).toHaveLength(GRID.cells.length);
      for (const r of all) expect(r.height, `${r.id} is one line`).toBeLessThanOrEqual(line + 2);
      // the folded cells come last
      expect(all.slice(-NOT_RUN.length).map((r) => r.id).sort()).toEqual([...NOT_RUN].sort());
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await expect(page.locator('#summary')).toContainText(`${NOT_RUN.length} not run here`);
    });
  }

  test("a passed cell's detail lists every test with its status and duration", async () => {
    await load(html);
    const cell = GRID.cells.find((c) => c.id === CELLS.passed)!;
    await page.locator(`#grid tr.cell[data-cell="${cell.id}"]`).click();
    const detail = page.locator(`#grid tr.detail[data-detail="${cell.id}"]`);
    const tests = cell.suites.flatMap((s) => s.tests);
    await expect(detail.locator('tr.test')).toHaveCount(tests.length);
    await expect(detail.locator('tr.test[data-status="passed"]')).toHaveCount(tests.filter((t) => t.status === 'passed').length);
    const first = tests[0]!;
    await expect(detail.locator('tr.test').first()).toContainText(first.title);
    await expect(detail.locator('tr.test').first()).toContainText(`${Math.round(first.durationMs / 100) / 10}s`);
    await expect(detail.locator('.links a')).toHaveText(['logs', 'Playwright report', 'Playwright log']);
  });

  test('a deep link opens its cell, a folded one too', async () => {
    await load(html, `#cell=${CELLS.flaky}`);
    await expect(page.locator(`#grid tr.detail[data-detail="${CELLS.flaky}"]`)).toBeVisible();
    await expect(page.locator(`#grid tr.detail[data-detail="${CELLS.flaky}"] tr.test[data-status="flaky"]`)).toHaveCount(1);
    await expect(page.locator(`#grid tr.cell[data-cell="${CELLS.flaky}"]`)).toBeInViewport();
    await load(html, `#cell=${NOT_RUN[0]}`);
    await expect(page.locator(`#grid tr.detail[data-detail="${NOT_RUN[0]}"]`)).toBeVisible();
    await expect(page.locator(`#grid tr.detail[data-detail="${NOT_RUN[0]}"]`)).toContainText('not run here — verifies nothing: not ');
    // opening a cell puts it in the URL
    await page.locator(`#grid tr.cell[data-cell="${CELLS.passed}"]`).click();
    expect(new URL(page.url()).hash).toBe(`#cell=${CELLS.passed}`);
  });

  test('search narrows the rows by id, version or test name', async () => {
    await load(html);
    const visible = () => page.locator('#grid tr.cell:visible').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-cell')).sort());
    await page.fill('#search', CELLS.failed);
    expect(await visible()).toEqual([CELLS.failed]);
    const test = 'scales the matching MachineSet';
    await page.fill('#search', test);
    expect(await visible()).toEqual(RUN.filter((id) => GRID.cells.find((c) => c.id === id)!.suites.some((s) => s.tests.some((t) => t.title.includes(test)))).sort());
    await page.fill('#search', 'v1.38.1');
    expect(await visible()).toEqual([CELLS.blocked]);
    await page.fill('#search', 'nothing-matches-this');
    expect(await visible()).toEqual([]);
    await expect(page.locator('#none')).toBeVisible();
    await page.fill('#search', '');
    expect(await visible()).toEqual([...RUN].sort());
  });

  test('Tab reaches the rows, Enter opens one and Space folds it, focus is visible', async () => {
    await load(html);
    await page.locator('#search').focus();
    for (let i = 0; i < 20 && !(await page.evaluate(() => document.activeElement?.matches('tr.cell'))); i++) await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.getAttribute('data-cell'));
    expect(id).toBe(RUN.length ? await page.locator('#grid tr.cell').first().getAttribute('data-cell') : null);
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid');
    await page.keyboard.press('Enter');
    await expect(page.locator(`#grid tr.detail[data-detail="${id}"]`)).toBeVisible();
    await page.keyboard.press(' ');
    await expect(page.locator(`#grid tr.detail[data-detail="${id}"]`)).toBeHidden();
  });

  test('every link of the page names a file of the run folder', async () => {
    await load(html);
    const n = await linksResolve();
    // logs, Playwright's report and log of each run cell, the log of each cell not run here, the failure's attachments
    expect(n).toBe(RUN.length * 3 + NOT_RUN.length + 3);
  });

  test('in a merged report, the links name the shards\' files where they are', async () => {
    const dir = scratch();
    const half = Math.ceil(GRID.cells.length / 2);
    const a = runFolder(join(dir, 'shards', 'shard-1'), GRID.cells.slice(0, half));
    const b = runFolder(join(dir, 'shards', 'shard-2'), GRID.cells.slice(half));
    const merged = join(dir, 'merged', 'results.json');
    mkdirSync(dirname(merged));
    const r = await cli(['merge', merged, a, b]);
    expect(r.exitCode, r.all).toBe(0);
    await load(await report(merged, join(dir, 'merged', 'report.html')));
    expect(await linksResolve()).toBe(RUN.length * 3 + NOT_RUN.length + 3);
  });
});
