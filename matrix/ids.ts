// The names the harness knows, one list each, imported wherever they are checked or offered (the
// config's schema, the catalog's, the CLI's choices). Nothing heavy here: commands import it.

/** The stack's components; Kubernetes is the cluster (the catalog has it too, as a component). */
export const componentIds = ['codeflare-operator', 'mcad', 'instascale', 'kuberay', 'codeflare-sdk', 'appwrapper', 'kueue'] as const;
export type StackComponentId = (typeof componentIds)[number];

/** How a plan chooses its cells (matrix/planner/strategies.ts implements each). */
export const strategyNames = ['full', 'pairwise', 'chain', 'release', 'published'] as const;
export type StrategyName = (typeof strategyNames)[number];

export { providerNames, type ProviderName } from '../harness/providers/provider.js';
