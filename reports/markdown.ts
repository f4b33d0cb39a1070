// The support matrix as Markdown, in the codeflare-operator README's format (the block between its
// Compatibility Matrix markers), plus the cells that verify nothing and the GitHub job summary.
import type { CellStatus } from '../model/results.js';
import type { Stack, SupportMatrix } from './support-matrix.js';

export const START = '<!-- Compatibility Matrix start -->';
export const END = '<!-- Compatibility Matrix end -->';
export const HEADING = 'CodeFlare Stack Compatibility Matrix';

/** Column widths of the upstream table (28 and 97 characters inside the pipes), so a regenerated block diffs cleanly. */
const W1 = 28;
const W2 = 97;

/** One README table for a stack; a stack without the operator (era E) still names it, as "—". */
export function stackTable(stack: Stack): string[] {
  const rows = stack.rows.map((r) => [r.title, r.link ? `[${r.version}](${r.link})` : r.version] as const);
  if (!stack.operator) rows.unshift(['CodeFlare Operator', '—']);
  const w2 = Math.max(W2, ...rows.map(([, v]) => v.length));
  const line = (a: string, b: string) => `| ${a.padEnd(W1)} | ${b.padEnd(w2)} |`;
  return [line('Component', 'Version'), `|${'-'.repeat(W1 + 2)}|${'-'.repeat(w2 + 2)}|`, ...rows.map(([a, b]) => line(a, b))];
}

const list = (xs: string[]) => [...new Set(xs)].join(', ');

/** What verified a stack, in one line under its table. */
function verifiedBy(stack: Stack): string {
  const k8s = list(stack.cells.map((c) => `v${c.kubernetes.replace(/^v/, '')}`));
  const providers = list(stack.cells.map((c) => c.provider));
  const upgrades = list(stack.cells.flatMap((c) => (c.upgradeFrom?.['codeflare-operator'] ? [c.upgradeFrom['codeflare-operator']] : [])));
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
export function releaseBlock(stack: Stack): string[] {
  return [HEADING, '', ...stackTable(stack)];
}

/** The lines between the markers: the heading, then one table per verified stack. */
export function readmeBlock(stacks: Stack[]): string[] {
  const out = [HEADING, ''];
  stacks.forEach((s, i) => out.push(...(i ? [''] : []), ...stackTable(s), '', verifiedBy(s)));
  return out;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

export function notVerifiedList(m: SupportMatrix): string[] {
  if (!m.notVerified.length) return [];
  return [
    `Not verified (${m.notVerified.length} cell${m.notVerified.length === 1 ? '' : 's'}${m.allowFlaky ? '' : '; flaky counts only with --allow-flaky'}):`,
    '',
    ...m.notVerified.map((c) => `- \`${c.id}\` (${c.title}) — **${c.status}**: ${oneLine(c.reason)}`),
  ];
}

/** The Markdown report: the README block, markers included (ready to paste), then what is not verified. */
export function markdownReport(m: SupportMatrix): string {
  const cells = m.stacks.reduce((n, s) => n + s.cells.length, 0) + m.notVerified.length;
  const verified = m.stacks.reduce((n, s) => n + s.cells.length, 0);
  const out = [
    `## CodeFlare support matrix — ${m.config.name} (strategy ${m.strategy}, provider ${m.provider})`,
    '',
    `${m.stacks.length} verified stack${m.stacks.length === 1 ? '' : 's'} from ${verified} of ${cells} cells (config ${m.config.hash.slice(0, 19)}, ${m.harness.name} ${m.harness.version}, ${m.runs.length} run${m.runs.length === 1 ? '' : 's'}).`,
    '',
    START,
    ...(m.stacks.length ? readmeBlock(m.stacks) : [HEADING, '', 'No stack verified: no cell passed.']),
    END,
  ];
  const nv = notVerifiedList(m);
  if (nv.length) out.push('', ...nv);
  if (m.passRates?.length) {
    const below = m.passRates.filter((r) => r.passed < r.runs);
    out.push('', `Pass rates (each test ${[...new Set(m.passRates.map((r) => r.runs))].join(' or ')} times): ${m.passRates.length - below.length} of ${m.passRates.length} tests passed every run${below.length ? ':' : '.'}`);
    if (below.length) out.push('', ...below.map((r) => `- \`${r.cell}\` ${r.suite} › ${r.test}: ${r.passed} of ${r.runs} (${Math.round((100 * r.passed) / r.runs)}%)`));
  }
  return out.join('\n') + '\n';
}

/** The GitHub Actions job summary: counts by status, then the report. */
export function jobSummary(m: SupportMatrix): string {
  const counts = new Map<CellStatus, number>();
  for (const s of m.stacks) for (const c of s.cells) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  for (const c of m.notVerified) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
  const line = [...counts].map(([s, n]) => `${n} ${s}`).join(' · ');
  const mark = m.notVerified.some((c) => c.status === 'failed' || c.status === 'blocked') ? '❌' : '✅';
  return `${markdownReport(m).replace(/^## /, `## ${mark} `)}\nCells: ${line}\n\n`;
}
