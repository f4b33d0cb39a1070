// A self-contained HTML page of the results (opens without a network: CSS and script inline, the
// data embedded as JSON): the cells × suites grid coloured by status, a cell's failures and
// provenance on click, filters by component version and status, and the history across runs.
import semver from 'semver';
import { type Catalog } from '../matrix/catalog/index.js';
import type { History } from './history.js';
import type { Results } from '../model/results.js';
import { README_ORDER, ran, summarizeProvenance, whyNot, type SupportMatrix } from './support-matrix.js';

/** Errors can be whole logs; the page keeps the start of each (the artifacts hold the rest). */
const clip = (s: string, n = 4000): string => (s.length > n ? `${s.slice(0, n)}\n… (${s.length - n} more characters in the artifacts)` : s);

/** Newest operator release first (semver, prereleases before their release); cells without the operator last. */
function byRelease(a: Results['cells'][number], b: Results['cells'][number]): number {
  const [x, y] = [semver.valid(a.requested['codeflare-operator']), semver.valid(b.requested['codeflare-operator'])];
  if (x && y) return semver.rcompare(x, y);
  return x ? -1 : y ? 1 : 0;
}

/** `base`: where the page's links start from, relative to the page (the results file's folder, as seen from the page). */
export function pageData(results: Results, m: SupportMatrix, catalog: Catalog, hist?: History, base = '') {
  const verified = new Set(m.stacks.flatMap((s) => s.cells.map((c) => c.id)));
  const ids = (['kubernetes', ...README_ORDER] as const).filter((id) => results.cells.some((c) => c.requested[id]));
  const suites = [...new Set(results.cells.flatMap((c) => c.suites.map((s) => s.name)))];
  return {
    title: `CodeFlare support matrix — ${results.config.name}`,
    meta: `strategy ${results.strategy} · provider ${results.provider} · config ${results.config.path} (${results.config.hash.slice(0, 19)}) · ${results.harness.name} ${results.harness.version} · runs ${results.runs.map((r) => `${r.id} (${r.finishedAt})`).join(', ')}`,
    allowFlaky: m.allowFlaky,
    components: ids.map((id) => ({ id, title: catalog.components.find((c) => c.id === id)!.title })),
    suites,
    stacks: m.stacks.map((s) => ({ operator: s.operator ?? '—', rows: s.rows.filter((r) => r.component !== 'codeflare-operator').map((r) => `${r.title} ${r.version}`), cells: s.cells.map((c) => c.id), notes: s.notes })),
    cells: [...results.cells].sort(byRelease).map((c) => ({
      id: c.id,
      title: c.title,
      era: c.era,
      status: c.status,
      verified: verified.has(c.id),
      reason: c.status === 'passed' ? '' : whyNot(c),
      provider: c.provider,
      versions: c.requested,
      // what the published row of this release declares, beside what the cell ran
      declared: catalog.published.find((r) => r.operator === c.requested['codeflare-operator'])?.declared ?? {},
      ran: Object.fromEntries(ids.flatMap((id) => (ran(catalog, c, id) ? [[id, ran(catalog, c, id)!.version]] : []))),
      upgradeFrom: c.upgradeFrom ?? null,
      suites: Object.fromEntries(
        c.suites.map((s) => [s.name, { status: s.status, reason: s.reason ?? '', tests: s.tests.map((t) => ({ title: t.title, status: t.status, label: t.label?.kind ?? '', labelEvidence: t.label?.evidence ?? '', reason: t.reason ?? '', retries: t.retries, durationMs: t.durationMs, errors: t.errors.map((e) => clip(e)), attachments: t.attachments.map((a) => ({ ...a, href: link(base, a.path) })) })) }]),
      ),
      provenance: c.provenance.map((p) => summarizeProvenance(catalog, p)),
      differences: c.differences,
      artifacts: c.artifacts ?? '',
      logs: c.artifacts ? link(base, `${c.artifacts}/logs/`) : '',
      phases: c.phases,
      finishedAt: c.finishedAt ?? '',
    })),
    history: hist ?? null,
  };
}

/** A relative link from the page to a file of the run folder (paths in results are relative to it). */
const link = (base: string, path: string): string => (base ? `${base.replace(/\/$/, '')}/${path}` : path).split('/').map(encodeURIComponent).join('/');

const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

export function renderHtml(results: Results, m: SupportMatrix, catalog: Catalog, hist?: History, base = ''): string {
  const data = pageData(results, m, catalog, hist, base);
  // "<" escaped inside the JSON, so no string in the data can close the script element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1></h1><p id="meta"></p></header>
<section id="summary"></section>
<section id="filters" aria-label="filters"></section>
<h2>Cells × suites</h2>
<p class="hint">Click a cell to see its failures and the provenance of what ran.</p>
<table id="grid"><thead></thead><tbody></tbody></table>
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

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1f2328; max-width: 1400px; }
#grid { width: 100%; table-layout: auto; } #grid td { overflow-wrap: anywhere; } #grid td.st { overflow-wrap: normal; }
.differs { color: #cf222e; font-size: 12px; display: block; }
h1 { font-size: 1.5em; margin: 0 } #meta, .hint { color: #59636e; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #d1d9e0; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; }
tr.cell { cursor: pointer; } tr.cell:hover td { filter: brightness(0.95); }
tr.cell.open td:first-child { font-weight: bold; }
.st { text-align: center; white-space: nowrap; font-size: 12px; }
.st-passed { background: #2da44e; color: #fff; } .st-failed { background: #cf222e; color: #fff; }
.label { font-size: 11px; padding: 0 4px; margin-left: 6px; border-radius: 3px; background: #eee; } .label-regression { background: #cf222e; color: #fff; }
.st-flaky { background: #d4a72c; color: #000; } .st-blocked { background: #8250df; color: #fff; }
.st-not-applicable { background: #e6e8eb; color: #59636e; } .st-none { background: #fff; color: #aaa; }
#filters { display: flex; flex-wrap: wrap; gap: .4em 1.2em; margin: 1em 0; }
#filters label { display: flex; gap: .3em; align-items: center; }
#summary .chip { display: inline-block; padding: 1px 8px; border-radius: 10px; margin-right: .4em; }
.detail td { background: #fbfbfc; }
.detail pre { background: #fff0f0; border-left: 3px solid #cf222e; padding: .5em; white-space: pre-wrap; max-height: 20em; overflow: auto; }
.detail table { font-size: 12px; } .detail h4 { margin: .8em 0 .3em; }
td.first-fail { outline: 3px solid #000; outline-offset: -3px; font-weight: bold; }
.first-fail-key { font-weight: bold; }
code { font-size: 12px; }
`;

// Plain DOM script; every piece of data goes in as text (textContent), never as markup.
const SCRIPT = `
'use strict';
const data = JSON.parse(document.getElementById('data').textContent);
const h = (tag, props = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k);
  return e;
};
const statusCell = (status, tag = 'td') => h(tag, { class: 'st st-' + (status || 'none'), text: status || '—', title: status || 'not in this run' });

document.querySelector('h1').textContent = data.title;
document.getElementById('meta').textContent = data.meta;

// Summary: counts by status, and the stacks the results verify.
const counts = {};
for (const c of data.cells) counts[c.status] = (counts[c.status] || 0) + 1;
document.getElementById('summary').append(
  h('p', {}, ...Object.entries(counts).map(([s, n]) => h('span', { class: 'chip st-' + s, text: n + ' ' + s }))),
  h('p', { text: data.stacks.length ? 'Verified stacks' + (data.allowFlaky ? ' (flaky allowed)' : '') + ':' : 'No stack verified: no cell passed.' }),
  h('ul', {}, data.stacks.map((s) => h('li', { text: (s.operator === '—' ? 'no operator' : 'CodeFlare Operator ' + s.operator) + ': ' + s.rows.join(', ') + ' (' + s.cells.length + ' cell' + (s.cells.length === 1 ? '' : 's') + ')' + (s.notes.length ? ' — note: ' + s.notes.join('; ') : '') }))),
);

// Filters: one select per component (its versions in these cells) and one for the status.
// The filters live in the URL (#kuberay=v1.3.2&status=failed), so a view can be shared.
const filters = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
const filterBox = document.getElementById('filters');
const addFilter = (key, label, values) => {
  const sel = h('select', { id: 'filter-' + key }, h('option', { value: '', text: 'all' }), values.map((v) => h('option', { value: v, text: v })));
  sel.value = filters[key] || '';
  sel.addEventListener('change', () => {
    filters[key] = sel.value;
    history.replaceState(null, '', '#' + new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString());
    apply();
  });
  filterBox.append(h('label', {}, h('span', { text: label }), sel));
};
// Versions sort as versions (v1.10.0 after v1.9.0; v1.0.0-rc.1 before v1.0.0), newest first.
const parts = (v) => { const m = /^v?(\\d+)\\.(\\d+)\\.(\\d+)(?:-(.+))?/.exec(v) || []; return [+m[1] || 0, +m[2] || 0, +m[3] || 0, m[4]]; };
const byVersion = (a, b) => { const [x, y] = [parts(a), parts(b)]; for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return y[i] - x[i]; return x[3] === y[3] ? 0 : x[3] === undefined ? -1 : y[3] === undefined ? 1 : (y[3] > x[3] ? 1 : -1); };
const versionsOf = (id) => [...new Set(data.cells.map((c) => c.versions[id]).concat((data.history ? data.history.cells : []).map((c) => c.requested[id])).filter(Boolean))].sort(byVersion);
for (const c of data.components) addFilter(c.id, c.title, versionsOf(c.id));
addFilter('status', 'Status', [...new Set(data.cells.map((c) => c.status))].sort());
const shown = (versions, status) => Object.entries(filters).every(([k, v]) => !v || (k === 'status' ? status === v : versions[k] === v));

// The grid: one row per cell, one column per suite.
const grid = document.getElementById('grid');
grid.tHead.append(h('tr', {}, h('th', { text: 'cell' }), h('th', { text: 'era' }), data.components.map((c) => h('th', { text: c.title })), h('th', { text: 'status' }), data.suites.map((s) => h('th', { text: s }))));
const width = 3 + data.components.length + data.suites.length;
const rows = [];
for (const cell of data.cells) {
  // each component: the version the cell asked for; where the published row declares another, or the binary ran another, both
  const version = (id) => {
    const asked = cell.versions[id] || '';
    const notes = [cell.declared[id] && cell.declared[id] !== asked ? 'declared ' + cell.declared[id] : '', cell.ran[id] && cell.ran[id] !== asked ? 'ran ' + cell.ran[id] : ''].filter(Boolean);
    return h('td', {}, asked, notes.length ? h('span', { class: 'differs', text: notes.join(', ') }) : null);
  };
  const status = statusCell(cell.status);
  if (cell.logs) { status.textContent = ''; status.append(h('a', { href: cell.logs, text: cell.status, title: "the cell's logs" })); }
  const tr = h('tr', { class: 'cell', 'data-cell': cell.id }, h('td', {}, h('code', { text: cell.id })), h('td', { text: cell.era }), data.components.map((c) => version(c.id)), status, data.suites.map((s) => statusCell(cell.suites[s] ? cell.suites[s].status : null)));
  const detail = h('tr', { class: 'detail', 'data-detail': cell.id, hidden: '' }, h('td', { colspan: String(width) }));
  tr.addEventListener('click', () => {
    if (!detail.firstChild.firstChild) detail.firstChild.append(...details(cell));
    detail.hidden = !detail.hidden;
    tr.classList.toggle('open', !detail.hidden);
  });
  grid.tBodies[0].append(tr, detail);
  rows.push({ cell, tr, detail });
}

// A failure's label against the baseline, a small badge (reports/baseline.ts).
function labelBadge(t) {
  return t.label ? h('span', { class: 'label label-' + t.label, title: t.labelEvidence, text: t.label }) : null;
}
function details(cell) {
  const out = [h('h3', { text: cell.title }), h('p', { text: cell.status + (cell.verified ? ' — verifies its stack' : ' — verifies nothing') + (cell.reason ? ': ' + cell.reason : '') })];
  const bad = [];
  const na = [];
  for (const [name, s] of Object.entries(cell.suites)) {
    if (s.status === 'not-applicable' && s.reason) na.push(name + ': ' + s.reason);
    for (const t of s.tests) {
      if (t.status === 'failed' || t.status === 'blocked' || t.status === 'flaky') bad.push(h('div', { class: 'failure' }, h('b', { text: name + ' › ' + t.title }), labelBadge(t), h('span', { text: ' — ' + t.status + (t.retries ? ', retries ' + t.retries : '') + (t.reason ? ': ' + t.reason : '') }), t.errors.map((e) => h('pre', { text: e })), t.attachments.length ? h('ul', {}, t.attachments.map((a) => h('li', {}, a.name + ': ', h('a', { href: a.href, text: a.path })))) : null));
      else if (t.status === 'not-applicable' && t.reason) na.push(name + ' › ' + t.title + ': ' + t.reason);
    }
  }
  if (bad.length) out.push(h('h4', { text: 'Failures' }), ...bad);
  if (na.length) out.push(h('h4', { text: 'Not applicable' }), h('ul', {}, na.map((x) => h('li', { text: x }))));
  out.push(h('h4', { text: 'Provenance' }));
  if (!cell.provenance.length) out.push(h('p', { text: 'No provenance: nothing was installed, or the run stopped before.' }));
  else out.push(h('table', { class: 'provenance' },
    h('tr', {}, ['component', 'requested', 'resolved', 'module', 'commit', 'hash', 'compiled in', 'differences'].map((x) => h('th', { text: x }))),
    cell.provenance.map((p) => h('tr', {}, [p.component, p.requested, p.resolved, p.module, p.commit || '', [p.sum, p.binarySha256 && 'binary sha256:' + p.binarySha256, p.imageDigest, p.wheel && p.wheel.file + ' sha256:' + p.wheel.sha256].filter(Boolean).join(' '), p.deps.map((d) => d.path + ' ' + d.version).join('; '), p.differences.join('; ')].map((x) => h('td', { text: x || '' }))))));
  if (cell.differences.length) out.push(h('h4', { text: 'What ran differs from what was asked' }), h('ul', {}, cell.differences.map((x) => h('li', { text: x }))));
  const facts = ['provider ' + cell.provider, cell.upgradeFrom ? 'upgrade from ' + JSON.stringify(cell.upgradeFrom) : '', cell.finishedAt ? 'finished ' + cell.finishedAt : '', cell.artifacts ? 'artifacts ' + cell.artifacts : '', Object.entries(cell.phases).map(([k, v]) => k + ' ' + Math.round(v / 100) / 10 + 's').join(', ')].filter(Boolean);
  out.push(h('p', { text: facts.join(' · ') }));
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
      if (hist.firstFailing[c.id] === i) { td.classList.add('first-fail'); td.textContent = '▼ ' + s; td.title = 'first failing run of this cell\\'s current failures'; }
      return td;
    }));
    table.tBodies[0].append(tr);
    hrows.push({ c, tr });
  }
}

function apply() {
  for (const r of rows) {
    const hide = !shown(r.cell.versions, r.cell.status);
    r.tr.hidden = hide;
    if (hide) r.detail.hidden = true;
  }
  for (const r of hrows) r.tr.hidden = !shown(r.c.requested, (data.cells.find((x) => x.id === r.c.id) || {}).status || '');
}
apply(); // the filters the URL names
`;
