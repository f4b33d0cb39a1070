// A declared row (a published README row, or the row about to be tagged) against what a cell ran:
// the gate and the audit both ask whether the binaries that ran are the versions the row names.
import { component, type Catalog, type ComponentId } from '../matrix/catalog/index.js';
import type { CellResult } from '../model/results.js';
import { embedded } from '../model/results.js';
import { goModule, isReleaseTag } from './support-matrix.js';

export type Declared = Partial<Record<ComponentId, string>>;

export type Check = {
  /** Where what ran differs from the row, one sentence each. */
  mismatched: string[];
  /** Components the cell asked for but has no provenance of: what ran cannot be checked. */
  unverifiable: ComponentId[];
  /** Components the row declares that the cell neither asked for nor ran. */
  missing: ComponentId[];
};

export function checkCell(catalog: Catalog, cell: CellResult, declared: Declared): Check {
  const out: Check = { mismatched: [], unverifiable: [], missing: [] };
  const op = cell.provenance.find((p) => p.component === 'codeflare-operator');
  for (const [key, want] of Object.entries(declared)) {
    const id = key as ComponentId;
    if (id === 'kubernetes' || want === undefined) continue;
    const title = component(catalog, id).title;
    const own = cell.provenance.find((p) => p.component === id);
    const got = own ? (embedded(own, own.module) ?? own.resolved) : undefined;
    // The operator built from a ref before its tag exists reports a pseudo-version or a path: only another tag is a mismatch.
    if (got !== undefined && got !== want && (id !== 'codeflare-operator' || isReleaseTag(got))) out.mismatched.push(`${title} that ran is ${got}, the row declares ${want}`);
    // The operator compiles other components in (MCAD and InstaScale in era B, AppWrapper in D, the
    // KubeRay and Kueue APIs): a different version in its binary is a different stack from the row's.
    const mod = id === 'codeflare-operator' ? undefined : goModule(catalog, id);
    const inOp = op && mod ? embedded(op, mod) : undefined;
    if (inOp !== undefined && inOp !== want) out.mismatched.push(`the operator binary embeds ${title} ${inOp} (${mod}), the row declares ${want}`);
    if (own || inOp) continue;
    if (cell.requested[id]) out.unverifiable.push(id);
    else out.missing.push(id);
  }
  return out;
}
