// `codeflare-matrix sources`: which catalog versions the registries reachable here actually serve
// (the Go module proxy for Go components, PyPI for the SDK). `--write` records it in the catalog,
// so plans and runs can say "cannot be built here" instead of failing late.
import { join } from 'node:path';
import { Command } from 'commander';
import { stringify } from 'yaml';
import { loadCatalog, type Availability, type ComponentId } from '../../matrix/catalog/index.js';
import { run } from '../exec.js';
import { writeAtomic } from '../files.js';
import { repoRoot, home } from '../paths.js';
import { table } from '../table.js';

type Row = Availability['versions'][number];

async function goModule(module: string, version: string): Promise<Pick<Row, 'status' | 'detail'>> {
  const r = await run('go', ['mod', 'download', '-json', `${module}@${version}`], { cwd: home(), env: { GOFLAGS: '-mod=mod', GOWORK: 'off' }, timeout: 300_000 });
  let err = '';
  try {
    err = (JSON.parse(r.stdout) as { Error?: string }).Error ?? '';
  } catch {
    err = r.stderr.trim();
  }
  if (!err && r.ok) return { status: 'ok' };
  if (/sumdb|verifying/.test(err)) return { status: 'unverified', detail: 'the proxy serves it, the checksum database (sum.golang.org) does not know it' };
  const said = /server response: ([^\n]+)/.exec(err)?.[1] ?? err.split('\n').pop() ?? err;
  return { status: 'missing', detail: `the Go module proxy: ${said.trim().replace(/\.$/, '').slice(0, 120)}` };
}

async function pypi(pkg: string): Promise<string[]> {
  const r = await run('python3', ['-m', 'pip', 'index', 'versions', pkg], { timeout: 120_000 });
  return /Available versions: (.*)/.exec(r.stdout)?.[1]?.split(', ').map((v) => `v${v.trim()}`) ?? [];
}

/** Runs `f` over `items`, `n` at a time, keeping order. */
async function pool<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  }));
  return out;
}

export async function checkSources(ids?: ComponentId[]): Promise<Availability> {
  const catalog = loadCatalog();
  const rows: Row[] = [];
  for (const c of catalog.components) {
    if (ids && !ids.includes(c.id)) continue;
    if (c.source.kind === 'go') {
      const src = c.source;
      rows.push(...(await pool(c.versions, 4, async (v) => ({ component: c.id, tag: v.tag, ...(await goModule(src.module, v.tag)) }))));
    } else if (c.source.kind === 'pypi') {
      const served = await pypi(c.source.package);
      rows.push(...c.versions.map((v): Row => (served.includes(v.tag) ? { component: c.id, tag: v.tag, status: 'ok' } : { component: c.id, tag: v.tag, status: 'missing', detail: 'not on PyPI' })));
    }
  }
  return { checked: new Date().toISOString().slice(0, 10), where: 'the Go module proxy and PyPI as reached from this machine', versions: rows };
}

export function sourcesCommand(): Command {
  return new Command('sources')
    .description('check which catalog versions the Go module proxy and PyPI serve here (and so can be built and installed)')
    .option('--write', 'record the result in matrix/catalog/availability.yaml')
    .option('--json', 'print as JSON')
    .action(async (o: { write?: boolean; json?: boolean }) => {
      const a = await checkSources();
      if (o.write) writeAtomic(join(repoRoot, 'matrix/catalog/availability.yaml'), `# Written by \`codeflare-matrix sources --write\`; what the registries reachable here serve.\n${stringify({ availability: a })}`);
      if (o.json) return console.log(JSON.stringify(a, null, 2));
      const bad = a.versions.filter((v) => v.status !== 'ok');
      console.log(table(['component', 'version', 'status', 'detail'], bad.map((v) => [v.component, v.tag, v.status, v.detail ?? ''])));
      const by = (s: string) => a.versions.filter((v) => v.status === s).length;
      console.log(`\n${a.versions.length} versions: ${by('ok')} ok, ${by('unverified')} unverified, ${by('missing')} missing (checked ${a.checked})`);
    });
}
