// The audit: a published support matrix (an operator README at some release) against results and
// provenance. Every declared row should have run, passed, and run the versions it names.
import { UserError } from '../lib/errors.js';
import { component, type Catalog, type ComponentId } from '../matrix/catalog/index.js';
import { checkCell, type Declared } from './declared.js';
import { parseBlock, type DeclaredRow } from './readme.js';
import type { Results } from '../model/results.js';
import { isReleaseTag, verifies, versionLink, whyNot } from './support-matrix.js';

export type Audit = { rows: number; verified: number; findings: string[] };

/** How a link differs from the release page of the version shown: another repository (a fork), another tag, or elsewhere. */
function linkProblem(link: string, repo: string, version: string): string {
  const m = /^https:\/\/github\.com\/([^/]+\/[^/]+)\/releases\/tag\/([^/?#]+)$/.exec(link);
  if (m && m[1] !== repo) return `links to ${m[1]}${m[2] === version ? '' : ` tag ${m[2]}`}, not ${repo}`;
  if (m) return `links to tag ${m[2]}`;
  return `links to ${link}, not its release page`;
}

function label(row: DeclaredRow): string {
  const op = row.versions['codeflare-operator']?.text;
  return op ? `${op} row` : `row at line ${row.line}`;
}

export function audit(readme: string, where: string, results: Results, catalog: Catalog, o: { allowFlaky: boolean }): Audit {
  const rows = parseBlock(readme, catalog, where);
  if (!rows.length) throw new UserError('the Compatibility Matrix block has no table', where, 'audit a README whose block holds the published matrix');
  const findings: string[] = [];
  let verified = 0;
  for (const row of rows) {
    const at = label(row);
    const before = findings.length;
    for (const name of row.unknown) findings.push(`mismatch: ${at}: "${name}" is not a component the catalog knows`);
    const declared: Declared = {};
    for (const [key, e] of Object.entries(row.versions)) {
      const id = key as ComponentId;
      declared[id] = e!.text;
      const want = versionLink(component(catalog, id).repo, e!.text);
      if (!isReleaseTag(e!.text)) findings.push(`mismatch: ${at}: ${e!.title} "${e!.text}" is not a release tag`);
      else if (e!.link && e!.link !== want) findings.push(`mismatch: ${at}: ${e!.title} ${e!.text} ${linkProblem(e!.link, component(catalog, id).repo, e!.text)}`);
    }

    // Cells of this row: same operator (or none), and every declared version the cell asked for equal to the row's.
    const op = declared['codeflare-operator'];
    const sameOp = results.cells.filter((c) => c.requested['codeflare-operator'] === op);
    const cells = sameOp.filter((c) => Object.entries(declared).every(([id, v]) => c.requested[id] === undefined || c.requested[id] === v));
    if (!cells.length) {
      const what = Object.entries(row.versions).map(([, e]) => `${e!.title} ${e!.text}`).join(', ');
      const others = sameOp.length ? ` (cells ran this operator with other versions: ${sameOp.map((c) => c.id).join(', ')})` : '';
      findings.push(`untested: ${at}: no cell ran ${what}${others}`);
      continue;
    }
    for (const c of cells.filter((x) => !verifies(x.status, o.allowFlaky))) {
      findings.push(`${c.status === 'failed' || c.status === 'flaky' ? 'failed' : 'untested'}: ${at}: cell ${c.id} ${c.status} — ${whyNot(c)}`);
    }
    const missing = new Set<ComponentId>();
    for (const c of cells) {
      const check = checkCell(catalog, c, declared);
      for (const m of check.mismatched) findings.push(`mismatch: ${at}: cell ${c.id}: ${m}`);
      if (c.status !== 'blocked') for (const id of check.unverifiable) findings.push(`untested: ${at}: cell ${c.id} has no provenance for ${component(catalog, id).title}: what ran cannot be checked against ${declared[id]}`);
      check.missing.forEach((id) => missing.add(id));
    }
    // A row can name what its era no longer installs (the v1.3.x rows still list MCAD and InstaScale).
    for (const id of missing) findings.push(`untested: ${at}: ${component(catalog, id).title} ${declared[id]} is declared, but no cell of this row installs it (era ${[...new Set(cells.map((c) => c.era))].join(', ')})`);
    if (findings.length === before && cells.some((c) => verifies(c.status, o.allowFlaky))) verified++;
  }
  return { rows: rows.length, verified, findings };
}
