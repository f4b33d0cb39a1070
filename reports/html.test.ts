// The HTML report opened in Debian's Chromium (headless, driven by Playwright through
// executablePath) with the network cut off: the grid renders, filters hide rows, a failing cell
// shows its failure and provenance on click, and the history marks where a failure began.
import { test, expect, chromium, type Browser, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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
  await expect(cellOf(CELLS.failed, mcad)).toHaveText('failed');
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

test('a history view: newest release first, declared beside what ran, logs linked, versions sorted as versions, filters kept in the URL, 1400 px wide', async () => {
  const ids = await page.locator('#grid tr.cell').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-cell')));
  const ops = ids.map((id) => /-op([\d.]+)-/.exec(id!)?.[1] ?? 'none');
  expect(ops).toEqual(['1.2.0', '1.1.0', '1.0.1', '1.0.0', '0.2.3', '0.0.4', 'none']);
  // where the published row declares another version than the cell ran, both are shown
  await expect(row(CELLS.blocked).locator('.differs')).toHaveText(['declared v0.0.0-dev']); // v1.0.1's row names a KubeRay that is no release
  // a cell's status links to its logs, relative to the page
  const href = await row(CELLS.failed).locator('td.st a').first().getAttribute('href');
  expect(href).toMatch(/^(\.\.\/)*[^:]*cells\/a-k1\.27-op0\.2\.3-6a8a7a3a\/logs\/$/);
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
  await page.setViewportSize({ width: 1400, height: 900 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1400);
});

/** Compares versions like v0.14.0 / v0.7.1 numerically. */
function cmp(a: string, b: string): number {
  const p = (v: string) => v.replace(/^v/, '').split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const [x, y] = [p(a), p(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] ?? -1) > (y[i] ?? -1) ? 1 : -1;
  return 0;
}
