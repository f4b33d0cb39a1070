// Component build cost: each cached build's cold time (recorded in its manifest when it was built)
// against a warm buildComponent (a cache hit: a manifest read and a stat), and the cache hit rate
// over the Go components and SDKs the cells of a plan need.
// Run: node --import tsx bench/components.ts [--runs 20]  — it never builds; build components first.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadCatalog, type ComponentId } from '../matrix/catalog/index.js';
import { parseConfig } from '../matrix/config.js';
import { plan } from '../matrix/planner/index.js';
import { buildComponent, componentsHome, listBuilt } from '../harness/components/build.js';
import { sdkDir } from '../harness/components/sdk.js';
import type { Source } from '../harness/components/types.js';
import { table } from '../harness/table.js';
import { duration } from '../harness/toolchain/build.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (n: number) => (n / 2 ** 20).toFixed(0);

console.log(`component cache: ${componentsHome()}\n`);
const built = listBuilt().sort((a, b) => a.id.localeCompare(b.id) || a.key.localeCompare(b.key));
const rows: string[][] = [];
for (const e of built) {
  const source = e.manifest.source as Source;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await buildComponent(source, { overrides: e.manifest.overrides });
    times.push(performance.now() - t);
  }
  const ov = Object.entries(e.manifest.overrides).map(([p, v]) => `${p.split('/').pop()}@${v}`).join(' ');
  const version = source.origin === 'git' ? `${source.tag ?? source.resolved} (git ${source.commit?.slice(0, 12)})` : source.tag ? `${source.tag} (checkout)` : source.resolved;
  rows.push([e.id, version, ov, duration(e.manifest.buildSeconds * 1000), `${median(times).toFixed(2)} ms`, mib(e.manifest.binary.size)]);
}
console.log(table(['component', 'version', 'overrides', 'cold build', `warm (median of ${runs})`, 'MiB'], rows));
// Cold times share Go's build cache: a component built after another with the same client-go compiles less.
console.log('cold build = the first build of the entry, as its manifest recorded it (with whatever Go build cache there was)');

// Hit rate over the cells of a plan: every component a cell runs as its own binary (not one embedded
// in the operator), and the SDK, looked up by version as a cell asks for it.
const catalog = loadCatalog();
const config = {
  strategy: 'pairwise',
  kubernetes: ['1.29', '1.31'],
  components: {
    'codeflare-operator': ['v1.2.0', 'v1.16.0'],
    kuberay: ['v1.0.0', 'v1.3.2'],
    'codeflare-sdk': ['v0.14.0', 'v0.29.0'],
    kueue: ['v0.11.6'],
  },
};
const cells = plan(parseConfig(stringify(config), 'bench.yaml'), catalog).cells;
let fromCheckouts = 0;
const have = (id: ComponentId, tag: string): boolean => {
  if (id === 'codeflare-sdk') return existsSync(join(sdkDir(tag), 'sdk.json'));
  const plainBuilds = built.filter((e) => e.id === id && !Object.keys(e.manifest.overrides).length).map((e) => e.manifest.source as Source);
  if (plainBuilds.some((s) => s.resolved === tag)) return true;
  // A build from a clean checkout at that tag (where the proxy does not serve the module).
  if (!plainBuilds.some((s) => s.tag === tag)) return false;
  fromCheckouts++;
  return true;
};
let total = 0;
let hits = 0;
const distinct = new Set<string>();
const missing = new Set<string>();
for (const cell of cells) {
  const era = catalog.eras.find((x) => x.id === cell.era);
  for (const [id, tag] of Object.entries(cell.versions) as [ComponentId, string][]) {
    const how = era?.install[id];
    const kind = catalog.components.find((c) => c.id === id)?.source.kind;
    if (kind === 'kubernetes' || how === 'embedded-in-operator') continue;
    total++;
    distinct.add(`${id}@${tag}`);
    if (have(id, tag)) hits++;
    else missing.add(`${id} ${tag}`);
  }
}
console.log(`\n${cells.length} cells (pairwise over ${JSON.stringify(config.components)}), ${total} component uses, ${distinct.size} distinct builds/installs`);
console.log(`  hit rate now: ${hits}/${total} = ${((100 * hits) / Math.max(total, 1)).toFixed(0)}%${fromCheckouts ? `, ${fromCheckouts} of them builds from checkouts` : ''}${missing.size ? ` (missing: ${[...missing].join(', ')})` : ''}`);
console.log(`  hit rate running every cell from an empty cache (each distinct one built once): ${total - distinct.size}/${total} = ${((100 * (total - distinct.size)) / Math.max(total, 1)).toFixed(0)}%`);
