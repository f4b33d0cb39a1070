// Planner strategies. Each proposes combinations; planner/index.ts completes and checks them.
import { component, normalizeDeclared, type ComponentId } from '../catalog/index.js';
import { blockedAhead, eraOf, type Versions } from '../cell.js';
import { nearestRelease, resolveSelector } from '../versions.js';
import { pinnedKubernetes } from '../kubernetes.js';
import { UserError } from '../../lib/errors.js';
import { isCell, type Axes, type Proposal, type StrategyInput, type StrategyOutput } from './proposal.js';
import { pairwise as coveringArray } from './pairwise.js';

/** The product of the axes, lazily (a whole-catalog product is large). */
function* product(axes: Axes, row: Versions = {}): Generator<Versions> {
  const [first, ...rest] = Object.entries(axes);
  if (!first) return yield row;
  for (const v of first[1]!) yield* product(Object.fromEntries(rest), { ...row, [first[0]]: v });
}

function* map<A, B>(xs: Iterable<A>, f: (a: A) => B): Generator<B> {
  for (const x of xs) yield f(x);
}

/**
 * Every combination of the axes; the constraints exclude what cannot work, each with its reason.
 * Per operator version only the axes of its era multiply: a component the era does not have
 * would only give the same cell again.
 */
function full({ axes, catalog }: StrategyInput): StrategyOutput {
  const ops = axes['codeflare-operator'];
  if (!ops) return { proposals: map(product(axes), (versions) => ({ versions })) };
  function* all(): Generator<Proposal> {
    for (const op of ops!) {
      const era = eraOf(catalog, { 'codeflare-operator': op });
      const own = Object.fromEntries(Object.entries(axes).filter(([id]) => id !== 'codeflare-operator' && (!era || id === 'kubernetes' || [...era.components, ...era.optional].includes(id as ComponentId))));
      yield* map(product(own, { 'codeflare-operator': op }), (versions) => ({ versions }));
    }
  }
  return { proposals: all() };
}

/** A covering array: every pair of values of any two axes that can go together appears in some cell. */
function pairwise({ axes, complete }: StrategyInput): StrategyOutput {
  const list = Object.entries(axes).map(([name, values]) => ({ name, values: values! }));
  // A partial combination is possible unless it already breaks a constraint.
  const valid = (a: Record<string, string>) => {
    const r = complete({ versions: a as Versions }, true);
    return isCell(r) || r.reasons.length === 0;
  };
  const { rows, uncoverable } = coveringArray(list, valid);
  return {
    proposals: rows.map((versions) => ({ versions: versions as Versions })),
    uncoverable: uncoverable.map(([a, va, b, vb]) => `${a}=${va} with ${b}=${vb}`),
  };
}

/** Components above `id` in the PCF-ADR-0003 chain (transitively), external ones left out. */
export function above(input: StrategyInput, id: ComponentId): ComponentId[] {
  const { edges, external } = input.catalog.chain;
  const found = new Set<ComponentId>();
  const visit = (to: ComponentId) => {
    for (const e of edges) if (e.to === to && !found.has(e.from) && !external.includes(e.from)) found.add(e.from), visit(e.from);
  };
  visit(id);
  return [...found];
}

/** PR gating: the component under test at its ref, `dev` for every component above it, the rest pinned. */
function chain(input: StrategyInput): StrategyOutput {
  const { config, catalog, axes } = input;
  if (!config.chain) {
    throw new UserError('the chain strategy needs the component under test', 'chain', 'add chain: {component: mcad, ref: {path: ../multi-cluster-app-dispatcher}} to the config');
  }
  const under = config.chain.component;
  const [ref] = resolveSelector(catalog, under, config.chain.ref, 'chain.ref');
  // `dev` of everything above; PyPI has no dev of the SDK: one the config pins stays pinned, unless
  // a git repository of it is named to build dev from.
  const upstream = above(input, under).filter((id) => !(component(catalog, id).source.kind === 'pypi' && axes[id] && !input.sources?.[id]));
  const pinned: Axes = { ...axes, [under]: [ref!] };
  for (const id of upstream) pinned[id] = ['dev'];
  const origin = Object.fromEntries([[under, 'under-test'], ...upstream.map((id) => [id, 'chain-dev'])]);
  return { proposals: map(product(pinned), (versions) => ({ versions, origin })) };
}

/** The published rows as versions (README typos mapped to the tags they meant). */
function rowVersions(input: StrategyInput, operator: string): Versions | undefined {
  const row = input.catalog.published.find((r) => r.operator === operator);
  if (!row) return undefined;
  const v: Versions = { 'codeflare-operator': row.operator };
  for (const [id, declared] of Object.entries(row.declared)) v[id as ComponentId] = normalizeDeclared(declared!);
  return v;
}

/** A published row on Kubernetes `k`, judged against the row before it, and that one against its own (so the planner can walk back past a row that cannot run). */
function rowAt(input: StrategyInput, i: number, k: string): Proposal | undefined {
  const rows = input.catalog.published;
  const v = i >= 0 && i < rows.length ? rowVersions(input, rows[i]!.operator) : undefined;
  if (!v) return undefined;
  const before = rowAt(input, i - 1, k);
  return { versions: { ...v, kubernetes: k }, ...(before ? { baseline: { proposal: before, why: `the previous published row (operator ${rows[i - 1]!.operator})` } } : {}) };
}

/** The upgrade to row i on Kubernetes `k` from the nearest row before it that can run, judged against the upgrade to that row. */
function upgradeAt(input: StrategyInput, i: number, k: string): Proposal | undefined {
  const runs = (j: number) => {
    const c = input.complete(rowAt(input, j, k)!);
    return isCell(c) && !blockedAhead(c);
  };
  let j = i - 1;
  while (j >= 0 && !runs(j)) j--;
  const [from, to] = [rowAt(input, j, k), rowAt(input, i, k)];
  if (!from || !to) return undefined;
  const before = upgradeAt(input, j, k);
  const op = (x: number) => input.catalog.published[x]!.operator;
  return { versions: to.versions, upgradeFrom: from.versions, ...(before ? { baseline: { proposal: before, why: `the upgrade one published row earlier (to operator ${op(j)})` } } : {}) };
}

/**
 * Release: the candidate row, the previous published row, and the upgrade from previous to candidate.
 * Each is judged against the same cell one row earlier: the candidate against the previous row.
 */
function release(input: StrategyInput): StrategyOutput {
  const { config, catalog, axes } = input;
  if (!config.release) {
    throw new UserError('the release strategy needs a candidate', 'release', 'add release: {candidate: v1.2.0} to the config');
  }
  const [candidateOp] = resolveSelector(catalog, 'codeflare-operator', config.release.candidate, 'release.candidate');
  const rows = catalog.published.map((r) => r.operator);
  const previousOp = config.release.previous
    ? resolveSelector(catalog, 'codeflare-operator', config.release.previous, 'release.previous')[0]
    : rows[rows.indexOf(candidateOp!) - 1] ?? rows.filter((r) => r !== candidateOp).at(-1);
  // The candidate: its published row if it has one, else the config's axes (first value of each).
  const firsts = Object.fromEntries(Object.entries(axes).filter(([id]) => id !== 'kubernetes').map(([id, v]) => [id, v![0]]));
  const candidate: Versions = { ...(rowVersions(input, candidateOp!) ?? {}), ...firsts, 'codeflare-operator': candidateOp! };
  const previous = rowVersions(input, previousOp!);
  if (!previous) throw new UserError(`operator ${previousOp} has no published row to upgrade from`, 'release.previous', 'name a published operator version');
  const at = rows.indexOf(previousOp!);
  return {
    proposals: axes.kubernetes!.flatMap((k): Proposal[] => {
      const prev = rowAt(input, at, k)!;
      const earlier = upgradeAt(input, at, k);
      return [
        prev,
        { versions: { ...candidate, kubernetes: k }, baseline: { proposal: prev, why: `the previous release (operator ${previousOp})` } },
        { versions: { ...candidate, kubernetes: k }, upgradeFrom: prev.versions, ...(earlier ? { baseline: { proposal: earlier, why: `the upgrade to the previous release (operator ${previousOp}) from the row before it (operator ${earlier.upgradeFrom!['codeflare-operator']})` } } : {}) },
      ];
    }),
  };
}

/**
 * Every published row at its declared versions (rows that break a constraint are kept and say so),
 * on the Kubernetes its own e2e ran on where the toolchain pins that release, else the pinned patch
 * of that minor, else the nearest minor (the cell says which and why); a row with no e2e on record
 * takes the config's Kubernetes axis.
 */
function published(input: StrategyInput): StrategyOutput {
  const rows: Proposal[][] = [];
  for (const row of input.catalog.published) {
    const e2e = row.e2e?.kubernetes;
    const near = e2e ? nearestRelease(e2e, pinnedKubernetes(input.catalog)) : undefined;
    const ks = near ? [near] : input.axes.kubernetes!;
    // Each row is judged against the row before it: its cell on the same Kubernetes, else its only one.
    const before = rows.at(-1);
    const prevOp = before?.[0]?.versions['codeflare-operator'];
    rows.push(
      ks.map((k): Proposal => {
        const prev = before?.find((b) => b.versions.kubernetes === k) ?? before?.[0];
        return {
          versions: { ...rowVersions(input, row.operator)!, kubernetes: k },
          origin: Object.fromEntries(Object.keys(row.declared).map((id) => [id, 'published'])),
          keepViolations: true,
          ...(e2e && k !== e2e ? { notes: [`its e2e ran on Kubernetes ${e2e}; the toolchain here pins ${minor(k) === minor(e2e) ? `${k} of that minor` : `no ${minor(e2e)}, so the nearest it has, ${k}`}`] } : {}),
          ...(prev ? { baseline: { proposal: prev, why: `the previous published row (operator ${prevOp})` } } : {}),
        };
      }),
    );
  }
  return { proposals: rows.flat() };
}

const minor = (v: string) => v.replace(/^v/, '').split('.').slice(0, 2).join('.');

export const strategies = { full, pairwise, chain, release, published } as const;
