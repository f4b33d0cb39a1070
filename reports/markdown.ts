// The support matrix as Markdown, in the codeflare-operator README's format (the block between its
// Compatibility Matrix markers), plus the cells that verify nothing and the GitHub job summary.
import { withRole, type Catalog } from '../matrix/catalog/index.js';
import type { CellStatus } from '../model/results.js';
import type { Stack, SupportMatrix } from './support-matrix.js';

export const START = '<!-- Compatibility Matrix start -->';
export const END = '<!-- Compatibility Matrix end -->';
export const HEADING = 'CodeFlare Stack Compatibility Matrix';

/** Column widths of the upstream table (28 and 97 characters inside the pipes), so a regenerated block diffs cleanly. */
const W1 = 28;
const W2 = 97;

/** One README table for a stack; a stack without the operator (era E) still names it, as "—". */
export function stackTable(stack: Stack, catalog: Catalog): string[] {
  const rows = stack.rows.map((r) => [r.title, r.link ? `[${r.version}](${r.link})` : r.version] as const);
  if (!stack.operator) rows.unshift([withRole(catalog, 'operator').title, '—']);
  const w2 = Math.max(W2, ...rows.map(([, v]) => v.length));
  const line = (a: string, b: string) => `| ${a.padEnd(W1)} | ${b.padEnd(w2)} |`;
  return [line('Component', 'Version'), `|${'-'.repeat(W1 + 2)}|${'-'.repeat(w2 + 2)}|`, ...rows.map(([a, b]) => line(a, b))];
}

const list = (xs: string[]) => [...new Set(xs)].join(', ');

/** What verified a stack, in one line under its table. */
function verifiedBy(stack: Stack, catalog: Catalog): string {
  const operator = withRole(catalog, 'operator').id;
  const k8s = list(stack.cells.map((c) => `v${c.kubernetes.replace(/^v/, '')}`));
  const providers = list(stack.cells.map((c) => c.provider));
  const upgrades = list(stack.cells.flatMap((c) => (c.upgradeFrom?.[operator] ? [c.upgradeFrom[operator]] : [])));
  const days = list(stack.cells.flatMap((c) => (c.finishedAt ? [c.finishedAt.slice(0, 10)] : [])));
  const flaky = stack.cells.some((c) => c.status === 'flaky') ? ' (flaky tests allowed)' : '';
  const asked = stack.rows.filter((r) => r.source === 'requested').map((r) => r.title);
  return [
    `Verified by codeflare-matrix on Kubernetes ${k8s} (${providers})${upgrades ? `, upgrade from ${upgrades}` : ''}${days ? `, ${days}` : ''}${flaky}.`,
    ...(asked.length ? [`No provenance for ${list(asked)}: shown as requested.`] : []),
    ...(stack.notes.length ? [`Note: ${stack.notes.join('; ')}.`] : []),
  ].join(' ');
}

/**
 * The lines between the markers for one release, exactly as the operator README has them: the
 * heading and one table (its release workflow's `sed` rewrites those rows by component name).
 */
export function releaseBlock(stack: Stack, catalog: Catalog): string[] {
  return [HEADING, '', ...stackTable(stack, catalog)];
}

/** The lines between the markers: the heading, then one table per verified stack. */
export function readmeBlock(stacks: Stack[], catalog: Catalog): string[] {
  const out = [HEADING, ''];
  stacks.forEach((s, i) => out.push(...(i ? [''] : []), ...stackTable(s, catalog), '', verifiedBy(s, catalog)));
  return out;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** A cell's status as the summaries show it: blocked ahead apart from blocked in setup. */
const shownStatus = (c: { status: CellStatus; ahead?: boolean }): string => (c.ahead ? 'blocked ahead' : c.status);

export function notVerifiedList(m: SupportMatrix): string[] {
  if (!m.notVerified.length) return [];
  return [
    `Not verified (${m.notVerified.length} cell${m.notVerified.length === 1 ? '' : 's'}${m.allowFlaky ? '' : '; flaky counts only with --allow-flaky'}):`,
    '',
    ...m.notVerified.map((c) => `- \`${c.id}\` (${c.title}) — **${shownStatus(c)}**: ${oneLine(c.reason)}`),
  ];
}

/**
 * Every verified stack in one table, a row each (newest operator first; "—" where a stack has no
 * operator), what verified it in the last column; the notes under it. Headed by the catalog's
 * `name` (else the title): no line of it reads as a row of the README's table (the release
 * workflow's `sed` matches those).
 */
export function stacksTable(stacks: Stack[], catalog: Catalog): string[] {
  const ids = catalog.readmeOrder.filter((id) => stacks.some((s) => s.rows.some((r) => r.component === id)));
  const k8s = (s: Stack) => list(s.cells.map((c) => `v${c.kubernetes.replace(/^v/, '')}`));
  const by = (s: Stack) => `${list(s.cells.map((c) => c.provider))}${s.cells.some((c) => c.status === 'flaky') ? ', flaky allowed' : ''}${s.cells.some((c) => c.upgradeFrom) ? ', upgrade' : ''}`;
  const head = [...ids.map((id) => catalog.components.find((c) => c.id === id)).map((c) => c!.name ?? c!.title), 'Kubernetes', 'Verified by'];
  const rows = stacks.map((s) => [...ids.map((id) => s.rows.find((r) => r.component === id)?.version ?? '—'), k8s(s), by(s)]);
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const notes = stacks.flatMap((s) => s.notes.map((n) => `- ${s.operator ?? 'no operator'}: ${n}`));
  return [row(head), row(head.map(() => '---')), ...rows.map(row), ...(notes.length ? ['', 'Notes:', '', ...notes] : [])];
}

/**
 * The Markdown report (the run's printout, support-matrix.md, the job summary): one Compatibility
 * Matrix block in the operator README's layout (heading, one table) for the newest operator release
 * verified, ready to paste; every verified stack in one table; then what is not verified. The README
 * with every stack is `report --update-readme`'s.
 */
export function markdownReport(m: SupportMatrix, catalog: Catalog): string {
  const cells = m.stacks.reduce((n, s) => n + s.cells.length, 0) + m.notVerified.length;
  const verified = m.stacks.reduce((n, s) => n + s.cells.length, 0);
  const newest = m.stacks.find((s) => s.operator);
  const out = [
    `## CodeFlare support matrix — ${m.config.name} (strategy ${m.strategy}, provider ${m.provider})`,
    '',
    `${m.stacks.length} verified stack${m.stacks.length === 1 ? '' : 's'} from ${verified} of ${cells} cells (config ${m.config.hash.slice(0, 19)}, ${m.harness.name} ${m.harness.version}, ${m.runs.length} run${m.runs.length === 1 ? '' : 's'}).`,
    ...(newest ? ['', `The operator README's block for ${newest.operator}, the newest operator release verified:`, '', START, ...releaseBlock(newest, catalog), END, '', verifiedBy(newest, catalog)] : []),
    '',
    ...(m.stacks.length ? [`Verified stacks (${m.stacks.length}):`, '', ...stacksTable(m.stacks, catalog)] : ['No stack verified: no cell passed.']),
  ];
  const nv = notVerifiedList(m);
  if (nv.length) out.push('', ...nv);
  if (m.passRates?.length) {
    // tests not applicable to their cell or blocked have no rate: listed as what they are
    const rated = m.passRates.filter((r) => !r.status);
    const notRun = m.passRates.filter((r) => r.status);
    const below = rated.filter((r) => r.passed < r.runs);
    out.push('', `Pass rates (each test ${[...new Set(m.passRates.map((r) => r.runs))].join(' or ')} times): ${rated.length - below.length} of ${rated.length} tests passed every run${below.length ? ':' : '.'}`);
    if (below.length) out.push('', ...below.map((r) => `- \`${r.cell}\` ${r.suite} › ${r.test}: ${r.passed} of ${r.runs} (${Math.round((100 * r.passed) / r.runs)}%)`));
    if (notRun.length) out.push('', `Not run, so no rate (${notRun.length}):`, '', ...notRun.map((r) => `- \`${r.cell}\` ${r.suite} › ${r.test}: ${r.status === 'blocked' ? 'blocked' : 'not applicable'}${r.reason ? ` — ${r.reason.split('\n')[0]}` : ''}`));
  }
  return out.join('\n') + '\n';
}

/** The GitHub Actions job summary: counts by status, then the report. */
export function jobSummary(m: SupportMatrix, catalog: Catalog): string {
  const counts = new Map<string, number>();
  for (const c of [...m.stacks.flatMap((s) => s.cells), ...m.notVerified]) counts.set(shownStatus(c), (counts.get(shownStatus(c)) ?? 0) + 1);
  const line = [...counts].map(([s, n]) => `${n} ${s}`).join(' · ');
  // the run's exit status, counted the same way (results.ts failsRun)
  const mark = m.notVerified.some((c) => c.status === 'failed' || (c.status === 'blocked' && !c.ahead)) ? '❌' : '✅';
  return `${markdownReport(m, catalog).replace(/^## /, `## ${mark} `)}\nCells: ${line}\n\n`;
}
