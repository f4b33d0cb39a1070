// Plain aligned text tables for the terminal. Wider than the terminal (or $COLUMNS), columns the
// caller marks as droppable go first (empty ones before them), as kubectl leaves its wide columns to
// -o wide; then the widest columns are narrowed and their cells wrap onto more lines. Piped without
// $COLUMNS, rows stay whole so scripts and logs can grep them.

/** The width to fit: the terminal's, else $COLUMNS, else none. */
export const terminalWidth = (): number => (process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : Number(process.env.COLUMNS) || Infinity);

/** Breaks text into lines of at most `width` characters, at spaces where it can. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    for (let w = word; w; ) {
      const sep = line ? ' ' : '';
      if ((line + sep + w).length <= width) {
        line += sep + w;
        w = '';
      } else if (line) {
        out.push(line);
        line = '';
      } else {
        out.push(w.slice(0, width));
        w = w.slice(width);
      }
    }
  }
  return [...out, line].filter((l, i, all) => l || all.length === 1);
}

const GAP = 2;
const NARROWEST = 8;

/**
 * The columns kept to fit `width`: columns empty in every row go while the rows' whole width is over
 * it; then those in `drop` (indices, first to go first) while even wrapped (each column as narrow
 * as its longest word) the table would not fit. Returns the kept indices.
 */
export function fitColumns(header: string[], rows: string[][], width: number, drop: number[]): number[] {
  const natural = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const least = header.map((h, i) => Math.max(NARROWEST, ...[h, ...rows.map((r) => r[i] ?? '')].flatMap((c) => c.split(' ')).map((w) => w.length)));
  const empty = header.map((_, i) => i).filter((i) => rows.length > 0 && rows.every((r) => !r[i]));
  let kept = header.map((_, i) => i);
  const total = (w: number[]) => kept.reduce((a, i) => a + Math.min(w[i]!, natural[i]!), 0) + GAP * (kept.length - 1);
  for (const i of empty) if (total(natural) > width) kept = kept.filter((k) => k !== i);
  for (const i of drop) if (total(least) > width) kept = kept.filter((k) => k !== i);
  return kept;
}

/** A table; `drop` lists columns that may go (first to go first) when it is wider than `width`. */
export function table(allHeader: string[], allRows: string[][], width = terminalWidth(), drop: number[] = []): string {
  const kept = drop.length ? fitColumns(allHeader, allRows, width, drop) : allHeader.map((_, i) => i);
  const header = kept.map((i) => allHeader[i]!);
  const rows = allRows.map((r) => kept.map((i) => r[i] ?? ''));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  // Text wraps at spaces: a column narrows no further than its longest word (ids and versions never break).
  const least = header.map((h, i) => Math.max(NARROWEST, ...[h, ...rows.map((r) => r[i] ?? '')].flatMap((c) => c.split(' ')).map((w) => w.length)));
  // narrow the widest column that can give, a character at a time, until the table fits or none can
  for (let total = widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1); total > width; total--) {
    const can = widths.map((w, i) => (w > least[i]! ? w : -1));
    const i = can.indexOf(Math.max(...can));
    if (can[i]! < 0) break;
    widths[i]!--;
  }
  const line = (r: string[]) => {
    const cells = widths.map((w, i) => wrap(r[i] ?? '', w));
    return Array.from({ length: Math.max(...cells.map((c) => c.length)) }, (_, k) => cells.map((c, i) => (c[k] ?? '').padEnd(widths[i]!)).join(' '.repeat(GAP)).trimEnd()).join('\n');
  };
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
