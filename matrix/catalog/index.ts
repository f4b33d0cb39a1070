// Loads the catalog: every YAML file in this folder, merged, then validated against schema.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { UserError } from '../../harness/errors.js';
import { Catalog, type Component, type ComponentId } from './schema.js';

export * from './schema.js';

const here = dirname(fileURLToPath(import.meta.url));

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
    const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
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

export function component(catalog: Catalog, id: ComponentId): Component {
  const c = catalog.components.find((x) => x.id === id);
  if (!c) throw new Error(`catalog has no component ${id}`);
  return c;
}
