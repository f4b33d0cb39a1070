// The names the harness knows, one list each, imported wherever they are checked or offered (the
// config's schema, the catalog's, the CLI's choices). Nothing heavy here: commands import it.

/** The stack's components; Kubernetes is the cluster (the catalog has it too, as a component). */
export const componentIds = ['codeflare-operator', 'mcad', 'instascale', 'kuberay', 'codeflare-sdk', 'appwrapper', 'kueue'] as const;
export type StackComponentId = (typeof componentIds)[number];

/** How a plan chooses its cells (matrix/planner/strategies.ts implements each). */
export const strategyNames = ['full', 'pairwise', 'chain', 'release', 'published'] as const;
export type StrategyName = (typeof strategyNames)[number];

/** The providers (harness/providers/index.ts makes each): the clusters a cell can run on. */
export const providerNames = ['local', 'kind', 'existing'] as const;
export type ProviderName = (typeof providerNames)[number];

/**
 * What a provider's clusters can show, one list (a provider says which it has, the catalog's data
 * which a cell needs): suites require these (fixtures/requires.ts) and
 * the catalog's capability constraints name them (matrix/catalog/constraints.yaml).
 */
export const capabilities = [
  /** Nodes the harness adds and removes on demand (kwok); no process runs in their pods. */
  'fake-nodes',
  /** Pods run their containers. */
  'real-pods',
  /** An ingress controller gives Ingresses with no class an address and routes their hosts, which the suites reach through HTTP_PROXY (kind: Traefik, on first need). */
  'ingress',
  /** OpenShift's Machine API with machines behind it (InstaScale scales them). */
  'openshift-machine-api',
  /** OpenShift's router, which gives Routes their hosts. */
  'openshift-router',
  /** Open Data Hub (OpenShift AI): its DSCInitialization API, which operator v1.4–v1.15 read before they make NetworkPolicies. */
  'opendatahub',
] as const;
export type Capability = (typeof capabilities)[number];
