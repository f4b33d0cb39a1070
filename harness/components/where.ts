// Where each catalog version would come from here: the Go module proxy, PyPI, a git source, or nowhere.
import { availabilityFile, loadCatalog, type Availability, type ComponentId } from '../../matrix/catalog/index.js';
import type { Sources } from '../../matrix/config.js';
import type { Cell } from '../../matrix/cell.js';
import { isFloating } from '../../matrix/versions.js';
import { stringify } from 'yaml';
import { writeAtomic } from '../../lib/files.js';
import { gitTags } from './git.js';
import { run } from '../../lib/exec.js';
import { home } from '../../lib/paths.js';

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
  // Branch queries (dev): one per Go component; "refused" only when the proxy answers none.
  const branches = await pool(catalog.components.filter((c) => c.source.kind === 'go' && (!ids || ids.includes(c.id))), 4, async (c) => (c.source.kind === 'go' ? (await goModule(c.source.module, c.source.branch)).status !== 'missing' : false));
  return { checked: new Date().toISOString().slice(0, 10), where: 'the Go module proxy and PyPI as reached from this machine', branches: branches.some(Boolean) ? 'served' : 'refused', versions: rows };
}

/** What the proxy answers for one version, from its .info alone (no download): `go list -m`. */
async function goInfo(module: string, version: string): Promise<Pick<Row, 'status' | 'detail'>> {
  const r = await run('go', ['list', '-m', '-json', `${module}@${version}`], { cwd: home(), env: { GOFLAGS: '-mod=mod', GOWORK: 'off' }, timeout: 120_000 });
  if (r.ok) return { status: 'ok' };
  const said = /server response: ([^\n]+)/.exec(r.stderr)?.[1] ?? /: (\d{3} [^\n]+)/.exec(r.stderr)?.[1] ?? r.stderr.trim().split('\n').pop() ?? '';
  return { status: 'missing', detail: `the Go module proxy: ${said.trim().replace(/\.$/, '').slice(0, 120)}` };
}

/**
 * Asks the Go module proxy, as reached from this machine, about exactly the releases (and branch
 * queries) that the cells need and that neither this machine's record nor a git source answers, and
 * adds the answers to the record (availabilityFile). So a fresh machine knows ahead, as a warm one
 * does, which cells it cannot build. Returns how many answers were new (0: nothing to plan again).
 */
export async function askRegistries(cells: Cell[], sources: Sources): Promise<number> {
  const catalog = loadCatalog();
  const known = catalog.availability;
  const wanted = new Map<string, { component: ComponentId; tag: string; module: string }>();
  let branch: { module: string; ref: string } | undefined;
  for (const cell of cells) {
    for (const [id, v] of Object.entries(cell.versions) as [ComponentId, string][]) {
      const c = catalog.components.find((x) => x.id === id);
      if (c?.source.kind !== 'go' || sources[id]) continue;
      if (v === 'dev') branch ??= known?.branches ? undefined : { module: c.source.module, ref: c.source.branch };
      else if (!isFloating(v) && !known?.versions.some((x) => x.component === id && x.tag === v)) wanted.set(`${id}@${v}`, { component: id, tag: v, module: c.source.module });
    }
  }
  if (!wanted.size && !branch) return 0;
  const rows = await pool([...wanted.values()], 4, async (w): Promise<Row> => ({ component: w.component, tag: w.tag, ...(await goInfo(w.module, w.tag)) }));
  const branches = branch ? ((await goInfo(branch.module, branch.ref)).status === 'missing' ? 'refused' : 'served') : known?.branches;
  const record: Availability = {
    checked: new Date().toISOString().slice(0, 10),
    where: known?.where ?? 'the Go module proxy and PyPI as reached from this machine',
    ...(branches ? { branches } : {}),
    versions: [...(known?.versions ?? []), ...rows],
  };
  writeAtomic(availabilityFile(), `# What the registries reachable from this machine answered (run asks for what a plan needs; \`npx codeflare-matrix sources --check --write\` for every version).\n${stringify({ availability: record })}`);
  return rows.length + (branch ? 1 : 0);
}

/** Where each catalog version of the Go components would come from: the proxy, a git source, or nowhere (and the fix). */
export async function whereFrom(sources: Sources, availability = loadCatalog().availability): Promise<{ component: ComponentId; tag: string; from: 'proxy' | 'git' | 'pypi' | 'nowhere'; detail: string }[]> {
  const catalog = loadCatalog();
  const out: Awaited<ReturnType<typeof whereFrom>> = [];
  for (const c of catalog.components) {
    if (c.source.kind === 'kubernetes') continue;
    // a PyPI component's git source holds its tests, never what installs
    const g = c.source.kind === 'go' ? sources[c.id] : undefined;
    const tags = g ? await gitTags(g.git, c.id) : new Map<string, string>();
    for (const v of c.versions) {
      const a = availability?.versions.find((x) => x.component === c.id && x.tag === v.tag);
      const served = a && a.status !== 'missing';
      const inGit = tags.get(v.tag);
      const pypi = c.source.kind === 'pypi';
      if (g && inGit && (g.prefer === 'git' || !served)) out.push({ component: c.id, tag: v.tag, from: 'git', detail: `${g.git} at ${inGit.slice(0, 12)}${served ? ' (prefer: git)' : ` (${a?.detail ?? 'the proxy refuses it'})`}` });
      else if (served || !a) out.push({ component: c.id, tag: v.tag, from: pypi ? 'pypi' : 'proxy', detail: a?.status === 'unverified' ? a.detail ?? 'unverified' : a ? '' : 'not checked here (sources --check)' });
      else out.push({ component: c.id, tag: v.tag, from: 'nowhere', detail: `${a.detail ?? 'not served'}${pypi ? '' : g ? `; no tag ${v.tag} in ${g.git}` : `; fix: name a git repository of ${c.repo} under sources: (~/.config/codeflare-matrix/sources.yaml or the config)`}` });
    }
  }
  return out;
}
