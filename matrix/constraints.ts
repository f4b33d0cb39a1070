// Evaluates the catalog's hard constraints on a combination. The rules are data
// (matrix/catalog/constraints.yaml); each kind of rule has one small evaluator here.
import semver from 'semver';
import type { Catalog, ComponentId, Constraint } from './catalog/index.js';
import { component } from './catalog/index.js';
import type { Versions, Violation } from './cell.js';
import { eraOf } from './cell.js';
import { comparable, satisfies } from './versions.js';

type Bound = Partial<Record<ComponentId, string>>;

/** Whether every component named in the bound is present and in range (absent ones: `absent`). */
function within(catalog: Catalog, v: Versions, bound: Bound, absent: boolean): boolean {
  return Object.entries(bound).every(([id, range]) => {
    const version = v[id as ComponentId];
    return version === undefined ? absent : satisfies(catalog, id as ComponentId, version, range!);
  });
}

/** The apiVersion of `kind` a component uses at a version, from its `serves` or `creates` list. */
function apis(catalog: Catalog, id: ComponentId, version: string, list: 'serves' | 'creates', kind: string): string[] {
  return component(catalog, id)[list]
    .filter((a) => a.kind === kind && satisfies(catalog, id, version, a.range))
    .map((a) => a.apiVersion);
}

/** partial: absent components are not chosen yet; overridden: components rebuilt into the operator on purpose (chain cells). */
export type EvalOptions = { partial?: boolean; overridden?: ComponentId[] };

type Evaluator<K extends Constraint['kind']> = (
  c: Extract<Constraint, { kind: K }>,
  catalog: Catalog,
  v: Versions,
  o: EvalOptions,
) => string | undefined;

const evaluators: { [K in Constraint['kind']]: Evaluator<K> } = {
  requires: (c, catalog, v, o) => {
    if (!within(catalog, v, c.when, false)) return undefined;
    return within(catalog, v, c.require, !!o.partial) ? undefined : c.reason;
  },
  'api-match': (c, catalog, v, o) => {
    const version = v[c.client];
    if (!version) return undefined;
    const wanted = apis(catalog, c.client, version, 'creates', c.apiKind);
    if (wanted.length === 0) return undefined;
    const served = Object.entries(v).flatMap(([id, ver]) =>
      id === c.client || !ver ? [] : apis(catalog, id as ComponentId, ver, 'serves', c.apiKind),
    );
    if (served.length === 0) return c.required && !o.partial ? `${c.reason} (nothing in the cell serves ${c.apiKind})` : undefined;
    if (wanted.some((w) => served.includes(w))) return undefined;
    return `${c.reason} (${c.client} ${version} creates ${c.apiKind} ${wanted.join('/')}, the cell serves ${[...new Set(served)].join('/')})`;
  },
  exclusive: (c, catalog, v) => (within(catalog, v, c.a, false) && within(catalog, v, c.b, false) ? c.reason : undefined),
  bundled: (c, catalog, v, o) => {
    const op = v['codeflare-operator'];
    const era = eraOf(catalog, v);
    if (!op || !era || !c.eras.includes(era.id)) return undefined;
    const bundles = component(catalog, 'codeflare-operator').versions.find((x) => x.tag === op)?.bundles ?? {};
    for (const id of c.components.filter((x) => !o.overridden?.includes(x))) {
      const want = bundles[id];
      const have = v[id];
      if (want && have && semver.neq(comparable(catalog, id, have), comparable(catalog, id, want))) {
        return `${c.reason}: operator ${op} carries ${id} ${want}, not ${have}`;
      }
    }
    return undefined;
  },
  order: () => undefined, // an install rule, not a cell filter: the installer reads it
  capability: () => undefined, // a provider requirement, see needs()
};

/** Every hard constraint the combination violates. */
export function violations(catalog: Catalog, v: Versions, o: EvalOptions = {}): Violation[] {
  const out: Violation[] = [];
  for (const c of catalog.constraints) {
    const reason = (evaluators[c.kind] as Evaluator<typeof c.kind>)(c as never, catalog, v, o);
    if (reason) out.push({ id: c.id, reason });
  }
  return out;
}

/** Capabilities a provider needs for every suite of this combination to run. */
export function needs(catalog: Catalog, v: Versions): string[] {
  return catalog.constraints
    .filter((c): c is Extract<Constraint, { kind: 'capability' }> => c.kind === 'capability')
    .filter((c) => within(catalog, v, c.when, false))
    .map((c) => c.capability);
}
