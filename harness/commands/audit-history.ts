// `codeflare-matrix audit-history [RESULTS]`: every published row of the operator's history (its
// README at each release tag, from its git source) beside what that tag carries, whether each
// version exists, and what ran and passed — confirmed, contradicted or unverified, row by row.
import { Command } from 'commander';
import { UserError } from '../../lib/errors.js';
import { checkOutput, writeAtomic } from '../../lib/files.js';
import { table } from '../table.js';
import type { HistoryRow } from '../../reports/history-audit.js';
import type { ComponentId } from '../../matrix/catalog/index.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A self-contained page: one row per release, newest first, the verdict coloured, fitting 1400 px. */
function html(rows: HistoryRow[], repo: string, results?: string): string {
  const tr = (r: HistoryRow) =>
    `<tr class="${r.verdict}"><td>${esc(r.release)}</td><td>${esc(r.date ?? '')}</td><td>${esc(r.era ?? '')}</td><td>${esc(Object.entries(r.declared).map(([k, v]) => `${k} ${v}`).join(', '))}</td><td>${esc(Object.entries(r.carried).map(([k, v]) => `${k} ${v.version} (${v.use})`).join(', '))}</td><td class="v">${r.verdict}</td><td>${r.reasons.map((x) => `<div>${esc(x)}</div>`).join('')}${r.notes.map((x) => `<div class="note">note: ${esc(x)}</div>`).join('')}</td></tr>`;
  return `<!doctype html><meta charset="utf-8"><title>codeflare-matrix audit of the published history</title>
<style>body{font:14px system-ui,sans-serif;margin:16px;max-width:1400px}table{border-collapse:collapse;table-layout:fixed;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;overflow-wrap:anywhere;text-align:left}th:nth-child(1){width:7em}th:nth-child(2){width:6.5em}th:nth-child(3){width:3em}th:nth-child(6){width:7em}.confirmed .v{background:#d4f7d4}.contradicted .v{background:#fbd3d3}.unverified .v{background:#eee}.note{color:#555}</style>
<h1>The published support matrix, audited</h1><p>The operator README's block at every release tag of ${esc(repo)}${results ? `, against ${esc(results)}` : ', without results'}: ${(['confirmed', 'contradicted', 'unverified'] as const).map((v) => `${rows.filter((r) => r.verdict === v).length} ${v}`).join(', ')} (${rows.filter((r) => r.verdict === 'confirmed' && r.notes.length).length} confirmed with notes).</p>
<table><thead><tr><th>release</th><th>date</th><th>era</th><th>declared</th><th>the tag runs, deploys, or compiles the API of</th><th>verdict</th><th>why</th></tr></thead><tbody>${rows.map(tr).join('\n')}</tbody></table>\n`;
}

export function auditHistoryCommand(): Command {
  return new Command('audit-history')
    .description("audit the operator's published history: its README's matrix at every release tag beside what the tag carries, whether each version exists, and what ran and passed")
    .argument('[results]', 'results.json (written by run, or by merge); without it every row that holds up is unverified')
    .option('--git <repo>', "the operator's git repository (default: the codeflare-operator source in the sources file)")
    .option('-c, --config <file>', "a matrix config whose sources: name the operator's repository")
    .option('--allow-flaky', 'count flaky cells as passed')
    .option('--json', 'print the rows as JSON')
    .option('--html <file>', 'also write the table as a self-contained HTML page')
    .addHelpText('after', '\nExit status: 0 no row is contradicted, 1 a row is, 2 bad input.')
    .action(async (resultsPath: string | undefined, o: { git?: string; config?: string; allowFlaky?: boolean; json?: boolean; html?: string }) => {
      const [{ loadCatalog, withRole }, { loadConfig }, { loadSources }, { readResults }, { auditHistory }] = await Promise.all([
        import('../../matrix/catalog/index.js'), import('../../matrix/config.js'), import('../components/git.js'), import('../../model/results.js'), import('../../reports/history-audit.js'),
      ]);
      if (o.html) checkOutput(o.html, '--html');
      const loaded = o.config ? loadConfig(o.config) : undefined;
      const catalog = loadCatalog();
      const sources = loadSources(loaded?.text, loaded?.path);
      const repo = o.git ?? sources[withRole(catalog, 'operator').id]?.git;
      if (!repo) throw new UserError("no git repository of the operator", '--git', 'pass --git PATH (a clone or mirror of project-codeflare/codeflare-operator), or name codeflare-operator in the sources file');
      const results = resultsPath ? readResults(resultsPath) : undefined;
      // a component's CRDs at a version, from its tree as a build takes it: what a webhook built with an older API removes
      const [{ resolveSource }, { treeCrds }] = await Promise.all([import('../components/source.js'), import('../components/install/skew.js')]);
      const crdsAt = async (id: ComponentId, version: string) => treeCrds(id, version, (await resolveSource(id, version, sources)).dir);
      const rows = await auditHistory(repo, catalog, results, { allowFlaky: o.allowFlaky ?? false, crdsAt });
      if (rows.some((r) => r.verdict === 'contradicted')) process.exitCode = 1;
      if (o.html) writeAtomic(o.html, html(rows, repo, resultsPath));
      if (o.json) return console.log(JSON.stringify({ repository: repo, results: resultsPath, rows }, null, 2));
      const shown = (r: HistoryRow) => (r.verdict === 'confirmed' && r.notes.length ? 'confirmed, notes' : r.verdict);
      console.log(table(['release', 'era', 'verdict', 'why (notes)'], rows.map((r) => [r.release, r.era ?? '', shown(r), [...r.reasons, ...r.notes.map((x) => `note: ${x}`)].join('; ')])));
      const n = (v: string) => rows.filter((r) => shown(r) === v).length;
      console.log(`\n${rows.length} releases: ${n('confirmed')} confirmed, ${n('confirmed, notes')} confirmed with notes, ${n('contradicted')} contradicted, ${n('unverified')} unverified (${repo}${resultsPath ? `, ${resultsPath}` : ', no results'})`);
    });
}
