// The suites: one file per component, plus the stack's integration and upgrade suites. Each file's
// describe block carries its tag (@name) and what it needs from a cell (fixtures/requires.ts).
import { UserError } from '../lib/errors.js';
import { UPSTREAM, upstreamSuites } from '../harness/suites/catalog.js';

export const SUITES: Record<string, string> = {
  kuberay: 'KubeRay: RayCluster pods, status, scaling, deletion',
  kueue: 'Kueue: Jobs admitted within quota, held beyond it',
  mcad: 'MCAD: AppWrappers dispatched, or queued until capacity exists',
  instascale: 'InstaScale: MachineSets scaled for queued AppWrappers, and back',
  operator: 'CodeFlare Operator, per era: deployed controllers, RayCluster objects, webhooks',
  appwrapper: 'AppWrapper (standalone or in the operator): admitted by Kueue, unwrapped, phases, webhooks, deletion',
  sdk: 'CodeFlare SDK: ClusterConfiguration → up() → status → down()',
  integration: 'the whole chain: SDK → MCAD or Kueue → KubeRay → pods → SDK ready → down()',
  upgrade: 'release upgrade cells: resources made before the upgrade survive and are reconciled',
};

const glob = (s: string) => new RegExp(`^${s.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

/** Every suite name: ours, then the components' own (upstream:<component>, from the catalog). */
export const suiteNames = (): string[] => [...Object.keys(SUITES), ...upstreamSuites().map((u) => u.name)];

// An upstream suite compiles and runs a component's own e2e (minutes to an hour): only a selector
// that names upstream: picks one, so "*" stays our suites.
const matches = (selector: string, name: string): boolean => name.startsWith(UPSTREAM) === selector.replace(/^@/, '').startsWith(UPSTREAM) && glob(selector.replace(/^@/, '')).test(name);

/** The suites a selector list picks ("*", names, globs, "upstream:*"); an empty pick is a UserError naming `where` (or the entry's place). */
export function pickSuites(selectors: string[], where: string | ((index: number) => string) = 'suites'): string[] {
  const names = suiteNames();
  for (const [i, s] of selectors.entries()) {
    if (!names.some((n) => matches(s, n))) throw new UserError(`suite selector "${s}" matches no suite`, typeof where === 'string' ? where : where(i), `use "*", "upstream:*" or one of: ${names.join(', ')}`);
  }
  return names.filter((n) => selectors.some((s) => matches(s, n)));
}

/** Playwright's grep for the picked suites (undefined for all). */
export function suiteGrep(selectors: string[]): RegExp | undefined {
  const picked = pickSuites(selectors);
  return picked.length === suiteNames().length ? undefined : new RegExp(picked.map((n) => `@${n}\\b`).join('|'));
}
