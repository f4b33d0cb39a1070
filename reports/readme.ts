// The operator README's Compatibility Matrix block: rewrite only the bytes between its markers
// (everything else, line endings and a missing final newline included, stays as it was), and read
// the tables a README declares.
import { statSync } from 'node:fs';
import { UserError } from '../lib/errors.js';
import { readInput, writeAtomic } from '../lib/files.js';
import type { Catalog, ComponentId } from '../matrix/catalog/index.js';
import { END, START } from './markdown.js';

/** Where the block's content starts and ends (right after the start marker, right before the end marker). */
function bounds(text: string, where: string): [number, number] {
  const i = text.indexOf(START);
  const j = i < 0 ? -1 : text.indexOf(END, i + START.length);
  const fix = `put the lines ${START} and ${END} around the matrix`;
  if (i < 0 || j < 0) throw new UserError(`no ${i < 0 ? START : END} marker`, where, fix);
  const again = text.indexOf(START, i + START.length);
  if (again !== -1 && again < j) throw new UserError(`two ${START} markers before ${END}`, where, fix);
  return [i + START.length, j];
}

/** The text with the block's content replaced by `lines`, in the file's own line ending. */
export function replaceBlock(text: string, lines: string[], where: string): string {
  const [a, b] = bounds(text, where);
  const eol = /^\r?\n/.exec(text.slice(a))?.[0] ?? (text.includes('\r\n') ? '\r\n' : '\n');
  return text.slice(0, a) + eol + lines.join(eol) + eol + text.slice(b);
}

/**
 * Reads a README for an update: UTF-8 that round-trips byte for byte (otherwise decoding would
 * change bytes outside the block), with both markers. Nothing is written until `write` is called.
 */
export function readmeUpdate(path: string, lines: string[]): { changed: boolean; text: string; write: () => void } {
  const bytes = readInput(path, 'readme', { what: 'cannot read the README', fix: 'pass the path of the operator README.md' });
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new UserError('not UTF-8 text: rewriting it would change bytes outside the matrix block', path, 'convert the file to UTF-8');
  const next = replaceBlock(text, lines, path);
  const changed = next !== text;
  return {
    changed,
    text: next,
    write: () => {
      if (changed) writeAtomic(path, next, statSync(path).mode & 0o777); // the file keeps its permissions
    },
  };
}

export type DeclaredEntry = { title: string; text: string; link?: string };
/** One table of the block: what it declares per component, and names the catalog does not know. */
export type DeclaredRow = { line: number; versions: Partial<Record<ComponentId, DeclaredEntry>>; unknown: string[] };

/** The tables between the markers (upstream has one; `report` writes one per stack). */
export function parseBlock(text: string, catalog: Catalog, where: string): DeclaredRow[] {
  const [a, b] = bounds(text, where);
  const firstLine = text.slice(0, a).split('\n').length;
  const byTitle = new Map(catalog.components.map((c) => [c.title.toLowerCase(), c.id]));
  const rows: DeclaredRow[] = [];
  let row: DeclaredRow | undefined; // the table being read; a line that is not a table row ends it
  text.slice(a, b).split(/\r?\n/).forEach((raw, n) => {
    const line = raw.trim();
    if (!line.startsWith('|')) {
      row = undefined;
      return;
    }
    const [name = '', value = ''] = line.split('|').slice(1, -1).map((x) => x.trim());
    if (!row) {
      // A table's first line is its header ("| Component | Version |").
      row = { line: firstLine + n, versions: {}, unknown: [] };
      rows.push(row);
      return;
    }
    if (/^:?-+:?$/.test(name)) return;
    const link = /^\[([^\]]*)\]\(([^)\s]*)\)$/.exec(value);
    const entry: DeclaredEntry = link ? { title: name, text: link[1]!.trim(), link: link[2]! } : { title: name, text: value };
    if (['', '—', '-', 'none'].includes(entry.text)) return;
    const id = byTitle.get(name.toLowerCase());
    if (id) row.versions[id] = entry;
    else row.unknown.push(name);
  });
  return rows.filter((r) => Object.keys(r.versions).length > 0 || r.unknown.length > 0);
}
