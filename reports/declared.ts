// A declared row (a published README row, or the row about to be tagged) against what a cell ran:
// the gate, the audit, the audit of the history and `report --release` all ask this one question.
// Only what the operator runs or deploys, and what the stack installs on its own, can contradict a
// row; the API types it compiles to talk to a component (a client) at another version are skew, a note.
import { component, withRole, type Catalog, type ComponentId } from '../matrix/catalog/index.js';
import type { CellResult } from '../model/results.js';
import { dropLine, embedded } from '../model/results.js';
import { goModule, isReleaseTag } from './support-matrix.js';
import { usesAt } from './uses.js';

export type Declared = Partial<Record<ComponentId, string>>;

export type Check = {
  /** Where what ran (or what the operator runs or deploys) differs from the row, one sentence each. */
  mismatched: string[];
  /** Client skew: the operator compiles another version of a component's API than the row names. */
  notes: string[];
  /** Components the cell asked for but has no provenance of: what ran cannot be checked. */
  unverifiable: ComponentId[];
  /** Components the row declares that the cell neither asked for nor ran. */
  missing: ComponentId[];
};

export function checkCell(catalog: Catalog, cell: CellResult, declared: Declared): Check {
  const out: Check = { mismatched: [], notes: [], unverifiable: [], missing: [] };
  const operator = withRole(catalog, 'operator').id;
  const cluster = withRole(catalog, 'cluster').id;
  const op = cell.provenance.find((p) => p.component === operator);
  const opVersion = declared[operator] ?? cell.requested[operator];
  const uses = usesAt(catalog, opVersion, cell.era);
  const era = catalog.eras.find((e) => e.id === cell.era.toUpperCase());
  for (const [key, want] of Object.entries(declared)) {
    const id = key as ComponentId;
    if (id === cluster || want === undefined) continue;
    const title = component(catalog, id).title;
    const own = cell.provenance.find((p) => p.component === id);
    const got = own ? (embedded(own, own.module) ?? own.resolved) : undefined;
    // The operator built from a ref before its tag exists reports a pseudo-version or a path: only another tag is a mismatch.
    if (got !== undefined && got !== want && (id !== operator || isReleaseTag(got))) out.mismatched.push(`${title} that ran is ${got}, the row declares ${want}`);
    // What the operator compiles in: a component it runs at another version is another stack than
    // the row's; another version of a client's (or a deployed component's) API types is skew.
    const mod = id === operator ? undefined : goModule(catalog, id);
    const inOp = op && mod ? embedded(op, mod) : undefined;
    if (inOp !== undefined && inOp !== want) {
      if (uses[id] === 'runs') out.mismatched.push(`the operator binary runs ${title} ${inOp} (${mod}), the row declares ${want}`);
      else out.notes.push(`client skew: the operator compiles ${title}'s API at ${inOp}, the row declares ${want} (it talks to the ${title} the stack installs)`);
    }
    if (own || (inOp && uses[id] === 'runs')) continue;
    if (era && opVersion && !era.components.includes(id) && !era.optional.includes(id)) {
      out.mismatched.push(`the row declares ${title} ${want}; the operator at ${opVersion} neither runs nor deploys it, and era ${era.id} installs none`);
    } else if (cell.requested[id]) out.unverifiable.push(id);
    else out.missing.push(id);
  }
  // A webhook that removes fields from another component's objects: the stack loses what users set.
  for (const p of cell.provenance) for (const d of p.drops ?? []) out.notes.push(`client skew that loses fields: ${dropLine(p, d)}`);
  return out;
}
