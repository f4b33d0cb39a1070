// A self-contained HTML page of the results (opens without a network: CSS and script inline, the
// data embedded as JSON): the cells × suites grid, one line per cell, coloured by status; the cells
// this machine could not build folded into one line at the end; a cell's tests, failures, logs and
// provenance on click or Enter; a search box, filters by component version and status, deep links
// (#cell=<id>), and the history across runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { withRole, type Catalog, type ComponentId } from '../matrix/catalog/index.js';
import type { History } from './history.js';
import type { CellResult, Results } from '../model/results.js';
import { ran, summarizeProvenance, whyNot, type SupportMatrix } from './support-matrix.js';

/** Errors can be whole logs; the page keeps the start of each (the artifacts hold the rest). */
const clip = (s: string, n = 4000): string => (s.length > n ? `${s.slice(0, n)}\n… (${s.length - n} more characters in the artifacts)` : s);

/** Newest operator release first (semver, prereleases before their release); cells without the operator last. */
const byRelease = (operator: ComponentId) => (a: CellResult, b: CellResult): number => {
  const [x, y] = [semver.valid(a.requested[operator]), semver.valid(b.requested[operator])];
  if (x && y) return semver.rcompare(x, y);
  return x ? -1 : y ? 1 : 0;
};

/** A cell blocked before its setup by what the plan knew (harness matrix/cell.ts blockedAhead): not run here, never a failure. */
export const notRunHere = (c: CellResult): boolean => c.status === 'blocked' && /^(not run|not buildable here): /.test(c.reason ?? '');

/** What a cell's folder may hold that a reader wants, in the order the page lists them. */
const CELL_FILES = [
  { name: 'logs', path: 'logs/' },
  { name: 'Playwright report', path: 'playwright-report/index.html' },
  { name: 'Playwright log', path: 'playwright.log' },
];

/**
 * `base`: where the page's links start from, relative to the page (the results file's folder, as
 * seen from the page). `dir`: that folder on this machine; given, only files that are there are
 * linked (a cell that never got a cluster has no logs), so no link of the page goes nowhere.
 */
export function pageData(results: Results, m: SupportMatrix, catalog: Catalog, hist?: History, base = '', dir?: string) {
  const verified = new Set(m.stacks.flatMap((s) => s.cells.map((c) => c.id)));
  const operator = withRole(catalog, 'operator').id;
  const ids = [withRole(catalog, 'cluster').id, ...catalog.readmeOrder].filter((id) => results.cells.some((c) => c.requested[id]));
  const suites = [...new Set(results.cells.flatMap((c) => c.suites.map((s) => s.name)))];
  const there = (path: string): boolean => dir === undefined || existsSync(join(dir, path));
  const href = (path: string): string | null => (there(path) ? link(base, path) : null);
  return {
    title: `CodeFlare support matrix — ${results.config.name}`,
    meta: `strategy ${results.strategy} · provider ${results.provider} · config ${results.config.path} (${results.config.hash.slice(0, 19)}) · ${results.harness.name} ${results.harness.version} · runs ${results.runs.map((r) => `${r.id} (${r.finishedAt})`).join(', ')}`,
    allowFlaky: m.allowFlaky,
    components: ids.map((id) => ({ id, title: catalog.components.find((c) => c.id === id)!.title })),
    suites,
    stacks: m.stacks.map((s) => ({ operator: s.operator ?? '—', rows: s.rows.filter((r) => r.component !== operator).map((r) => `${r.title} ${r.version}`), cells: s.cells.map((c) => c.id), notes: s.notes })),
    cells: [...results.cells].sort(byRelease(operator)).map((c) => ({
      id: c.id,
      title: c.title,
      era: c.era,
      status: c.status,
      notRun: notRunHere(c),
      verified: verified.has(c.id),
      reason: c.status === 'passed' ? '' : whyNot(c),
      provider: c.provider,
      versions: c.requested,
      // what the published row of this release declares, beside what the cell ran
      declared: catalog.published.find((r) => r.operator === c.requested[operator])?.declared ?? {},
      ran: Object.fromEntries(ids.flatMap((id) => (ran(catalog, c, id) ? [[id, ran(catalog, c, id)!.version]] : []))),
      upgradeFrom: c.upgradeFrom ?? null,
      suites: Object.fromEntries(
        c.suites.map((s) => [s.name, { status: s.status, reason: s.reason ?? '', tests: s.tests.map((t) => ({ title: t.title, status: t.status, label: t.label?.kind ?? '', labelEvidence: t.label?.evidence ?? '', reason: t.reason ?? '', cause: t.cause ? `${t.cause.by} (${t.cause.what}${t.cause.scope === 'suite' ? ', seen during the suite' : ''})` : '', evidence: t.cause?.evidence ?? [], retries: t.retries, durationMs: t.durationMs, errors: t.errors.map((e) => clip(e)), attachments: t.attachments.map((a) => ({ name: a.name, path: a.path, href: href(a.path) })) })) }]),
      ),
      provenance: c.provenance.map((p) => summarizeProvenance(catalog, p)),
      differences: c.differences,
      artifacts: c.artifacts ?? '',
      links: c.artifacts ? CELL_FILES.flatMap((f) => (there(`${c.artifacts}/${f.path}`) ? [{ name: f.name, href: link(base, `${c.artifacts}/${f.path}`) }] : [])) : [],
      phases: c.phases,
      finishedAt: c.finishedAt ?? '',
    })),
    history: hist ?? null,
  };
}

/** A relative link from the page to a file of the run folder (paths in results are relative to it). */
const link = (base: string, path: string): string => (base ? `${base.replace(/\/$/, '')}/${path}` : path).split('/').map(encodeURIComponent).join('/');

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

export function renderHtml(results: Results, m: SupportMatrix, catalog: Catalog, hist?: History, base = '', dir?: string): string {
  const data = pageData(results, m, catalog, hist, base, dir);
  // "<" escaped inside the JSON, so no string in the data can close the script element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(data.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1></h1><p id="meta"></p></header>
<section id="summary"></section>
<section id="filters" aria-label="search and filters"><label class="search"><span>Search</span><input type="search" id="search" placeholder="cell id, title, version or test name" autocomplete="off"></label></section>
<p class="hint">A cell's tests, logs and provenance: click its row, or Tab to it and press Enter. <span class="legend"></span></p>
<table id="grid"><colgroup></colgroup><thead></thead><tbody id="run-cells"></tbody><tbody id="not-run"></tbody></table>
<p id="none" class="hint" hidden>No cell matches the search and filters.</p>
<section id="history-view" hidden>
<h2>History</h2>
<p class="hint">Columns are runs, newest first; <span class="first-fail-key">▼</span> marks the run where a cell failing now began to fail.</p>
<table id="history"><thead></thead><tbody></tbody></table>
</section>
<script type="application/json" id="data">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

// One line per cell: every grid cell is nowrap and clipped with an ellipsis (the whole text in its
// title), the table laid out fixed at the page's width, so the page never scrolls sideways.
const CSS = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --line: #d1d9e0; --head: #f6f8fa; --detail: #f6f8fa; --hover: #eef1f4; --err: #fff0f0; --focus: #0969da; --link: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --line: #3d444d; --head: #161b22; --detail: #121821; --hover: #1c232c; --err: #2d1517; --focus: #4493f8; --link: #4493f8; } }
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 1.5em; color: var(--fg); background: var(--bg); }
a { color: var(--link); }
h1 { font-size: 1.4em; margin: 0 } h2 { font-size: 1.15em; margin: 1.2em 0 .4em; } #meta, .hint { color: var(--muted); margin: .3em 0; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; }
#grid > thead th, #history th { position: sticky; top: 0; z-index: 1; }
#grid { width: 100%; table-layout: fixed; border-collapse: separate; border-spacing: 0; }
#grid > * > tr > * { border-width: 0 1px 1px 0; } #grid > * > tr > :first-child { border-left-width: 1px; } #grid > thead th { border-top-width: 1px; }
#grid thead th { vertical-align: bottom; font-size: 11.5px; }
#grid thead th.suite { text-align: center; padding: 4px 0; } #grid thead th.suite span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
#grid tr.cell td { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: 13px; }
#grid td.id code, code.id { font-size: 12.5px; }
tr.cell, tr.fold { cursor: pointer; } tr.cell:hover td:not(.st), tr.fold:hover td { background: var(--hover); }
tr.cell:focus-visible, tr.fold:focus-visible { outline: 2px solid var(--focus); outline-offset: -2px; }
tr.cell.open td.id { box-shadow: inset 4px 0 0 var(--focus); }
.differs { color: #cf222e; font-weight: bold; margin-left: .25em; }
@media (prefers-color-scheme: dark) { .differs { color: #ff7b72; } }
.st { text-align: center; white-space: nowrap; font-size: 12px; }
.st-passed { background: #2da44e; color: #fff; } .st-failed { background: #cf222e; color: #fff; }
.label { font-size: 11px; padding: 0 4px; margin-left: 6px; border-radius: 3px; background: var(--hover); border: 1px solid var(--line); } .label-regression { background: #cf222e; color: #fff; }
.st-flaky { background: #d4a72c; color: #000; } .st-blocked { background: #8250df; color: #fff; }
.st-not-applicable { background: #e6e8eb; color: #59636e; } .st-none { color: var(--muted); }
.st-not-run { box-shadow: inset 0 0 0 1px #8250df; color: var(--fg); }
tr.fold td { color: var(--muted); font-style: italic; }
#filters { display: flex; flex-wrap: wrap; gap: .4em 1em; margin: .8em 0 .3em; align-items: center; }
#filters label { display: flex; gap: .3em; align-items: center; } #filters select { max-width: 11em; }
#filters .search input { width: 24em; }
#summary p { margin: .4em 0; } #summary ul { margin: .2em 0; padding-left: 1.4em; }
#summary .chip, .legend .chip { display: inline-block; padding: 0 8px; border-radius: 10px; margin-right: .4em; }
.legend .chip { font-size: 12px; }
.detail > td { background: var(--detail); padding: .4em 1em 1em; }
.detail .wrap { overflow-x: auto; }
.detail h3 { margin: .3em 0; font-size: 1.05em; } .detail h4 { margin: .9em 0 .3em; }
.detail table { font-size: 12px; margin: .2em 0; width: 100%; }
.detail table td { overflow-wrap: anywhere; }
.detail table.tests td:first-child { white-space: nowrap; }
#summary summary { cursor: pointer; }
.detail td.num { text-align: right; white-space: nowrap; width: 6em; } .detail td.st { width: 8em; }
.detail pre { background: var(--err); border-left: 3px solid #cf222e; padding: .5em; margin: .3em 0; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 20em; overflow: auto; }
.detail .links a { margin-right: 1em; }
td.first-fail { outline: 3px solid var(--fg); outline-offset: -3px; font-weight: bold; }
.first-fail-key { font-weight: bold; }
#history td:first-child { white-space: nowrap; }
code { font-size: 12px; }
`;

// Plain DOM script; every piece of data goes in as text (textContent), never as markup.
const SCRIPT = `
'use strict';
const data = JSON.parse(document.getElementById('data').textContent);
const h = (tag, props = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  for (const k of kids.flat()) if (k !== null && k !== undefined && k !== '') e.append(k);
  return e;
};
// A status reads by its mark as well as its colour.
const MARK = { passed: '✓', failed: '✗', flaky: '~', blocked: '■', 'not-applicable': '–', 'not-run': '·' };
const statusCell = (status, tag = 'td') => h(tag, { class: 'st st-' + (status || 'none'), text: status || '—', title: status || 'not in this run' });
const markCell = (status, why) => h('td', { class: 'st st-' + (status || 'none'), text: status ? MARK[status] || status : '', title: status ? status + (why ? ': ' + why : '') : 'not in this run' });
const seconds = (ms) => (ms >= 60000 ? Math.floor(ms / 60000) + 'm' + String(Math.round((ms % 60000) / 1000)).padStart(2, '0') + 's' : (Math.round(ms / 100) / 10) + 's');

document.querySelector('h1').textContent = data.title;
document.getElementById('meta').textContent = data.meta;
document.querySelector('.legend').append(...['passed', 'failed', 'flaky', 'blocked', 'not-applicable'].map((s) => h('span', { class: 'chip st st-' + s, text: MARK[s] + ' ' + s })));

// Summary: counts by status (the cells not run here apart), and the stacks the results verify.
const counts = {};
for (const c of data.cells) { const s = c.notRun ? 'not-run' : c.status; counts[s] = (counts[s] || 0) + 1; }
document.getElementById('summary').append(
  h('p', {}, ...Object.entries(counts).map(([s, n]) => h('span', { class: 'chip st st-' + s, text: n + ' ' + (s === 'not-run' ? 'not run here' : s) }))),
  // the verified stacks fold away when there are many: the grid stays in the first screen
  data.stacks.length ? h('details', data.stacks.length <= 4 ? { open: '' } : {},
    h('summary', { text: data.stacks.length + ' verified stack' + (data.stacks.length === 1 ? '' : 's') + (data.allowFlaky ? ' (flaky allowed)' : '') }),
    h('ul', {}, data.stacks.map((s) => h('li', { text: (s.operator === '—' ? 'no operator' : 'CodeFlare Operator ' + s.operator) + ': ' + s.rows.join(', ') + ' (' + s.cells.length + ' cell' + (s.cells.length === 1 ? '' : 's') + ')' + (s.notes.length ? ' — note: ' + s.notes.join('; ') : '') })))) : h('p', { text: 'No stack verified: no cell passed.' }),
);

// The view lives in the URL (#cell=<id>&q=…&kuberay=v1.3.2&status=failed), so it can be shared.
const state = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
const VIEW_KEYS = ['cell', 'q'];
const save = () => history.replaceState(null, '', '#' + new URLSearchParams(Object.entries(state).filter(([, v]) => v)).toString());
const filterBox = document.getElementById('filters');
const addFilter = (key, label, values) => {
  const sel = h('select', { id: 'filter-' + key }, h('option', { value: '', text: 'all' }), values.map((v) => h('option', { value: v, text: v })));
  sel.value = state[key] || '';
  sel.addEventListener('change', () => { state[key] = sel.value; save(); apply(); });
  filterBox.append(h('label', {}, h('span', { text: label }), sel));
};
// Versions sort as versions (v1.10.0 after v1.9.0; v1.0.0-rc.1 before v1.0.0), newest first.
const parts = (v) => { const m = /^v?(\\d+)\\.(\\d+)\\.(\\d+)(?:-(.+))?/.exec(v) || []; return [+m[1] || 0, +m[2] || 0, +m[3] || 0, m[4]]; };
const byVersion = (a, b) => { const [x, y] = [parts(a), parts(b)]; for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return y[i] - x[i]; return x[3] === y[3] ? 0 : x[3] === undefined ? -1 : y[3] === undefined ? 1 : (y[3] > x[3] ? 1 : -1); };
const versionsOf = (id) => [...new Set(data.cells.map((c) => c.versions[id]).concat((data.history ? data.history.cells : []).map((c) => c.requested[id])).filter(Boolean))].sort(byVersion);
for (const c of data.components) addFilter(c.id, c.title, versionsOf(c.id));
addFilter('status', 'Status', [...new Set(data.cells.map((c) => c.status))].sort());
const search = document.getElementById('search');
search.value = state.q || '';
search.addEventListener('input', () => { state.q = search.value.trim(); save(); apply(); });
// Every search word must be in the cell's id, title, a version or a test's name.
const haystack = (c) => [c.id, c.title, ...Object.values(c.versions), ...Object.entries(c.suites).flatMap(([n, s]) => [n, ...s.tests.map((t) => t.title)])].join('\\n').toLowerCase();
const matches = (c) => (state.q || '').toLowerCase().split(/\\s+/).filter(Boolean).every((w) => haystack(c).includes(w));
const shown = (versions, status) => Object.entries(state).every(([k, v]) => !v || VIEW_KEYS.includes(k) || (k === 'status' ? status === v : versions[k] === v));

// A pseudo-version (v1.5.0-0.20250711093412-7fc158c0e1f2) reads by its base and commit; the title keeps it whole.
const short = (v) => v.replace(/^(v\\d+\\.\\d+\\.\\d+)-(?:.*\\.)?\\d{14}-([0-9a-f]{7})[0-9a-f]{5}$/, '$1…$2');

// The grid: one row per cell, one column per suite; the cells not run here after the others, folded.
const grid = document.getElementById('grid');
const width = 3 + data.components.length + data.suites.length;
grid.tHead.append(h('tr', {}, h('th', { text: 'cell' }), h('th', { text: 'era', title: "the operator's era" }), data.components.map((c) => h('th', { text: c.title })), h('th', { text: 'status' }), data.suites.map((s) => h('th', { class: 'suite', title: 'suite ' + s }, h('span', { text: s })))));
// Fixed layout: the id column as wide as the longest id, era, status and suites narrow and fixed, the versions share the rest.
const measure = (text, tag = 'span', cls = '') => { const e = h(tag, { class: cls, text, style: 'position:absolute;visibility:hidden;white-space:nowrap' }); document.body.append(e); const w = e.getBoundingClientRect().width; e.remove(); return Math.ceil(w); };
const idWidth = Math.max(...data.cells.map((c) => measure(c.id, 'code', 'id')), measure('cell')) + 16;
const cols = document.querySelector('#grid colgroup');
cols.append(...[h('col', { style: 'width:' + idWidth + 'px' }), h('col', { style: 'width:2.6em' }), data.components.map(() => h('col', {})), h('col', { style: 'width:8.4em' }), data.suites.map(() => h('col', { style: 'width:2.4em' }))].flat());
const rows = [];
const notRunBody = document.getElementById('not-run');
const notRun = data.cells.filter((c) => c.notRun);
const fold = h('tr', { class: 'fold', tabindex: '0', role: 'button', 'aria-expanded': 'false' }, h('td', { colspan: String(width) }));
if (notRun.length) notRunBody.append(fold);
const setFold = (open) => { fold.setAttribute('aria-expanded', String(open)); apply(); };
fold.addEventListener('click', () => setFold(fold.getAttribute('aria-expanded') !== 'true'));
fold.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); setFold(fold.getAttribute('aria-expanded') !== 'true'); } });
for (const cell of data.cells) {
  // each component: the version the cell asked for; where the published row declares another, or the binary ran another, a mark with both
  const version = (id) => {
    const asked = cell.versions[id] || '';
    const notes = [cell.declared[id] && cell.declared[id] !== asked ? 'declared ' + cell.declared[id] : '', cell.ran[id] && cell.ran[id] !== asked ? 'ran ' + cell.ran[id] : ''].filter(Boolean);
    return h('td', { title: [asked, ...notes].join(', ') }, short(asked), notes.length ? h('span', { class: 'differs', text: '≠', title: notes.join(', ') }) : null);
  };
  const status = cell.notRun ? 'not-run' : cell.status;
  const tr = h('tr', { class: 'cell', 'data-cell': cell.id, tabindex: '0', 'aria-expanded': 'false' },
    h('td', { class: 'id', title: cell.title }, h('code', { text: cell.id })), h('td', { text: cell.era }), data.components.map((c) => version(c.id)),
    h('td', { class: 'st st-' + status, text: cell.notRun ? 'not run' : cell.status, title: cell.reason || cell.status }),
    data.suites.map((s) => markCell(cell.suites[s] ? (cell.notRun ? 'not-run' : cell.suites[s].status) : null, cell.suites[s] ? cell.suites[s].reason : '')));
  const detail = h('tr', { class: 'detail', 'data-detail': cell.id, hidden: '' }, h('td', { colspan: String(width) }));
  const toggle = (open = detail.hidden) => {
    if (open && !detail.firstChild.firstChild) detail.firstChild.append(h('div', { class: 'wrap' }, details(cell)));
    detail.hidden = !open;
    tr.classList.toggle('open', open);
    tr.setAttribute('aria-expanded', String(open));
    state.cell = open ? cell.id : state.cell === cell.id ? '' : state.cell;
    save();
  };
  tr.addEventListener('click', () => toggle());
  tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
  (cell.notRun ? notRunBody : document.getElementById('run-cells')).append(tr, detail);
  rows.push({ cell, tr, detail, toggle });
}

// A failure's label against the baseline, a small badge (reports/baseline.ts).
function labelBadge(t) {
  return t.label ? h('span', { class: 'label label-' + t.label, title: t.labelEvidence, text: t.label }) : null;
}
function details(cell) {
  const out = [h('h3', { text: cell.title }), h('p', { text: (cell.notRun ? 'not run here' : cell.status) + (cell.verified ? ' — verifies its stack' : ' — verifies nothing') + (cell.reason ? ': ' + cell.reason : '') })];
  if (cell.links.length) out.push(h('p', { class: 'links' }, cell.links.map((l) => h('a', { href: l.href, text: l.name }))));
  else if (cell.artifacts) out.push(h('p', { class: 'hint', text: 'No logs: nothing of this cell is in ' + cell.artifacts + ' beside the results.' }));
  // Every test, passed ones too: suite, test, status (and why), duration; under a failure, its errors and attachments.
  const tests = Object.entries(cell.suites).flatMap(([name, s]) => s.tests.map((t) => ({ name, t })));
  out.push(h('h4', { text: 'Tests (' + tests.length + ')' }));
  if (!tests.length) out.push(h('p', { text: 'No test ran.' }));
  else out.push(h('table', { class: 'tests' },
    h('tr', {}, ['suite', 'test', 'status', 'duration', 'why'].map((x) => h('th', { text: x }))),
    tests.flatMap(({ name, t }) => {
      const bad = t.status === 'failed' || t.status === 'flaky';
      const row = h('tr', { class: 'test', 'data-status': t.status }, h('td', { text: name }), h('td', {}, t.title, labelBadge(t)), statusCell(t.status), h('td', { class: 'num', text: seconds(t.durationMs) }), h('td', { text: [t.retries ? 'retries ' + t.retries : '', t.reason, t.cause && 'the cluster says: ' + t.cause].filter(Boolean).join('; ') }));
      if (!bad || (!t.errors.length && !t.attachments.length && !t.evidence.length)) return [row];
      return [row, h('tr', { class: 'failure' }, h('td', { colspan: '5' }, h('b', { text: name + ' › ' + t.title }), labelBadge(t), t.errors.map((e) => h('pre', { text: e })),
        // the cluster's own words for a failure it puts down to the environment
        t.evidence.length ? h('div', { class: 'cause' }, h('p', { text: 'The cluster says: ' + t.cause }), h('ul', {}, t.evidence.map((e) => h('li', { text: e })))) : null,
        t.attachments.length ? h('ul', {}, t.attachments.map((a) => h('li', {}, a.name + ': ', a.href ? h('a', { href: a.href, text: a.path }) : h('span', { text: a.path + ' (not in this folder)' })))) : null))];
    })));
  out.push(h('h4', { text: 'Provenance' }));
  if (!cell.provenance.length) out.push(h('p', { text: 'No provenance: nothing was installed, or the run stopped before.' }));
  else out.push(h('table', { class: 'provenance' },
    h('tr', {}, ['component', 'requested', 'resolved', 'module', 'commit', 'hash', 'compiled in', 'differences'].map((x) => h('th', { text: x }))),
    cell.provenance.map((p) => h('tr', {}, [p.component, p.requested, p.resolved, p.module, p.commit || '', [p.sum, p.binarySha256 && 'binary sha256:' + p.binarySha256, p.imageDigest, p.wheel && p.wheel.file + ' sha256:' + p.wheel.sha256, p.interpreter && 'Python ' + p.interpreter.version + ' (' + p.interpreter.path + ')', p.tools && 'tools: ' + p.tools.join('; ')].filter(Boolean).join(' '), p.deps.map((d) => d.path + ' ' + d.version).join('; '), p.differences.join('; ')].map((x) => h('td', { text: x || '' }))))));
  const marks = data.components.flatMap((c) => {
    const asked = cell.versions[c.id];
    return [cell.declared[c.id] && cell.declared[c.id] !== asked ? c.title + ': asked ' + (asked || 'none') + ', the published row declares ' + cell.declared[c.id] : '', cell.ran[c.id] && cell.ran[c.id] !== asked ? c.title + ': asked ' + (asked || 'none') + ', ran ' + cell.ran[c.id] : ''].filter(Boolean);
  });
  if (cell.differences.length || marks.length) out.push(h('h4', { text: 'What ran differs from what was asked' }), h('ul', {}, [...marks, ...cell.differences].map((x) => h('li', { text: x }))));
  const facts = ['provider ' + cell.provider, cell.upgradeFrom ? 'upgrade from ' + JSON.stringify(cell.upgradeFrom) : '', cell.finishedAt ? 'finished ' + cell.finishedAt : '', cell.artifacts ? 'artifacts ' + cell.artifacts : '', Object.entries(cell.phases).map(([k, v]) => k + ' ' + seconds(v)).join(', ')].filter(Boolean);
  out.push(h('p', { class: 'hint', text: facts.join(' · ') }));
  return out;
}

// History: one column per run (newest first), one row per cell; the run where a failing cell began to fail is marked.
const hrows = [];
const hist = data.history;
if (hist) {
  document.getElementById('history-view').hidden = false;
  const table = document.getElementById('history');
  table.tHead.append(h('tr', {}, h('th', { text: 'cell' }), hist.runs.map((r) => h('th', { text: r.label, title: r.file }))));
  for (const c of hist.cells) {
    const tr = h('tr', { 'data-cell': c.id }, h('td', { title: c.title }, h('code', { text: c.id })), hist.statuses[c.id].map((s, i) => {
      const td = statusCell(s);
      // a cell not run here is no failure: its newest status says so, and no failure is marked as begun
      const here = data.cells.find((x) => x.id === c.id);
      if (here && here.notRun) { if (i === 0 && s === 'blocked') { td.className = 'st st-not-run'; td.textContent = 'not run'; td.title = here.reason; } return td; }
      if (hist.firstFailing[c.id] === i) { td.classList.add('first-fail'); td.textContent = '▼ ' + s; td.title = 'first failing run of this cell\\'s current failures'; }
      return td;
    }));
    table.tBodies[0].append(tr);
    hrows.push({ c, tr });
  }
}

function apply() {
  const open = fold.getAttribute('aria-expanded') === 'true';
  let visible = 0;
  let folded = 0;
  for (const r of rows) {
    const hit = shown(r.cell.versions, r.cell.status) && matches(r.cell);
    if (hit && r.cell.notRun) folded++;
    const hide = !hit || (r.cell.notRun && !open);
    if (!hide) visible++;
    r.tr.hidden = hide;
    if (hide) r.detail.hidden = true;
    else if (r.tr.classList.contains('open')) r.detail.hidden = false;
  }
  fold.hidden = folded === 0;
  fold.firstChild.textContent = (open ? '▾ ' : '▸ ') + folded + ' cell' + (folded === 1 ? '' : 's') + ' not run here: this machine could not build ' + (folded === 1 ? 'it' : 'them') + ' (' + (open ? 'hide' : 'show') + ')';
  fold.title = [...new Set(notRun.map((c) => c.reason))].join('\\n');
  document.getElementById('none').hidden = visible > 0 || folded > 0;
  for (const r of hrows) r.tr.hidden = !shown(r.c.requested, (data.cells.find((x) => x.id === r.c.id) || {}).status || '') || !matches(data.cells.find((x) => x.id === r.c.id) || { id: r.c.id, title: r.c.title, versions: r.c.requested, suites: {} });
}
apply(); // the view the URL names

// A deep link (#cell=<id>) opens that cell, unfolding the cells not run here if it is one of them.
const linked = rows.find((r) => r.cell.id === state.cell);
if (linked) {
  if (linked.cell.notRun && fold.getAttribute('aria-expanded') !== 'true') setFold(true);
  linked.toggle(true);
  linked.tr.style.scrollMarginTop = grid.tHead.getBoundingClientRect().height + 'px'; // below the sticky header
  linked.tr.scrollIntoView({ block: 'start' });
  linked.tr.focus({ preventScroll: true });
}
`;
