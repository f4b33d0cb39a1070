// The audit: a published support matrix (an operator README at some release) against results and
// provenance. Every declared row should have run, passed, and run (or deployed) the versions it names.
// A row is confirmed (its cells passed, nothing it runs or deploys differs), contradicted (a version
// that does not exist, something it runs or deploys at another version, or its cells failed), or
// unverified; client skew, a README typo for a tag and a link to a fork are notes on it.
import { UserError } from '../lib/errors.js';
import { component, normalizeDeclared, withRole, type Catalog, type ComponentId } from '../matrix/catalog/index.js';
import { checkCell, type Declared } from './declared.js';
import { parseBlock, type DeclaredRow } from './readme.js';
import type { CellResult, Results } from '../model/results.js';
import { isReleaseTag, verifies, versionLink, whyNot } from './support-matrix.js';

export type Verdict = 'confirmed' | 'contradicted' | 'unverified';
export type RowAudit = { label: string; operator?: string; verdict: Verdict; contradictions: string[]; notes: string[]; unverified: string[]; cells: string[] };
export type Audit = { rows: number; verified: number; findings: string[]; notes: string[]; judged: RowAudit[] };

/** The repository a link's release page is in, and its tag (undefined for another kind of link). */
const releasePage = (link: string) => /^https:\/\/github\.com\/([^/]+\/[^/]+)\/releases\/tag\/([^/?#]+)$/.exec(link) ?? undefined;

/** A fork of the component: one the catalog names, or its repository under another owner. */
function isFork(catalog: Catalog, id: ComponentId, repo: string): boolean {
  const c = component(catalog, id);
  const forks = Object.values('forks' in c.source ? c.source.forks : {});
  return forks.includes(repo) || repo.split('/')[1] === c.repo.split('/')[1];
}

function label(row: DeclaredRow, operator: ComponentId): string {
  const op = row.versions[operator]?.text;
  return op ? `${op} row` : `row at line ${row.line}`;
}

/** What the record says about itself: versions that exist or not, typos for tags, links. */
export function recordProblems(row: DeclaredRow, catalog: Catalog): { contradictions: string[]; notes: string[] } {
  const contradictions = row.unknown.map((name) => `"${name}" is not a component the catalog knows`);
  const notes: string[] = [];
  for (const [key, e] of Object.entries(row.versions)) {
    const id = key as ComponentId;
    const c = component(catalog, id);
    const tag = normalizeDeclared(e!.text);
    if (!isReleaseTag(tag) || !c.versions.some((x) => x.tag === tag)) {
      contradictions.push(`${e!.title} ${e!.text} is not a release of ${c.repo}`);
      continue;
    }
    if (tag !== e!.text) notes.push(`${e!.title} "${e!.text}" is no tag: read as ${tag}`);
    if (!e!.link || e!.link === versionLink(c.repo, tag) || e!.link === versionLink(c.repo, e!.text)) continue;
    const page = releasePage(e!.link);
    if (page && page[1] !== c.repo && isFork(catalog, id, page[1]!)) continue; // named with what ran (audit), or alone (audit-history)
    if (page && page[1] !== c.repo) contradictions.push(`${e!.title} ${e!.text} links to ${page[1]}, not ${c.repo}`);
    else if (page) contradictions.push(`${e!.title} ${e!.text} links to tag ${page[2]}`);
    else contradictions.push(`${e!.title} ${e!.text} links to ${e!.link}, not its release page`);
  }
  return { contradictions, notes };
}

/** A link to a fork, beside what ran: the fork only when a cell's provenance says the fork's tree ran. */
export function forkNotes(row: DeclaredRow, catalog: Catalog, cells: CellResult[] | undefined): string[] {
  const out: string[] = [];
  for (const [key, e] of Object.entries(row.versions)) {
    const id = key as ComponentId;
    const c = component(catalog, id);
    const page = e!.link ? releasePage(e!.link) : undefined;
    if (!page || page[1] === c.repo || !isFork(catalog, id, page[1]!)) continue;
    const owner = page[1]!.split('/')[0]!;
    const ran = (cells ?? []).flatMap((x) => x.provenance.filter((p) => p.component === id));
    const fork = ran.find((p) => `${p.git?.repository ?? ''} ${p.module}`.includes(owner));
    if (fork) out.push(`${c.title}: the row links the fork ${page[1]} ${page[2]}, and the fork ran (${fork.git?.repository ?? fork.module} ${fork.resolved})`);
    else if (ran.length) out.push(`${c.title}: the row links the fork ${page[1]} ${page[2]}; what ran is ${c.repo} ${[...new Set(ran.map((p) => p.resolved))].join(', ')}`);
    else out.push(`${c.title}: the row links the fork ${page[1]} ${page[2]}; it is checked as ${c.repo} ${normalizeDeclared(e!.text)}`);
  }
  return out;
}

/** One declared row against the results. */
export function auditRow(row: DeclaredRow, results: Results, catalog: Catalog, o: { allowFlaky: boolean }): RowAudit {
  const record = recordProblems(row, catalog);
  const operator = withRole(catalog, 'operator').id;
  const out: RowAudit = { label: label(row, operator), verdict: 'unverified', contradictions: [...record.contradictions], notes: [...record.notes], unverified: [], cells: [] };
  const declared: Declared = {};
  for (const [key, e] of Object.entries(row.versions)) declared[key as ComponentId] = normalizeDeclared(e!.text);
  const op = declared[operator];
  if (op) out.operator = op;

  // Cells of this row: same operator (or none), and every declared version the cell asked for equal to the row's.
  const sameOp = results.cells.filter((c) => c.requested[operator] === op);
  const cells = sameOp.filter((c) => Object.entries(declared).every(([id, v]) => c.requested[id] === undefined || c.requested[id] === v));
  out.cells = cells.map((c) => c.id);
  out.notes.push(...forkNotes(row, catalog, cells));
  if (!cells.length) {
    const what = Object.entries(row.versions).map(([, e]) => `${e!.title} ${e!.text}`).join(', ');
    const others = sameOp.length ? ` (cells ran this operator with other versions: ${sameOp.map((c) => c.id).join(', ')})` : '';
    out.unverified.push(`no cell ran ${what}${others}`);
  }
  const failed: string[] = [];
  for (const c of cells.filter((x) => !verifies(x.status, o.allowFlaky))) {
    const line = `cell ${c.id} ${c.status} — ${whyNot(c)}`;
    (c.status === 'failed' || c.status === 'flaky' ? failed : out.unverified).push(line);
  }
  const missing = new Set<ComponentId>();
  for (const c of cells) {
    const check = checkCell(catalog, c, declared);
    out.contradictions.push(...check.mismatched.map((m) => `cell ${c.id}: ${m}`));
    out.notes.push(...check.notes.map((m) => `cell ${c.id}: ${m}`));
    if (c.status !== 'blocked') for (const id of check.unverifiable) out.unverified.push(`cell ${c.id} has no provenance for ${component(catalog, id).title}: what ran cannot be checked against ${declared[id]}`);
    check.missing.forEach((id) => missing.add(id));
  }
  for (const id of missing) out.unverified.push(`${component(catalog, id).title} ${declared[id]} is declared, but no cell of this row installs it (era ${[...new Set(cells.map((c) => c.era))].join(', ')})`);
  out.contradictions.push(...failed);
  out.notes = [...new Set(out.notes)];
  if (out.contradictions.length) out.verdict = 'contradicted';
  else if (!out.unverified.length && cells.some((c) => verifies(c.status, o.allowFlaky))) out.verdict = 'confirmed';
  return out;
}

export function audit(readme: string, where: string, results: Results, catalog: Catalog, o: { allowFlaky: boolean }): Audit {
  const rows = parseBlock(readme, catalog, where);
  if (!rows.length) throw new UserError('the Compatibility Matrix block has no table', where, 'audit a README whose block holds the published matrix');
  const judged = rows.map((row) => auditRow(row, results, catalog, o));
  const findings: string[] = [];
  for (const r of judged) {
    for (const c of r.contradictions) findings.push(`${/^cell \S+ (failed|flaky) — /.test(c) ? 'failed' : 'mismatch'}: ${r.label}: ${c}`);
    for (const u of r.unverified) findings.push(`untested: ${r.label}: ${u}`);
  }
  return { rows: rows.length, verified: judged.filter((r) => r.verdict === 'confirmed').length, findings, notes: judged.flatMap((r) => r.notes.map((n) => `note: ${r.label}: ${n}`)), judged };
}
