// Loads the catalog: every YAML file in this folder, merged, then validated against schema.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { UserError } from '../../lib/errors.js';
import { repoRoot } from '../../lib/paths.js';
import { Catalog, type Component, type ComponentId } from './schema.js';

export * from './schema.js';

const here = join(repoRoot, 'matrix', 'catalog');

let cached: Catalog | undefined;

/** The catalog shipped with the harness (matrix/catalog/*.yaml and components/*.yaml). */
export function loadCatalog(dir = here): Catalog {
  if (dir === here && cached) return cached;
  const merged: Record<string, unknown[] | unknown> = { components: [] };
  const files = [
    ...readdirSync(join(dir, 'components')).map((f) => join(dir, 'components', f)),
    ...readdirSync(dir).map((f) => join(dir, f)),
  ].filter((f) => f.endsWith('.yaml'));
  for (const file of files.sort()) {
    let doc: Record<string, unknown>;
    try {
      doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      // Adding a version is a data change: point the editor at the line.
      const pos = (e as { linePos?: { line: number; col: number }[] }).linePos?.[0];
      throw new UserError(`malformed catalog YAML: ${(e as Error).message.split('\n')[0]}`, pos ? `${file}:${pos.line}:${pos.col}` : file, 'fix the YAML at that place');
    }
    if (file.includes('/components/')) (merged.components as unknown[]).push(doc);
    else Object.assign(merged, doc);
  }
  const parsed = Catalog.safeParse(merged);
  if (!parsed.success) {
    throw new UserError(`invalid catalog: ${z.prettifyError(parsed.error).split('\n').join(' ')}`, dir);
  }
  if (dir === here) cached = parsed.data;
  return parsed.data;
}

/** The component that plays `role` for the stack (the catalog's `role`: one each of cluster, operator, client). */
export function withRole(catalog: Catalog, role: 'cluster' | 'operator' | 'client'): Component {
  const found = catalog.components.filter((c) => c.role === role);
  if (found.length !== 1) throw new Error(`the catalog must name one ${role} component (role: ${role}), not ${found.length}`);
  return found[0]!;
}

export function component(catalog: Catalog, id: ComponentId): Component {
  const c = catalog.components.find((x) => x.id === id);
  if (!c) throw new Error(`catalog has no component ${id}`);
  return c;
}

/** README typos kept in the published record, mapped to the tag they meant. */
export function normalizeDeclared(v: string): string {
  return v.replace(/^v\.(\d)/, 'v$1');
}
