// The release gate: a release may be tagged only when its row ran, every required suite passed,
// the results are recent, and the binaries that ran are the versions the row will publish.
import { UserError } from '../lib/errors.js';
import { component, normalizeDeclared, withRole, type Catalog, type ComponentId } from '../matrix/catalog/index.js';
import { checkCell, type Declared } from './declared.js';
import { END, readmeBlock, START } from './markdown.js';
import type { CellResult, Results } from '../model/results.js';
import { normalizeRelease, supportMatrix, testLine, verifies, whyNot, withPassRate } from './support-matrix.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "7d", "36h", "2w", "90m" → milliseconds. */
export function parseAge(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([mhdw])$/.exec(text.trim());
  if (!m) throw new UserError(`--max-age ${text} is not an age`, undefined, 'pass a number and a unit: 90m, 36h, 7d, 2w');
  return Number(m[1]) * UNITS[m[2]!]!;
}

export function formatAge(ms: number): string {
  const d = ms / UNITS.d!;
  return d >= 1 ? `${Math.round(d * 10) / 10}d` : `${Math.round((ms / UNITS.h!) * 10) / 10}h`;
}


export type GateOptions = { release: string; maxAge: string; allowFlaky: boolean; now: Date; minPassRate?: number; strict?: boolean };
export type Verdict = { release: string; cells: CellResult[]; declared: Declared; declaredBy: string; failures: string[]; notes: string[]; block: string[]; /** Failures the gate lets through, with their evidence: already failing on the baseline, flaky. */ listed: string[] };

/** Why a suite does not count as passed, in a line. */
function suiteFailure(s: CellResult['suites'][number]): string {
  const t = s.tests.find((x) => x.status === s.status);
  const detail = t ? testLine(t) : (s.reason ?? '');
  const labels = [...new Set(s.tests.flatMap((x) => (x.label ? [x.label.kind] : [])))];
  return `suite ${s.name} ${s.status}${labels.length ? ` (${labels.join(', ')})` : ''}${detail ? `: ${detail}` : ''}`;
}

const labelLine = (c: CellResult, suite: string, t: CellResult['suites'][number]['tests'][number]) =>
  `${t.label!.kind}: cell ${c.id}: ${suite} › ${t.title} — ${t.label!.evidence}${t.label!.since ? `; failing since ${t.label!.since}` : ''}`;

export function gate(all: Results, where: string, catalog: Catalog, o: GateOptions): Verdict {
  const results = withPassRate(all, o.minPassRate);
  const release = normalizeRelease(o.release);
  const maxAgeMs = parseAge(o.maxAge);
  const operator = withRole(catalog, 'operator').id;
  const resolvedOp = (c: CellResult) => c.provenance.find((p) => p.component === operator)?.resolved;
  const cells = results.cells.filter((c) => c.requested[operator] === release || resolvedOp(c) === release);
  if (!cells.length) {
    const ops = [...new Set(results.cells.flatMap((c) => (c.requested[operator] ? [c.requested[operator]] : [])))];
    throw new UserError(`no cell of release ${release} in the results (operator versions there: ${ops.join(', ') || 'none'})`, where, 'run the release strategy for it (npx codeflare-matrix plan -s release), or check --release');
  }
  const failures: string[] = [];

  // Every suite that applies to a cell must have passed (flaky only with --allow-flaky).
  for (const c of cells) {
    const required = c.suites.filter((s) => s.status !== 'not-applicable');
    const bad = required.filter((s) => !verifies(s.status, o.allowFlaky));
    const setupFailed = c.status === 'blocked' && c.reason !== undefined;
    // A cell whose setup failed is one reason, not one per suite it kept from running.
    if (setupFailed) failures.push(`cell ${c.id} blocked: ${whyNot(c)}`);
    else if (!required.length) failures.push(`cell ${c.id} ${c.status}: ${c.status === 'not-applicable' ? 'no suite applies, nothing verified' : whyNot(c)}`);
    for (const s of bad) if (!setupFailed || s.status !== 'blocked') failures.push(`cell ${c.id}: ${suiteFailure(s)}`);
    // Every suite passed but the cell did not (e.g. its teardown failed).
    if (!setupFailed && required.length && !bad.length && !verifies(c.status, o.allowFlaky)) failures.push(`cell ${c.id} ${c.status}: ${whyNot(c)}`);
  }

  // Age: each cell's own finish time, else its file's oldest run (a merged file may hold an old shard).
  const oldestRun = results.runs.map((r) => r.finishedAt).sort()[0];
  const times = cells.map((c) => ({ id: c.id, at: c.finishedAt ?? oldestRun }));
  const unknown = times.filter((t) => !t.at || Number.isNaN(Date.parse(t.at)));
  if (unknown.length) failures.push(`no finish time for ${unknown.map((t) => t.id).join(', ')}: the age of the results cannot be checked`);
  const oldest = times.filter((t) => t.at && !Number.isNaN(Date.parse(t.at))).sort((a, b) => Date.parse(a.at!) - Date.parse(b.at!))[0];
  if (oldest && o.now.getTime() - Date.parse(oldest.at!) > maxAgeMs) {
    failures.push(`results are ${formatAge(o.now.getTime() - Date.parse(oldest.at!))} old (cell ${oldest.id} finished ${oldest.at}), older than --max-age ${o.maxAge}`);
  }

  // Provenance: the published row when the catalog has it, else the versions the candidate cells asked for.
  const published = catalog.published.find((r) => r.operator === release);
  const declared: Declared = published ? Object.fromEntries(Object.entries(published.declared).map(([k, v]) => [k, normalizeDeclared(v!)])) : Object.fromEntries(Object.entries(cells[0]!.requested).filter(([k]) => k !== withRole(catalog, 'cluster').id));
  declared[operator] = release;
  const notes: string[] = [];
  // A published row that names a version that was never released is wrong whatever ran (v1.0.1's KubeRay v0.0.0-dev).
  for (const [id, v] of Object.entries(published ? declared : {})) {
    const c = component(catalog, id as ComponentId);
    if (!c.versions.some((x) => x.tag === v)) failures.push(`the row declares ${c.title} ${v}, which is not a release of ${c.repo}`);
  }
  for (const c of cells) {
    const check = checkCell(catalog, c, declared);
    for (const m of check.mismatched) failures.push(`cell ${c.id}: ${m}`);
    for (const n of check.notes) notes.push(`cell ${c.id}: ${n}`);
    // A blocked cell never installed the rest: its missing provenance is already explained.
    if (c.status !== 'blocked') for (const id of check.unverifiable) failures.push(`cell ${c.id}: no provenance for ${component(catalog, id).title}: what ran cannot be checked against ${declared[id]}`);
    for (const id of check.missing) failures.push(`cell ${c.id}: the row declares ${component(catalog, id).title} ${declared[id]}, the cell does not install it`);
  }

  // The other cells of the file: a regression fails the gate, what already failed on the baseline
  // or flakes is listed with its evidence; --strict fails on any failure. A cell of another published
  // row (a history or nightly file holds them all) is that release's own: its regression is listed,
  // as the audit says of this row only what this row's cells did.
  const listed: string[] = [];
  const otherRow = (c: CellResult) => c.requested[operator] !== undefined && c.requested[operator] !== release && catalog.published.some((r) => r.operator === c.requested[operator]);
  for (const c of results.cells) {
    const own = cells.includes(c);
    for (const s of c.suites) {
      for (const t of s.tests) {
        if (t.status === 'passed' || t.status === 'not-applicable') continue;
        if (!own && !otherRow(c) && t.label?.kind === 'regression') failures.push(labelLine(c, s.name, t));
        else if (!own && o.strict) failures.push(`cell ${c.id}: ${s.name} › ${t.title} ${t.status} (--strict)`);
        else if (t.label && (!own || t.label.kind !== 'regression')) listed.push(labelLine(c, s.name, t));
      }
    }
  }
  if (o.strict) for (const c of cells) if (c.status === 'flaky' && o.allowFlaky) failures.push(`cell ${c.id} flaky (--strict)`);

  const m = supportMatrix({ ...results, cells }, catalog, { allowFlaky: o.allowFlaky });
  return { release, cells, declared, declaredBy: published ? `published row ${release} (matrix/catalog/published.yaml)` : 'the candidate cells (no published row yet)', failures, notes, listed, block: [START, ...readmeBlock(m.stacks, catalog), END] };
}
