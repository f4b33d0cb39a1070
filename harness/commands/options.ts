// Options more than one command takes, parsed the same way everywhere.
import { componentIds } from '../../matrix/ids.js';
import type { MatrixConfig } from '../../matrix/config.js';
import { UserError } from '../../lib/errors.js';

/** --chain COMPONENT=PATH: the chain strategy with that checkout under test (PR gating in a component's repository). */
export function chainOption(v: string): NonNullable<MatrixConfig['chain']> {
  const m = /^([a-z-]+)=(.+)$/.exec(v);
  if (!m || !(componentIds as readonly string[]).includes(m[1]!)) throw new UserError(`--chain ${v} is not COMPONENT=PATH`, '--chain', `name one of ${componentIds.join(', ')} and its checkout, e.g. --chain kuberay=./ray-operator`);
  return { component: m[1] as (typeof componentIds)[number], ref: { path: m[2]! } };
}
