// Loads the catalog: every YAML file in this folder, merged, then validated against schema.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { parse } from 'yaml';
import { z } from 'zod';
import { UserError } from '../../lib/errors.js';
import { writeAtomic } from '../../lib/files.js';
import { keptFile } from '../../lib/objects.js';
import { home, repoRoot } from '../../lib/paths.js';
import { Availability, Catalog, type Component, type ComponentId, type PinSet } from './schema.js';

export * from './schema.js';

const here = join(repoRoot, 'matrix', 'catalog');

let cached: Catalog | undefined;

/**
 * What the registries answer where the tool runs (the Go module proxy, PyPI), as `sources --check
 * --write` recorded it on this machine: a cache per machine, never shipped (another machine's proxy
 * answers otherwise). Absent, every version is taken as available and a build says what is refused.
 */
export const availabilityFile = (): string => join(home(), 'availability.yaml');

const availabilities = new Map<string, Availability | undefined>();

/** The record, read again only when the file changes (a stat per call). */
function machineAvailability(): Availability | undefined {
  const file = availabilityFile();
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile()) return undefined;
  const key = `${file}@${st.mtimeMs}:${st.size}`;
  if (availabilities.has(key)) return availabilities.get(key);
  const text = readFileSync(file, 'utf8');
  const parsed = Availability.safeParse((parse(text) as { availability?: unknown } | null)?.availability);
  if (!parsed.success) throw new UserError(`not an availability record: ${z.prettifyError(parsed.error).split('\n').join(' ')}`, file, 'record it again: npx codeflare-matrix sources --check --write (or delete the file)');
  availabilities.set(key, parsed.data);
  return parsed.data;
}

/** The catalog shipped with the harness (matrix/catalog/*.yaml and components/*.yaml), with this machine's availability. */
export function loadCatalog(dir = here): Catalog {
  if (dir === here && cached) return withAvailability(cached);
  const files = [
    ...readdirSync(join(dir, 'components')).map((f) => join(dir, 'components', f)),
    ...readdirSync(dir).map((f) => join(dir, f)),
  ].filter((f) => f.endsWith('.yaml')).sort();
  const texts = files.map((f) => readFileSync(f, 'utf8'));
  const data = validated(dir, files, texts);
  if (dir !== here) return data;
  cached = data;
  return withAvailability(cached);
}

// The code that validates (this file and schema.ts, as they run): a change to it is a change of the kept catalog.
const code = ['index', 'schema'].map((f) => readFileSync(join(dirname(fileURLToPath(import.meta.url)), `${f}${fileURLToPath(import.meta.url).slice(-3)}`), 'utf8'));

/**
 * The catalog merged and validated, kept as JSON by the hash of its files and of the code that
 * validates them: every process of a run (the CLI, each cell's runner and workers) loads it, and
 * parsing 100 KB of YAML with its checks takes ~0.5 s of CPU each time, JSON ~1 ms.
 */
function validated(dir: string, files: string[], texts: string[]): Catalog {
  const kept = keptFile('catalog', [files.map((f) => f.slice(dir.length)), texts, code]);
  try {
    return JSON.parse(readFileSync(kept, 'utf8')) as Catalog;
  } catch {
    // not kept yet (or unreadable): validated below
  }
  const merged: Record<string, unknown[] | unknown> = { components: [] };
  for (const [i, file] of files.entries()) {
    let doc: Record<string, unknown>;
    try {
      doc = parse(texts[i]!) as Record<string, unknown>;
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
  const unserved = pinSetsUnserved(parsed.data);
  if (unserved) throw new UserError(`invalid catalog: ${unserved}`, join(dir, 'upstream.yaml'), 'name pin sets wheelhouses.yaml has for those versions, or narrow the test entry\'s range');
  try {
    writeAtomic(kept, JSON.stringify(parsed.data));
  } catch {
    // a cache: a home that cannot be written only costs the parse next time
  }
  return parsed.data;
}

/** The pin sets (wheelhouses.yaml) of a component's version: those whose range it falls in. */
export function pinSetsOf(catalog: Catalog, component: ComponentId, version: string): PinSet[] {
  const v = semver.coerce(version, { includePrerelease: false })?.version;
  return catalog.wheelhouses.filter((p) => p.component === component && !!v && semver.satisfies(v, p.range));
}

/**
 * An upstream suite's `needs.packageIndex` against wheelhouses.yaml, for every catalog version the
 * suite or test entry covers: `true` needs a pin set there, a list names only pin sets there. The
 * first mismatch, or undefined.
 */
function pinSetsUnserved(catalog: Catalog): string | undefined {
  for (const suite of catalog.upstream) {
    const versions = catalog.components.find((c) => c.id === suite.component)?.versions.map((v) => v.tag) ?? [];
    const entries = [{ match: '(the suite)', range: undefined, needs: suite.needs }, ...suite.tests];
    for (const entry of entries) {
      const want = entry.needs?.packageIndex;
      if (!want) continue;
      // every entry a version takes (the runner serves what each asks, as the tests that run may match any)
      for (const tag of versions) {
        const v = semver.coerce(tag)?.version;
        if (!v || !semver.satisfies(v, suite.range) || (entry.range && !semver.satisfies(v, entry.range))) continue;
        const have = pinSetsOf(catalog, suite.component, tag).map((p) => p.id);
        const missing = want === true ? (have.length ? [] : ['any']) : want.filter((id) => !have.includes(id));
        if (missing.length) return `${suite.component} ${tag}'s test entry ${entry.match} needs pin set ${missing.join(', ')}, which wheelhouses.yaml has not for that version (it has ${have.join(', ') || 'none'})`;
      }
    }
  }
  return undefined;
}

let joined: { base: Catalog; availability: Availability | undefined; catalog: Catalog } | undefined;

/** The shipped catalog with this machine's availability (the same object while neither changes). */
function withAvailability(base: Catalog): Catalog {
  const availability = machineAvailability();
  if (joined?.base !== base || joined.availability !== availability) joined = { base, availability, catalog: { ...base, ...(availability ? { availability } : {}) } };
  return joined.catalog;
}

/** The component that plays `role` for the stack (the catalog's `role`: one each of cluster, operator, client). */
export function withRole(catalog: Catalog, role: 'cluster' | 'operator' | 'client'): Component {
  const found = catalog.components.filter((c) => c.role === role);
  if (found.length !== 1) throw new Error(`the catalog must name one ${role} component (role: ${role}), not ${found.length}`);
  return found[0]!;
}

export { component } from './lookup.js';

/** README typos kept in the published record, mapped to the tag they meant. */
export function normalizeDeclared(v: string): string {
  return v.replace(/^v\.(\d)/, 'v$1');
}
