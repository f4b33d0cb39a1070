// The verified support matrix, from results only: one stack per distinct set of versions that ran in
// cells that passed, with what ran read from provenance, and every other cell with why it verifies
// nothing. Markdown, JSON, HTML, gate and audit all render or check this one model.
import semver from 'semver';
import { UserError } from '../lib/errors.js';
import { component, withRole, type Catalog, type ComponentId } from '../matrix/catalog/index.js';
import { causeLine, cellStatus, embedded, suiteStatus, type CellResult, type CellStatus, type Provenance, type Results, type TestResult } from '../model/results.js';

/** Where a version shown for a cell comes from: the component's own provenance, the operator binary that compiles it in, or (no provenance) the plan. */
export type Source = 'provenance' | 'operator binary' | 'requested';
export type Ran = { version: string; source: Source };

export function goModule(catalog: Catalog, id: ComponentId): string | undefined {
  const s = component(catalog, id).source;
  return s.kind === 'go' ? s.module : undefined;
}

/** The version of `id` that ran in a cell: provenance first, never the request when provenance says otherwise. */
export function ran(catalog: Catalog, cell: CellResult, id: ComponentId): Ran | undefined {
  if (id === withRole(catalog, 'cluster').id) {
    if (cell.serverVersion) return { version: cell.serverVersion, source: 'provenance' };
    return cell.requested.kubernetes ? { version: cell.requested.kubernetes, source: 'requested' } : undefined;
  }
  const own = cell.provenance.find((p) => p.component === id);
  if (own) return { version: embedded(own, own.module) ?? own.resolved, source: 'provenance' };
  // Era B: MCAD and InstaScale have no binary of their own; the operator's build info says what it compiled in.
  const era = catalog.eras.find((e) => e.id === cell.era);
  const op = cell.provenance.find((p) => p.component === withRole(catalog, 'operator').id);
  const mod = goModule(catalog, id);
  if (op && mod && era?.install[id] === 'embedded-in-operator') {
    const v = embedded(op, mod);
    if (v) return { version: v, source: 'operator binary' };
  }
  return cell.requested[id] ? { version: cell.requested[id], source: 'requested' } : undefined;
}

const TAG = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
/** A Go pseudo-version ends in a 14-digit time and a 12-digit commit (v0.0.0-20240719212005-aab106b2126e). */
const PSEUDO = /\d{14}-([0-9a-f]{12})$/;

export const isReleaseTag = (v: string): boolean => TAG.test(v) && !PSEUDO.test(v);

/** The release page of a tag (the README links these), or the commit of a pseudo-version; nothing for a local path. */
export function versionLink(repo: string, version: string): string | undefined {
  if (isReleaseTag(version)) return `https://github.com/${repo}/releases/tag/${version}`;
  const commit = PSEUDO.exec(version)?.[1];
  return commit ? `https://github.com/${repo}/commit/${commit}` : undefined;
}

export type StackRow = { component: ComponentId; title: string; version: string; link?: string; source: Source };

/** Provenance in short: identity of what ran, and only the catalog's own modules among the compiled-in dependencies. */
export type ProvenanceSummary = Omit<Provenance, 'deps'> & { deps: { path: string; version: string }[] };

export type VerifiedCell = {
  id: string;
  title: string;
  status: CellStatus;
  kubernetes: string;
  provider: string;
  upgradeFrom?: Record<string, string>;
  finishedAt?: string;
  differences: string[];
  provenance: ProvenanceSummary[];
};

export type Stack = {
  /** The operator version, or undefined for a stack without it (era E). */
  operator?: string;
  rows: StackRow[];
  cells: VerifiedCell[];
  /** Where an operator binary that ran compiles in another version of a component than the row shows. */
  notes: string[];
};

export type NotVerified = { id: string; title: string; status: CellStatus; reason: string; requested: Record<string, string>; /** blocked ahead: known from the plan, not a failure */ ahead?: boolean };

export type SupportMatrix = {
  kind: 'codeflare-matrix/support-matrix';
  schema: 1;
  config: Results['config'];
  harness: Results['harness'];
  strategy: string;
  provider: string;
  runs: Results['runs'];
  allowFlaky: boolean;
  stacks: Stack[];
  notVerified: NotVerified[];
  /** run --repeat: each test's pass rate (cell, suite, test, passed of runs); one that never ran has its status instead, and no rate. */
  passRates?: { cell: string; suite: string; test: string; passed: number; runs: number; status?: 'not-applicable' | 'blocked'; reason?: string }[];
};

/** "1.2.0" names the release v1.2.0. */
export const normalizeRelease = (v: string): string => (v.startsWith('v') ? v : `v${v}`);

/** The one verified stack of a release: the published row's versions when several were verified, else the only one. */
export function releaseStack(m: SupportMatrix, release: string, where: string, catalog: Catalog): Stack {
  const v = normalizeRelease(release);
  const stacks = m.stacks.filter((s) => s.operator === v);
  if (!stacks.length) throw new UserError(`no verified stack of operator ${v} in the results`, where, 'run that release (npx codeflare-matrix run -s release); `report` lists why each cell is not verified');
  if (stacks.length === 1) return stacks[0]!;
  const row = catalog.published.find((r) => r.operator === v);
  const same = row && stacks.find((s) => s.rows.every((r) => !row.declared[r.component] || row.declared[r.component] === r.version));
  if (same) return same;
  throw new UserError(`${stacks.length} verified stacks of operator ${v} (${stacks.map((s) => s.rows.map((r) => `${r.title} ${r.version}`).join(', ')).join(' | ')}): which one is the release's?`, where, 'report on the results of the release strategy for it, which has one row');
}

export const verifies = (status: CellStatus, allowFlaky: boolean): boolean => status === 'passed' || (allowFlaky && status === 'flaky');

const firstLine = (s: string): string => s.trim().split('\n')[0]!.trim();

/** A test that ran: one not applicable to its cell or blocked has no pass rate (never "0 of N"). */
const rated = (t: TestResult): boolean => t.status !== 'not-applicable' && t.status !== 'blocked';

/** A test and why it did not pass, in a line. */
export function testLine(t: TestResult): string {
  const error = t.errors[0] ? firstLine(t.errors[0]) : t.reason ? firstLine(t.reason) : undefined;
  const detail = t.status === 'flaky' ? `passed only on retry ${t.retries}${error ? `; first attempt: ${error}` : ''}` : error;
  const rate = t.repeats && rated(t) ? ` [passed ${t.repeats.passed} of ${t.repeats.runs} runs]` : '';
  const cause = t.cause ? `; the cluster says: ${causeLine(t.cause)}` : '';
  return `${t.title}${rate}${detail ? ` — ${detail}` : ''}${cause}`;
}

/**
 * run --repeat: with a threshold, a test that failed some of its runs counts as passed when its pass
 * rate reaches it; suites and cells are judged again from their tests. Without one (1), every run must pass.
 */
export function withPassRate(results: Results, minPassRate = 1): Results {
  if (minPassRate >= 1) return results;
  const cells = results.cells.map((c) => {
    const suites = c.suites.map((s) => {
      const tests = s.tests.map((t) => (t.repeats && t.status === 'failed' && t.repeats.passed / t.repeats.runs >= minPassRate ? { ...t, status: 'passed' as const } : t));
      return { ...s, tests, status: tests.length ? suiteStatus(tests) : s.status };
    });
    const judged = suites.some((s) => s.tests.some((t) => t.repeats));
    return judged && c.status === 'failed' ? { ...c, suites, status: cellStatus(suites) } : { ...c, suites };
  });
  return { ...results, cells };
}

/**
 * Why a cell verifies nothing, in one line: its own reason, else the first test or suite with its
 * status (one the cluster does not put down to the environment first).
 */
export function whyNot(cell: CellResult): string {
  if (cell.reason) return firstLine(cell.reason);
  // a failure of the stack's own before one the cluster puts down to the environment
  for (const own of [true, false]) {
    for (const s of cell.suites) {
      if (own && s.status === cell.status && s.reason) return `${s.name}: ${firstLine(s.reason)}`;
      const t = s.tests.find((x) => x.status === cell.status && !(own && x.cause));
      if (t) return `${s.name}: ${testLine(t)}`;
    }
  }
  return cell.suites.length ? cell.status : 'no suite ran';
}

export function summarizeProvenance(catalog: Catalog, p: Provenance): ProvenanceSummary {
  const ours = new Set(catalog.components.flatMap((c) => (c.source.kind === 'go' ? [c.source.module] : [])));
  // A replace reads as go.mod writes it: "v0.7.1 => github.com/opendatahub-io/kueue v0.7.0-odh-test".
  const version = (d: NonNullable<Provenance['deps']>[number]) => (d.replacedBy ? `${d.version} => ${d.replacedBy.path === d.path ? '' : `${d.replacedBy.path} `}${d.replacedBy.version}` : d.version);
  const { deps, ...rest } = p;
  return { ...rest, deps: (deps ?? []).filter((d) => ours.has(d.path)).map((d) => ({ path: d.path, version: version(d) })) };
}

function byOperatorDesc(a: Stack, b: Stack): number {
  if (!a.operator || !b.operator) return a.operator ? -1 : b.operator ? 1 : 0;
  const [x, y] = [semver.valid(a.operator), semver.valid(b.operator)];
  return x && y ? semver.rcompare(x, y) : b.operator.localeCompare(a.operator);
}

/** Stacks from the cells that verify (passed; flaky with allowFlaky), newest operator first; the rest with reasons. */
export function supportMatrix(results: Results, catalog: Catalog, opts: { allowFlaky?: boolean } = {}): SupportMatrix {
  const allowFlaky = opts.allowFlaky ?? false;
  const rates = results.cells.flatMap((c) => c.suites.flatMap((s) => s.tests.flatMap((t) => (t.repeats ? [{ cell: c.id, suite: s.name, test: t.title, ...t.repeats, ...(rated(t) ? {} : { status: t.status as 'not-applicable' | 'blocked', ...(t.reason ? { reason: t.reason } : {}) }) }] : []))));
  const stacks = new Map<string, Stack>();
  const notVerified: NotVerified[] = [];
  const operator = withRole(catalog, 'operator').id;
  for (const cell of results.cells) {
    if (!verifies(cell.status, allowFlaky)) {
      notVerified.push({ id: cell.id, title: cell.title, status: cell.status, reason: whyNot(cell), requested: cell.requested, ...(cell.ahead ? { ahead: true } : {}) });
      continue;
    }
    const rows: StackRow[] = [];
    for (const id of catalog.readmeOrder) {
      const r = ran(catalog, cell, id);
      if (!r) continue;
      const c = component(catalog, id);
      const link = versionLink(c.repo, r.version);
      rows.push({ component: id, title: c.title, version: r.version, ...(link ? { link } : {}), source: r.source });
    }
    // Same versions on several Kubernetes versions (or as an upgrade target) are one stack, verified by each of those cells.
    const key = rows.map((r) => `${r.component}=${r.version}`).join(' ');
    const stack = stacks.get(key) ?? { operator: rows.find((r) => r.component === operator)?.version, rows, cells: [], notes: [] };
    stacks.set(key, stack);
    const op = cell.provenance.find((p) => p.component === operator);
    for (const r of rows) {
      const mod = r.component === operator ? undefined : goModule(catalog, r.component);
      const inOp = op && mod ? embedded(op, mod) : undefined;
      const note = `the operator binary embeds ${r.title} ${inOp}`;
      if (inOp && inOp !== r.version && !stack.notes.includes(note)) stack.notes.push(note);
    }
    stack.cells.push({
      id: cell.id,
      title: cell.title,
      status: cell.status,
      kubernetes: ran(catalog, cell, withRole(catalog, 'cluster').id)?.version ?? '?',
      provider: cell.provider,
      ...(cell.upgradeFrom ? { upgradeFrom: cell.upgradeFrom } : {}),
      ...(cell.finishedAt ? { finishedAt: cell.finishedAt } : {}),
      differences: cell.differences,
      provenance: cell.provenance.map((p) => summarizeProvenance(catalog, p)),
    });
  }
  return {
    kind: 'codeflare-matrix/support-matrix',
    schema: 1,
    config: results.config,
    harness: results.harness,
    strategy: results.strategy,
    provider: results.provider,
    runs: results.runs,
    allowFlaky,
    stacks: [...stacks.values()].sort(byOperatorDesc),
    notVerified,
    ...(rates.length ? { passRates: rates } : {}),
  };
}
