// Plain aligned text tables for the terminal. Wider than the terminal (or $COLUMNS), the widest
// columns are narrowed and their cells wrap onto more lines; piped without $COLUMNS, rows stay whole
// so scripts and logs can grep them.

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

export function table(header: string[], rows: string[][], width = terminalWidth()): string {
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
