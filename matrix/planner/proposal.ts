// What a strategy proposes and what the planner makes of it: the words the planner and its
// strategies share (planner/index.ts completes proposals, strategies.ts makes them).
import type { Catalog, ComponentId } from '../catalog/index.js';
import type { Cell, Origin, Versions, Violation } from '../cell.js';
import type { MatrixConfig, Sources } from '../config.js';

export type Exclusion = { title: string; versions: Versions; reasons: Violation[] };

/** A combination proposed by a strategy, before completion. */
export type Proposal = {
  versions: Versions;
  origin?: Partial<Record<ComponentId, Origin>>;
  upgradeFrom?: Versions;
  keepViolations?: boolean;
  notes?: string[];
  /** The stack this one is judged against, where the strategy says (release, published: the row before), and why. */
  baseline?: { proposal: Proposal; why: string };
};

export type Axes = Partial<Record<ComponentId, string[]>>;

export type StrategyInput = { config: MatrixConfig; catalog: Catalog; axes: Axes; complete: (p: Proposal, partial?: boolean) => Cell | Exclusion; sources?: Sources };
export type StrategyOutput = { proposals: Iterable<Proposal>; uncoverable?: string[] };

export function isCell(x: Cell | Exclusion): x is Cell {
  return 'id' in x;
}
