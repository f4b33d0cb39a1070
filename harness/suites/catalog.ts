// The catalog's upstream suites (matrix/catalog/upstream.yaml) by component and version, and the
// images made here that stand in for names their code uses. Light: the config and providers read it.
import { loadCatalog, type ComponentId, type UpstreamSuite } from '../../matrix/catalog/index.js';
import { satisfies } from '../../matrix/versions.js';

/** A suite a config's `suites:` can name: ours by file name, an upstream one as upstream:<component>. */
export type SuiteInfo = { name: string; kind: 'playwright' | UpstreamSuite['kind']; title: string };

export const UPSTREAM = 'upstream:';

/** The upstream suites the catalog knows, one name per component. */
export function upstreamSuites(): SuiteInfo[] {
  const seen = new Map<string, SuiteInfo>();
  for (const u of loadCatalog().upstream) {
    const name = `${UPSTREAM}${u.component}`;
    if (!seen.has(name)) seen.set(name, { name, kind: u.kind, title: `${u.component}'s own e2e suite (${u.package}), at the cell's version` });
  }
  return [...seen.values()];
}

/**
 * The catalog's suite of a component at a version (a tag or a module version), if any: its test
 * entries for that version, and the stand-ins those (or the suite) still name.
 */
export function upstreamSuite(component: ComponentId, version: string): UpstreamSuite | undefined {
  const catalog = loadCatalog();
  const suite = catalog.upstream.find((u) => u.component === component && satisfies(catalog, component, version, u.range));
  if (!suite) return undefined;
  const tests = suite.tests.filter((t) => !t.range || satisfies(catalog, component, version, t.range));
  if (tests.length === suite.tests.length) return suite;
  const named = new Set([...suite.needs.images, ...tests.flatMap((t) => t.needs?.images ?? [])]);
  const only = new Set(suite.tests.filter((t) => !tests.includes(t)).flatMap((t) => t.needs?.images ?? []).filter((i) => !named.has(i)));
  return { ...suite, tests, standIns: Object.fromEntries(Object.entries(suite.standIns).filter(([name]) => !only.has(name))) };
}

/** The image the catalog makes stand in for an image name an upstream suite's code uses, if any. */
export function standInOf(image: string): string | undefined {
  return loadCatalog().upstream.map((u) => u.standIns[image]).find((x) => x !== undefined);
}

/** The worker nodes the selected upstream suites' own clusters have (the most of them), and which suites ask. */
export function workersFor(versions: Partial<Record<ComponentId, string>>, components: string[]): { workers: number; why: string[] } {
  let workers = 0;
  const why: string[] = [];
  for (const id of components as ComponentId[]) {
    const v = versions[id];
    const suite = v ? upstreamSuite(id, v) : undefined;
    const n = suite?.needs.workers;
    if (n) {
      workers = Math.max(workers, n);
      why.push(`${id} ${v}'s own e2e cluster has ${n}`);
    }
    // a test that runs here and needs more of the cluster than its node (the CPUs of upstream's runner)
    for (const t of suite?.tests ?? []) {
      if (t.reason || !t.needs?.workers) continue;
      workers = Math.max(workers, t.needs.workers);
      why.push(`${id} ${v}'s tests ${t.match} need ${t.needs.workers} beside the control plane (upstream.yaml)`);
    }
  }
  return { workers, why };
}

/** Stand-ins the selected upstream suites (by component) need in a cell of these versions: name → the image made here for it. */
export function standInsFor(versions: Partial<Record<ComponentId, string>>, components: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of components as ComponentId[]) {
    const v = versions[id];
    const suite = v ? upstreamSuite(id, v) : undefined;
    if (suite && !suite.reason) Object.assign(out, suite.standIns);
  }
  return out;
}
