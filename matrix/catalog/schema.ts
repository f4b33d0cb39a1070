// The catalog's shape. The catalog itself is data (the YAML files beside this one); this file only
// says what a valid catalog looks like, so a typo in the data fails loudly at load time.
import { z } from 'zod';
import { capabilities, componentIds } from '../ids.js';

/** A semver range over tags, written without the leading v (e.g. ">=1.0.0 <1.3.0"). */
export const Range = z.string().min(1);

/** A git tag as the upstream project writes it, e.g. "v1.2.0" (KubeRay's Go tag prefix is added from `source.tagPrefix`). */
export const Tag = z.string().regex(/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'a tag like v1.2.3 or v1.0.0-rc.1');

export const ComponentId = z.enum(['kubernetes', ...componentIds]);
export type ComponentId = z.infer<typeof ComponentId>;

/** Where, inside the component's source tree at a version in `range`, its CRDs and install manifests live. */
export const Layout = z.object({
  range: Range,
  crds: z.array(z.string()).default([]),
  install: z.string().optional(),
  /** How `install` is rendered: a kustomize directory, or a Helm chart (with its crds/). */
  renderer: z.enum(['kustomize', 'helm']).default('kustomize'),
  namespace: z.string().optional(),
  /**
   * Kustomizations that name another component's manifests by a remote ref, which a release step
   * rewrites before it renders (codeflare-operator@v0.2.3 Makefile: MCAD_VERSION into
   * config/crd/mcad): each is pointed at that component's tree at the version the binary carries,
   * else the release's (catalog bundles), else the one the tree's Makefile sets in `makeVar`, else
   * the ref the kustomization names itself (a commit between releases, as bisect builds: what
   * `make deploy` at that commit would render).
   */
  vendor: z.record(z.string(), z.object({ component: z.string(), path: z.string(), makeVar: z.string().optional() })).default({}),
  note: z.string().optional(),
});

/** An API (group/version + kind) a component serves as a CRD, or creates as a client, over a range of its versions. */
export const ApiUse = z.object({
  range: Range,
  kind: z.string(),
  apiVersion: z.string(),
});

/**
 * How a controller runs as a host process (install mode `process`, local provider), by version range:
 * it stands in for the pod of one Deployment of the component's own install manifests, under that
 * Deployment's ServiceAccount. In `args`, {port:NAME} becomes a free port, {host} the address the
 * process serves at (its cell's network namespace's, a played pod's own network's, or 127.0.0.1
 * where cells share the host's network) and {kubeconfig} the path of a kubeconfig that impersonates the ServiceAccount.
 */
export const ProcessMode = z.object({
  range: Range,
  deployment: z.string(),
  /** The container the process stands for, by name (default: the Deployment's first). */
  container: z.string().optional(),
  args: z.array(z.string()),
  /** URL path of the readiness endpoint, served on {port:health}. */
  ready: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  /**
   * The component's configuration, shipped in a ConfigMap, with `set` (dotted paths) applied: written
   * to {config} where the Deployment mounts it as a file, or, `inCluster`, written back into the
   * ConfigMap where the component reads it through the API.
   */
  config: z
    .object({
      configMap: z.string(),
      key: z.string(),
      inCluster: z.boolean().default(false),
      /** The manifests ship no such ConfigMap (the component would make one with its defaults): the harness makes it, with `set`. */
      create: z.boolean().default(false),
      set: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
      /**
       * More of `set` where the cell names a component itself (an axis), e.g. the operator's
       * compiled-in InstaScale, off by default, switched on for a cell with an InstaScale axis.
       */
      when: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))).default({}),
    })
    .optional(),
  /**
   * The component serves admission webhooks: the harness issues a serving certificate for
   * 127.0.0.1 and {host} (and every Service of the manifests) into {certdir} and points every webhook
   * configuration at https://{host}:{port:webhook}<path> with that CA (the envtest pattern).
   * `secret`: the Secret a component's own certificate rotator keeps its certificate in; the
   * harness fills it, so the rotator finds a valid certificate and keeps (and injects) it;
   * `caName`: the name that rotator checks its CA against; `port`: where the component's code fixes
   * its webhook port (then it is that, not a free one); `certDir`: where the code reads the Secret's
   * files (a pod's mount), when it cannot be told ({certdir} then is that; {tmpdir} may start it).
   */
  webhooks: z
    .object({ secret: z.string().optional(), caName: z.string().optional(), port: z.number().int().optional(), certDir: z.string().optional() })
    .optional(),
  /**
   * Ports the code binds fixed on every interface, beyond `webhooks.port`. A host has one of each
   * where pods have their own: `run` never starts two cells that claim the same port at once.
   */
  hostPorts: z.array(z.number().int()).default([]),
  /** Fixed paths the component's code looks for (where a pod would have a mount): linked to the harness's files. */
  links: z.record(z.string(), z.string()).default({}),
  /**
   * Components whose images this controller's own Deployments run (an operator of operators): each
   * such Deployment is played by the component's binary at the image's version (player.ts).
   */
  plays: z.array(z.string()).default([]),
  /**
   * Objects the install applies once the controller is ready, as the component's own e2e setup
   * applies them (an operator of operators' custom resources, the RBAC they need); a namespaced
   * object without a namespace goes to the controller's. With `plays`, the install waits until every
   * controller they make runs.
   */
  setup: z.array(z.object({ apiVersion: z.string(), kind: z.string(), metadata: z.object({ name: z.string(), namespace: z.string().optional() }).loose() }).loose()).default([]),
  /** The process's working directory: {dir} (the component's folder, the default) or {src} (its source tree, where code reads files relative to it). */
  cwd: z.enum(['{dir}', '{src}']).default('{dir}'),
  /** Kinds of the manifests that cannot work with an out-of-cluster controller (e.g. APIService, which needs a Service). */
  skip: z.array(z.string()).default([]),
});

export type ProcessMode = z.infer<typeof ProcessMode>;

export const Version = z.object({
  tag: Tag,
  date: z.iso.date().optional(),
  /** Versions of other components this one carries: compiled in (era B) or deployed by default (era A). */
  bundles: z.partialRecord(ComponentId, Tag).optional(),
  note: z.string().optional(),
  /** Kubernetes only: built by `toolchain build` with no flags (`pinned`), and by the tests too (`tests`). */
  toolchain: z.enum(['pinned', 'tests']).optional(),
});

/**
 * What the operator does with another component, by the operator's own version range: `runs` it
 * (compiled in and run), `deploys` it (an image its controllers deploy), or is its `client` (compiles
 * only its API types, to talk to the one the stack installs). Only what it runs or deploys can make
 * a published row wrong by itself; a client's other version is skew, a note.
 */
export const Use = z.enum(['runs', 'deploys', 'client']);
export type Use = z.infer<typeof Use>;
export const UsesRange = z.object({ range: Range, components: z.partialRecord(ComponentId, Use), note: z.string().optional() });

export const Component = z.object({
  id: ComponentId,
  /** The name used in the operator README's support matrix. */
  title: z.string(),
  /** A short name for table columns (the plan's); the id when absent. */
  short: z.string().optional(),
  /** The name the reports' table of verified stacks heads its column with; the title when absent. */
  name: z.string().optional(),
  /**
   * What the component is to the stack: `cluster` (Kubernetes: the cluster, not installed);
   * `operator` (its version picks the era, its README publishes the support matrix, it compiles in
   * what an era marks embedded-in-operator); `client` (the Python client the suites drive, from
   * PyPI); else `controller`. One component each of cluster, operator and client.
   */
  role: z.enum(['cluster', 'operator', 'client', 'controller']).default('controller'),
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  source: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('go'),
      module: z.string(),
      /** Package of the main, relative to the module root ("." for the root). */
      main: z.string(),
      /** Prefix of Go module tags (KubeRay's sub-module tags are "ray-operator/vX"). */
      tagPrefix: z.string().default(''),
      /** Default branch, whose newest commit `dev` resolves to. */
      branch: z.string().default('main'),
      forks: z.record(z.string(), z.string()).default({}),
    }),
    z.object({ kind: z.literal('pypi'), package: z.string(), forks: z.record(z.string(), z.string()).default({}) }),
    z.object({ kind: z.literal('kubernetes') }),
  ]),
  image: z
    .object({
      repository: z.string(),
      tagPrefix: z.string().default(''),
      /** Image mode: environment set on the controller's container where the shipped one names an image no registry here serves. */
      env: z.record(z.string(), z.string()).default({}),
      /**
       * Where the release image holds the binary (its Dockerfile's COPY), whether that is its
       * ENTRYPOINT, and its USER: how an image made here from the binary built at a version stands
       * in for that release image, where another controller deploys it by name (era A's operator).
       */
      binary: z.string().optional(),
      /** Paths of the source tree the release image copies beside the binary, at the same path under / (where the tree has them). */
      files: z.array(z.string()).default([]),
      entrypoint: z.boolean().default(false),
      user: z.string().optional(),
      note: z.string().optional(),
    })
    .optional(),
  /** Floating tags the project publishes (dev on every push to main, stable when released as such). */
  channels: z.array(z.enum(['dev', 'stable', 'nightly', 'latest'])).default([]),
  /** The version `stable` means, where the catalog knows it. */
  stable: Tag.optional(),
  layouts: z.array(Layout).default([]),
  process: z.array(ProcessMode).default([]),
  serves: z.array(ApiUse).default([]),
  creates: z.array(ApiUse).default([]),
  /** Command-line tools a release of a client drives (as a subprocess), by version range: its users need them on PATH. */
  tools: z
    .array(
      z.object({
        range: z.string(),
        tool: z.string(),
        why: z.string(),
        /**
         * The harness's tool that stands in where this one is missing (recorded as a stand-in): the
         * same code for the subcommands the client runs (`commands`), named to the client's library by
         * the environment variable `env`. Only kubectl, of the cell's Kubernetes, is one.
         */
        standIn: z.object({ tool: z.literal('kubectl'), env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/), commands: z.array(z.string()).min(1) }).strict().optional(),
      }),
    )
    .default([]),
  /** The operator only: what it does with each other component it names, by its version range (Use). */
  uses: z.array(UsesRange).default([]),
  versions: z.array(Version).min(1),
});
export type Component = z.infer<typeof Component>;

export const Era = z.object({
  id: z.string().regex(/^[A-Z]$/),
  title: z.string(),
  /** Operator versions of this era; absent for an era without the operator. */
  operator: Range.optional(),
  /** SDK versions that select this era when there is no operator. */
  sdk: Range.optional(),
  components: z.array(ComponentId),
  /** Components a cell of this era may add (each installed as `install` says); absent unless named. */
  optional: z.array(ComponentId).default([]),
  /** How each component is installed in this era. */
  install: z.partialRecord(
    ComponentId,
    z.enum(['standalone', 'deployed-by-operator', 'embedded-in-operator', 'client']),
  ),
  note: z.string().optional(),
});
export type Era = z.infer<typeof Era>;

const Bound = z.partialRecord(ComponentId, Range);

/** Hard constraints. Each kind has one small evaluator in matrix/constraints.ts; the rules are data. */
export const Constraint = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('requires'), id: z.string(), reason: z.string(), when: Bound, require: Bound }),
  /** Every API a client component creates must be served by a component of the cell at that exact apiVersion. */
  z.object({
    kind: z.literal('api-match'),
    id: z.string(),
    reason: z.string(),
    client: ComponentId,
    apiKind: z.string(),
    /** When true, the cell must serve the API at all; when false, only a mismatch is an error. */
    required: z.boolean().default(false),
  }),
  /** Two components whose CRDs have the same name cannot be installed in one cluster together. */
  z.object({ kind: z.literal('exclusive'), id: z.string(), reason: z.string(), a: Bound, b: Bound }),
  /** In some eras a component's version is fixed by the operator (its go.mod or its default images). */
  z.object({
    kind: z.literal('bundled'),
    id: z.string(),
    reason: z.string(),
    eras: z.array(z.string()),
    components: z.array(ComponentId),
  }),
  /** Install order: `before` must be installed before `after`. */
  z.object({ kind: z.literal('order'), id: z.string(), reason: z.string(), before: ComponentId, after: ComponentId }),
  /** A component that needs a capability only some providers have (OpenShift machine APIs, real pods). */
  z.object({
    kind: z.literal('capability'),
    id: z.string(),
    reason: z.string(),
    when: Bound,
    capability: z.enum(capabilities),
  }),
]);
export type Constraint = z.infer<typeof Constraint>;

/** A row of the operator README's support matrix, as published at an operator tag. */
export const PublishedRow = z.object({
  operator: Tag,
  date: z.iso.date(),
  /** Exactly what the README said, typos included (e.g. InstaScale "v.0.0.7"). */
  declared: z.partialRecord(ComponentId, z.string()),
  /** Link targets that pointed at a fork instead of upstream (KubeRay, Kueue 2023-11 .. 2025-02). */
  links: z.partialRecord(ComponentId, z.string()).optional(),
  /** What the row's own release e2e ran on (the operator's kind config at that tag). */
  e2e: z.strictObject({ kubernetes: Tag }).optional(),
  note: z.string().optional(),
});
export type PublishedRow = z.infer<typeof PublishedRow>;

/** Edges of the PCF-ADR-0003 dependency chain: `from` is above `to` (a change in `from` ripples to `to`). */
export const ChainEdge = z.object({ from: ComponentId, to: ComponentId, note: z.string().optional() });

/** What the package registries reachable here serve of a catalog version (written by `codeflare-matrix sources --write`). */
export const Availability = z.object({
  checked: z.iso.date(),
  where: z.string(),
  /** Whether the proxy answers branch queries (`dev`); here it refuses every one (403). */
  branches: z.enum(['served', 'refused']).optional(),
  versions: z.array(
    z.object({
      component: ComponentId,
      tag: Tag,
      /** ok: served and verified; unverified: served, but the checksum database does not know it; missing: not served. */
      status: z.enum(['ok', 'unverified', 'missing']),
      detail: z.string().optional(),
    }),
  ),
});
export type Availability = z.infer<typeof Availability>;

const RegExpText = z.string().refine((s) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}, 'a regular expression');

/** What an upstream suite or one of its tests needs from a cell: provider capabilities, images by the exact names its code hard-codes. */
export const UpstreamNeeds = z.strictObject({
  capabilities: z.array(z.enum(capabilities)).default([]),
  images: z.array(z.string()).default([]),
  /** Worker nodes beside the control plane, as the suite's own kind cluster has them (a provider with real nodes gives them). */
  workers: z.int().min(0).optional(),
  /**
   * Its pods `pip install` and download MNIST at run time: the harness serves the component's pin
   * sets (wheelhouses.yaml) and the synthetic MNIST to them, through the knobs the test reads
   * (PIP_INDEX_URL, PIP_TRUSTED_HOST, MNIST_DATASET_URL). `true`: every pin set of the component at
   * that version; a list of pin set ids: those alone (a torch 2 set is about 3 GB to fetch).
   */
  packageIndex: z.union([z.boolean(), z.array(z.string()).min(1)]).optional(),
});

/**
 * A component's own e2e suite, over a range of its versions, run against a cell's cluster from the
 * same tree as the component the cell runs. `env`: what the suite reads from the environment and
 * what the harness sets it to ({kubeconfig}, {output}, {image:ray}: filled per cell, see harness/suites).
 */
export const UpstreamSuite = z.strictObject({
  component: ComponentId,
  range: Range,
  kind: z.enum(['go-test', 'ginkgo', 'pytest']),
  /** A Go package relative to the module root (./test/e2e), or a pytest folder. */
  package: z.string().regex(/^\.\/[\w./-]*$/, 'a path like ./test/e2e'),
  /** go-test: -test.run / -test.skip regexps; ginkgo: a label filter; pytest: a marker expression. */
  run: z.string().optional(),
  skip: z.string().optional(),
  labels: z.string().optional(),
  marker: z.string().optional(),
  /** The whole suite's time limit (go's -test.timeout). */
  timeout: z.string().regex(/^\d+[smh]$/).default('60m'),
  env: z.record(z.string(), z.string()).default({}),
  needs: UpstreamNeeds.default({ capabilities: [], images: [] }),
  /**
   * Tests by name (an anchored regexp): `reason`, not applicable here under their own name with it
   * (GPU, OpenShift, internet, a digest-pinned image); `needs`, more than the suite's; `objectLevel`,
   * they check API objects only, so they apply where no process runs in a pod. First match wins.
   */
  tests: z
    .array(
      z.strictObject({
        match: RegExpText,
        reason: z.string().optional(),
        needs: UpstreamNeeds.optional(),
        objectLevel: z.boolean().default(false),
        /** Only the suite's versions in this range (others pass it over). */
        range: Range.optional(),
        /** Objects upstream's CI made before the suite for these tests (its setup script at the tag): applied before the suite where one of them runs, removed after it. */
        setup: z.array(z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string() }) })).optional(),
      }),
    )
    .default([]),
  /**
   * Images the harness makes under the names the suite's code uses, where it makes its pods' images
   * (kind): name → the image made here that stands in for it (retagged, recorded in the results as a stand-in).
   */
  standIns: z.record(z.string(), z.string()).default({}),
  /** Extended resources the suite's own setup advertises on every node with nothing behind them (AppWrapper's virtual GPUs): patched into each node's capacity before it runs, recorded with its code. */
  nodeCapacity: z.record(z.string(), z.string()).default({}),
  /** The whole suite cannot run here (each of its tests, or the suite by its name when they cannot be listed, is reported with this). */
  reason: z.string().optional(),
  note: z.string().optional(),
});
export type UpstreamSuite = z.infer<typeof UpstreamSuite>;

/**
 * A pin set an upstream test `pip install`s at run time (wheelhouses.yaml): downloaded once from
 * PyPI for the Python and platform of the image it runs in, served to the cluster as a simple index.
 */
export const PinSet = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  component: ComponentId,
  /** The component's versions whose tests install it (semver range). */
  range: z.string(),
  /** The Python (major.minor) of the image the test's pip runs in. */
  python: z.string().regex(/^3\.\d+$/),
  /** pip --platform tags; pip takes the older manylinux tags a newer one implies. */
  platforms: z.array(z.string()).default(['manylinux2014_x86_64']),
  /** Unpinned dependencies resolve as PyPI served them before this date. */
  before: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  requirements: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+$/, 'an exact pin: name==version')).min(1),
  /**
   * Pins (of `requirements`) whose metadata today's pip refuses (pip ≥ 24.1: `torch (>=1.7.*)`), as
   * the older pip in the test's image does not: fetched alone by pip 24.0, their dependencies
   * resolved with the rest.
   */
  legacyMetadata: z.array(z.string()).default([]),
  /** Projects PyPI serves as source only (future): served as their sdist, which the test's pip builds as it did from PyPI. */
  sdists: z.array(z.string()).default([]),
}).refine((p) => p.legacyMetadata.every((r) => p.requirements.includes(r)), { message: 'legacyMetadata names pins of requirements', path: ['legacyMetadata'] });
export type PinSet = z.infer<typeof PinSet>;

export const Catalog = z.object({
  components: z.array(Component),
  eras: z.array(Era),
  constraints: z.array(Constraint),
  chain: z.object({ edges: z.array(ChainEdge), external: z.array(ComponentId) }),
  installOrder: z.array(ComponentId),
  /** The operator README's row order (published.yaml), which the reports' stacks follow. */
  readmeOrder: z.array(ComponentId),
  published: z.array(PublishedRow),
  availability: Availability.optional(),
  /** The components' own e2e suites (upstream.yaml). */
  upstream: z.array(UpstreamSuite).default([]),
  /** Pin sets upstream tests pip install at run time (wheelhouses.yaml). */
  wheelhouses: z.array(PinSet).default([]),
});
export type Catalog = z.infer<typeof Catalog>;
