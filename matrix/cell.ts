// A cell: one combination of versions on one Kubernetes version. Its id is derived from its
// contents only, so the same combination has the same id in every plan, run and report.
import { createHash } from 'node:crypto';
import type { Catalog, ComponentId, Era } from './catalog/index.js';
import { satisfies } from './versions.js';

export type Versions = Partial<Record<ComponentId, string>>;

/** Why a component has the version it has in a cell. */
export type Origin = 'axis' | 'bundled' | 'paired' | 'chain-dev' | 'under-test' | 'published';

export type Violation = { id: string; reason: string };

export type Cell = {
  id: string;
  era: string;
  title: string;
  versions: Versions;
  origin: Partial<Record<ComponentId, Origin>>;
  /** Upgrade cells: the stack installed first, then upgraded in place to `versions`. */
  upgradeFrom?: Versions;
  /** Capabilities a provider must have for every suite of the cell to run (e.g. openshift-machine-api). */
  needs: string[];
  /** Hard constraints a cell violates; only the `published` strategy keeps such cells (to show the record). */
  violations: Violation[];
  /** Versions the registries reachable here do not serve (catalog availability): such a cell cannot be built here. */
  unavailable: string[];
  /** What the plan chose and why, where it is not what was asked (e.g. the nearest Kubernetes the toolchain has). */
  notes?: string[];
  /**
   * The stack a test that fails here is run again on (only those tests), and why it is that one: the
   * previous row (release, published), the component under test at its last release (chain, a `dev`
   * axis), or the config's baseline versions. Its id is a cell of the plan or of the plan's baselines;
   * none (only why) where no valid stack could be made.
   */
  baseline?: { cell?: string; why: string };
};

const short: Partial<Record<ComponentId, string>> = {
  kubernetes: 'k',
  'codeflare-operator': 'op',
  mcad: 'mcad',
  instascale: 'is',
  kuberay: 'kr',
  'codeflare-sdk': 'sdk',
  appwrapper: 'aw',
  kueue: 'kq',
};

/** Canonical form: keys sorted, so the hash does not depend on insertion order. */
function canonical(v: Versions): [string, string][] {
  return Object.entries(v)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
}

/** `chosen`: components compiled into the operator that the cell names itself (built in or switched on: another stack). */
export function cellId(era: string, versions: Versions, upgradeFrom?: Versions, chosen: string[] = []): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ v: canonical(versions), from: upgradeFrom ? canonical(upgradeFrom) : null, ...(chosen.length ? { chosen: [...chosen].sort() } : {}) }))
    .digest('hex')
    .slice(0, 8);
  const k8s = (versions.kubernetes ?? '').replace(/^v(\d+\.\d+).*/, '$1');
  const op = versions['codeflare-operator']?.replace(/^v/, '').replace(/[^0-9A-Za-z.-]/g, '') ?? 'none';
  return `${era.toLowerCase()}-k${k8s}-op${op}${upgradeFrom ? '-up' : ''}-${hash}`;
}

/** What an upgrade cell upgrades from: the components whose versions differ, e.g. "op v1.1.0, kr v1.0.0". */
export function upgradeSummary(versions: Versions, upgradeFrom?: Versions): string {
  if (!upgradeFrom) return '';
  return canonical(upgradeFrom).filter(([k, v]) => versions[k as ComponentId] !== v).map(([k, v]) => `${short[k as ComponentId] ?? k} ${v}`).join(', ');
}

export function cellTitle(era: string, versions: Versions, upgradeFrom?: Versions): string {
  const parts = canonical(versions).map(([k, v]) => `${short[k as ComponentId] ?? k} ${v}`);
  const from = upgradeSummary(versions, upgradeFrom);
  return `era ${era} · ${parts.join(' · ')}${from ? ` · upgrade from ${from}` : ''}`;
}

/** The era of a combination: by operator version, or by SDK version where there is no operator. */
export function eraOf(catalog: Catalog, v: Versions): Era | undefined {
  const op = v['codeflare-operator'];
  if (op) return catalog.eras.find((e) => e.operator && satisfies(catalog, 'codeflare-operator', op, e.operator));
  const sdk = v['codeflare-sdk'];
  return catalog.eras.find((e) => !e.operator && e.sdk && sdk && satisfies(catalog, 'codeflare-sdk', sdk, e.sdk));
}

export function makeCell(era: Era, versions: Versions, origin: Cell['origin'], extra: Partial<Cell> = {}): Cell {
  const chosen = (Object.keys(origin) as ComponentId[]).filter((id) => era.install[id] === 'embedded-in-operator' && ['axis', 'chain-dev', 'under-test'].includes(origin[id] ?? ''));
  return {
    id: cellId(era.id, versions, extra.upgradeFrom, chosen),
    era: era.id,
    title: cellTitle(era.id, versions, extra.upgradeFrom),
    versions,
    origin,
    needs: [],
    violations: [],
    unavailable: [],
    ...extra,
  };
}

/**
 * Why a cell is not run at all, known from the plan: what the registries here do not serve cannot
 * be built; a published row that names a version that does not exist or breaks a constraint is
 * reported with the reason, not run (a pass would verify a stack other than the one the row names).
 */
export function blockedAhead(cell: Pick<Cell, 'violations' | 'unavailable'>): string | undefined {
  if (cell.violations.length) return `not run: the row ${cell.violations.map((v) => `[${v.id}] ${v.reason}`).join('; ')}`;
  if (cell.unavailable.length) return `not buildable here: ${cell.unavailable.join('; ')}`;
  return undefined;
}

