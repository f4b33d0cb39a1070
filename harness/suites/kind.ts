// The one shape every kind of upstream suite has (go-test.ts, ginkgo.ts), below the kinds and the
// index that picks one.
import type { UpstreamSuite } from '../../matrix/catalog/index.js';
import type { Sources } from '../../matrix/config.js';
import type { Source } from '../components/types.js';
import type { Log } from '../toolchain/build.js';
import type { UpstreamTest } from './test2json.js';
import type { ServedWheelhouse } from './served.js';
import type { Dataset } from '../../model/results.js';
import type { ClusterIngress } from '../providers/provider.js';

/** Where the test code came from: the tree of the component the cell runs. Kept in the results. */
export type TestCode = {
  component: string;
  kind: UpstreamSuite['kind'];
  package: string;
  module: string;
  /** The module version (a tag or a pseudo-version) or path:<dir>. */
  version: string;
  commit?: string;
  origin: 'proxy' | 'git' | 'checkout';
  /** A git source: the repository and tree hash. */
  repository?: string;
  tree?: string;
  goVersion?: string;
  binarySha256?: string;
  /** Images made here under the names the tests use (name → what stands in for it). */
  standIns?: Record<string, string>;
  /** Extended resources advertised on every node for the suite (virtual: nothing behind them). */
  nodeCapacity?: Record<string, string>;
  /** Objects made before the suite as upstream's CI made them, as Kind/name. */
  setup?: string[];
  /** pytest: the requirements installed to run it (the tree's pins), and the versions that ran. */
  tools?: string[];
  python?: string;
  pytest?: string;
  wheelhouses?: ServedWheelhouse[];
  datasets?: Dataset[];
  /** The ingress controller its tests reached Ingress hosts through. */
  ingress?: ClusterIngress['controller'];
};

/** What a cell offers a suite: its provider's capabilities, the images its nodes have by name, the values of env placeholders. */
export type SuiteContext = {
  capabilities: readonly string[];
  images: readonly string[];
  /** {kubeconfig}, {output}, {image:ray} … */
  vars: Record<string, string>;
  sources?: Sources;
  /** The cell's virtualenv of a Python component (its interpreter), for a pytest suite. */
  python?: string;
  log?: Log;
  /** The cell's cluster: its Warning events are watched while the suite runs (harness/environment.ts). */
  kubeconfig?: string;
  /** Where the harness serves its pods a package index and data (tests that `needs: packageIndex`): the environment that says so. */
  packageIndex?: Record<string, string>;
  /** The cell's ingress controller, started when a test that runs needs capability `ingress`. */
  ingress?: () => Promise<ClusterIngress>;
};

export type SuiteRun = { code: TestCode; tests: UpstreamTest[]; wallMs: number; log?: string };

/** One kind of upstream suite. */
export interface SuiteKind {
  /** Builds (or takes from the cache) what runs the suite from the component's tree. */
  prepare(source: Source, suite: UpstreamSuite, ctx: SuiteContext): Promise<{ code: TestCode; run: PreparedSuite }>;
}
export interface PreparedSuite {
  /** Every test the suite has; `reason`: the kind's own selection leaves it out (a ginkgo label filter). */
  list(): Promise<{ name: string; reason?: string }[]>;
  /** Runs exactly these tests; returns one result per test it ran. */
  run(tests: string[], env: Record<string, string>, outDir: string): Promise<{ tests: UpstreamTest[]; log: string }>;
}
