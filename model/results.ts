// The results model: what a run did, per cell, with the provenance of what actually ran. One JSON
// file per run (or shard), versioned; reports, gate, audit and merge read only this.
import { z } from 'zod';
import { ComponentId } from '../matrix/catalog/schema.js';
import { UserError } from '../lib/errors.js';
import { readInput, writeAtomic } from '../lib/files.js';

export const RESULTS_SCHEMA = 1;

/**
 * passed · failed · flaky (passed only on a retry) · blocked (its cell's setup failed, or the run
 * stopped before it) · not-applicable (the cell lacks what the test needs; `reason` says what).
 */
export const TestStatus = z.enum(['passed', 'failed', 'flaky', 'blocked', 'not-applicable']);
export type TestStatus = z.infer<typeof TestStatus>;

const Attachment = z.object({ name: z.string(), path: z.string(), contentType: z.string().optional() });

/**
 * Why a test that did not pass failed, against a baseline (reports/baseline.ts): a regression (it
 * passes there), already failing (it fails there too; `since`, the first run of that streak), flaky
 * (it passed on a retry, or in some of its repeats), or new (the baseline has no such test).
 */
export const TestLabel = z.object({
  kind: z.enum(['regression', 'already-failing', 'flaky', 'new']),
  evidence: z.string(),
  /** The baseline's cell the test was looked up in, and that results file (none: this one, where the run ran it again). */
  baseline: z.object({ cell: z.string(), file: z.string().optional() }).optional(),
  since: z.string().optional(),
});
export type TestLabel = z.infer<typeof TestLabel>;
/**
 * Why a failed test failed when the cluster itself says it was the environment, not the component
 * (harness/environment.ts): what (capacity, node-pressure, image-pull) and the cluster's own words.
 * scope: the events came from the test's own time window, the whole suite's (it gives no per-test
 * times), or the test's own namespace. The test stays failed: it did not pass.
 */
export const TestCause = z.object({
  by: z.enum(['environment']),
  what: z.string(),
  evidence: z.array(z.string()),
  scope: z.enum(['test', 'suite', 'namespace']),
});
export type TestCause = z.infer<typeof TestCause>;

/** A cause in one line, as every report shows it: "environment (capacity): ns/pod: 0/1 nodes are available: … (+1 more)". */
export const causeLine = (c: TestCause): string =>
  `${c.by} (${c.what}${c.scope === 'suite' ? ', seen during the suite' : ''}): ${c.evidence[0] ?? ''}${c.evidence.length > 1 ? ` (+${c.evidence.length - 1} more)` : ''}`;
/** A step of a test: an upstream test's subtest (go test's t.Run), by its name below the test. */
const Step = z.object({ title: z.string(), status: TestStatus, durationMs: z.number().min(0), reason: z.string().optional() });

export const TestResult = z.object({
  /** Playwright's test title path below the suite, e.g. "a RayCluster's head and workers reach Running". */
  title: z.string(),
  status: TestStatus,
  reason: z.string().optional(),
  /** Tags of the test (@kuberay, @real-nodes …). */
  tags: z.array(z.string()).default([]),
  durationMs: z.number().min(0),
  /** Retries used (0 = first attempt decided it). */
  retries: z.int().min(0),
  errors: z.array(z.string()).default([]),
  attachments: z.array(Attachment).default([]),
  /** run --repeat N: how many of the N runs of this test passed (the status is the worst of them). */
  repeats: z.object({ runs: z.int().min(1), passed: z.int().min(0) }).optional(),
  /** Against a baseline (--baseline): what kind of failure this is. Absent in files written before. */
  label: TestLabel.optional(),
  /** A failed test the cluster says failed for the environment (no room on a node, …), with its evidence. */
  cause: TestCause.optional(),
  steps: z.array(Step).optional(),
});
export type TestResult = z.infer<typeof TestResult>;

/** A data set a cell's tests read, served by the harness: a stand-in says what it stands in for and what it is. */
export const Dataset = z.object({
  name: z.string(),
  /** Why and what: a stand-in is never the real data set (e.g. a synthetic MNIST). */
  standIn: z.string().optional(),
  url: z.string(),
  files: z.array(z.object({ file: z.string(), sha256: z.string() })),
});
export type Dataset = z.infer<typeof Dataset>;

/**
 * Where an upstream suite's test code came from: the tree of the component the cell ran (module
 * version or commit, proxy or git), the package, and what ran it (harness/suites TestCode).
 */
export const TestCode = z.object({
  component: z.string(),
  kind: z.enum(['go-test', 'ginkgo', 'pytest']),
  package: z.string(),
  module: z.string(),
  version: z.string(),
  commit: z.string().optional(),
  origin: z.enum(['proxy', 'git', 'checkout']),
  repository: z.string().optional(),
  tree: z.string().optional(),
  goVersion: z.string().optional(),
  binarySha256: z.string().optional(),
  /** Images made here under the names the tests use: name → what stands in for it. */
  standIns: z.record(z.string(), z.string()).optional(),
  /** Extended resources advertised on every node for the suite, with nothing behind them (virtual GPUs), as its own setup does. */
  nodeCapacity: z.record(z.string(), z.string()).optional(),
  /** Objects made before the suite as upstream's CI made them (catalog `setup`), as Kind/name. */
  setup: z.array(z.string()).optional(),
  /** pytest: the requirements installed to run it (the tree's pins), the Python and pytest that ran it. */
  tools: z.array(z.string()).optional(),
  python: z.string().optional(),
  pytest: z.string().optional(),
  /** The package index its pods pip-installed from: the pin sets served (wheelhouses.yaml), by content key. */
  wheelhouses: z.array(z.object({ id: z.string(), key: z.string(), python: z.string(), requirements: z.array(z.string()), files: z.number(), bytes: z.number() })).optional(),
  /** Data sets served to its pods (stand-ins said so). */
  datasets: z.array(Dataset).optional(),
  /** The ingress controller its tests reached Ingress hosts through (built here from its module). */
  ingress: z.object({ name: z.string(), module: z.string(), version: z.string(), image: z.string(), digest: z.string() }).optional(),
});

export const SuiteResult = z.object({
  /** The suite file's name, e.g. "kuberay", "integration"; a component's own e2e: upstream:<component>. */
  name: z.string(),
  status: TestStatus,
  reason: z.string().optional(),
  tests: z.array(TestResult),
  /** An upstream suite: its test code's provenance, and its wall time (build included). */
  code: TestCode.optional(),
  wallMs: z.number().min(0).optional(),
});
export type SuiteResult = z.infer<typeof SuiteResult>;

/** One dependency compiled into a binary, as the binary reports it (`go version -m`), after replace directives. */
const Dep = z.object({ path: z.string(), version: z.string(), sum: z.string().optional(), replacedBy: z.object({ path: z.string(), version: z.string(), sum: z.string().optional() }).optional() });
export type BuildDep = z.infer<typeof Dep>;

/** Provenance of one installed component: what actually runs, as the harness built or installed it. */
export const Provenance = z.object({
  component: ComponentId,
  requested: z.string(),
  resolved: z.string(),
  module: z.string(),
  sum: z.string().optional(),
  commit: z.string().optional(),
  /** Where the tree came from (absent: the Go module proxy); a git tree has no checksum-database entry. */
  origin: z.enum(['proxy', 'git', 'checkout']).optional(),
  /** A tree from a git source: the repository, the tree hash at the commit, and why git rather than the proxy. */
  git: z.object({ repository: z.string(), tree: z.string(), why: z.string().optional() }).optional(),
  /** Requirements the proxy refused, replaced with trees of other configured git sources (path@version → commit). */
  fromGit: z.record(z.string(), z.string()).optional(),
  /** From the binary: Go version and the dependencies compiled in (for Go components). */
  goVersion: z.string().optional(),
  /** The main module as the binary reports it; "(devel)" for a build inside a source tree. */
  main: z.object({ path: z.string(), version: z.string(), sum: z.string().optional() }).optional(),
  deps: z.array(Dep).optional(),
  /** Module overrides the cell asked for (e.g. the operator rebuilt with another MCAD). */
  overrides: z.record(z.string(), z.string()).optional(),
  binarySha256: z.string().optional(),
  imageDigest: z.string().optional(),
  /** SDK: the wheel installed and its hash. */
  wheel: z.object({ file: z.string(), sha256: z.string() }).optional(),
  /** SDK: the Python its virtualenv was made with (the newest here it runs on), and where it was found. */
  interpreter: z.object({ path: z.string(), version: z.string(), from: z.string().optional() }).optional(),
  /** SDK: its dependencies resolved as PyPI served them before this time (the day after its release). */
  resolvedBefore: z.string().optional(),
  /** A client: the command-line tools it drives, as they ran ("oc: kubectl v1.27.16 standing in (apply, …)", "oc: /usr/bin/oc (on PATH)"). */
  tools: z.array(z.string()).optional(),
  /**
   * Fields this controller's mutating webhooks remove from another component's objects: the
   * webhook, the kind, the API version it decodes them with, and the fields that version lacks.
   */
  drops: z.array(z.object({ webhook: z.string(), kind: z.string(), api: z.object({ component: ComponentId, version: z.string() }), controllerRuntime: z.string(), runs: z.string(), fields: z.array(z.string()) })).optional(),
  /** Where what ran differs from what was asked for, in words. */
  differences: z.array(z.string()),
});
export type Provenance = z.infer<typeof Provenance>;
export type Drop = NonNullable<Provenance['drops']>[number];

/** A drop in words. */
export const dropLine = (p: { component: string; resolved: string }, d: Drop): string =>
  `${p.component} ${p.resolved}'s mutating webhook ${d.webhook} re-encodes each ${d.kind} it admits with ${d.api.component}'s API at ${d.api.version} (controller-runtime ${d.controllerRuntime}): it removes what ${d.api.component} ${d.runs} added, ${d.fields.join(', ')}`;

/** The version of `modulePath` compiled into the binary a provenance describes (the replacement's, when replaced). */
export function embedded(p: Provenance, modulePath: string): string | undefined {
  if (modulePath === p.module) return p.main && p.main.version !== '(devel)' ? p.main.version : p.resolved;
  const d = p.deps?.find((x) => x.path === modulePath);
  if (!d) return undefined;
  // A required version the proxy refused, built from its git tag by the harness (fromGit), reads
  // `(devel)` in the binary (a replace by a local tree): what was compiled in is the required version.
  return d.replacedBy && !p.fromGit?.[`${d.path}@${d.version}`] ? d.replacedBy.version : d.version;
}


export const CellStatus = z.enum(['passed', 'failed', 'flaky', 'blocked', 'not-applicable']);
export type CellStatus = z.infer<typeof CellStatus>;

/** build: components, clients and images made (outside any cluster); ready: of install, the waits for controllers to answer their readiness. */
const Phase = z.enum(['build', 'provision', 'install', 'ready', 'suites', 'teardown']);

export const CellResult = z.object({
  id: z.string(),
  title: z.string(),
  era: z.string(),
  provider: z.string(),
  kubernetes: z.string(),
  /** What the plan asked for, per component (the Kubernetes version included). */
  requested: z.record(z.string(), z.string()),
  /** Why each version is in the cell: axis, bundled, paired, chain-dev, under-test, published. */
  origin: z.record(z.string(), z.string()).default({}),
  upgradeFrom: z.record(z.string(), z.string()).optional(),
  /** What ran, from the installers (and the server's own version for Kubernetes). */
  provenance: z.array(Provenance).default([]),
  /** Data sets the harness served to the cell's tests (stand-ins among them, said so). */
  datasets: z.array(Dataset).optional(),
  /** The server version the cluster reported. */
  serverVersion: z.string().optional(),
  /** Where what ran differs from what was asked for, in words (from every provenance entry). */
  differences: z.array(z.string()).default([]),
  status: CellStatus,
  /** Why a cell is blocked (its setup's error), or failed as a whole. */
  reason: z.string().optional(),
  /**
   * Blocked ahead: the plan knew the cell could not run here (a version the registries here do not
   * serve, a published row that breaks a constraint). Reported with its reason, never a failure.
   */
  ahead: z.boolean().optional(),
  suites: z.array(SuiteResult),
  phases: z.partialRecord(Phase, z.number().min(0)).default({}),
  /** The cluster the cell ran on, and whether it was reused from an earlier cell of the run. */
  /** The cluster the cell ran on; `workers` beside its control plane where the selected suites' own clusters have them (`why`). */
  cluster: z.object({ name: z.string(), reused: z.boolean(), workers: z.int().optional(), why: z.array(z.string()).optional() }).optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** Folder of this cell's artifacts (logs, failure attachments), relative to the results file. */
  artifacts: z.string().optional(),
  /** The plan's baseline of the cell: the stack its failed tests are looked up in (none: only why). */
  baseline: z.object({ cell: z.string().optional(), why: z.string() }).optional(),
});
export type CellResult = z.infer<typeof CellResult>;

export const Results = z.object({
  schema: z.literal(RESULTS_SCHEMA),
  harness: z.object({ name: z.literal('codeflare-matrix'), version: z.string() }),
  config: z.object({ name: z.string(), path: z.string(), hash: z.string() }),
  strategy: z.string(),
  provider: z.string(),
  /** Shards merged into this file (one entry per `run`). */
  runs: z.array(
    z.object({
      id: z.string(),
      startedAt: z.string(),
      finishedAt: z.string(),
      shard: z.object({ index: z.int().min(1), total: z.int().min(1) }).optional(),
      /** Stopped early (Ctrl-C, a fatal error): cells not reached are blocked. */
      interrupted: z.boolean().default(false),
      /** run --rerun-failed: the results file this run reran, and what it ran again (cell → test titles; [] = all). */
      rerun: z.object({ of: z.string(), cells: z.record(z.string(), z.array(z.string())) }).optional(),
      /** run --repeat N: each test ran N times. */
      repeat: z.int().min(2).optional(),
      host: z.string().optional(),
      /** Cells at once, and how that was chosen when the machine chose it (no -j, none in the config). */
      parallelism: z.int().positive().optional(),
      parallelismWhy: z.string().optional(),
    }),
  ),
  cells: z.array(CellResult),
  /**
   * Baseline stacks the run ran again, each with only the tests that failed in the cells it is the
   * baseline of: the labels' evidence, not rows of the matrix (no report counts them as cells).
   */
  baselines: z.array(CellResult).optional(),
});
export type Results = z.infer<typeof Results>;

/** A cell's status from its tests: blocked and failed win over flaky, flaky over passed. */
export function cellStatus(suites: SuiteResult[]): CellStatus {
  const all = suites.flatMap((s) => s.tests.map((t) => t.status));
  for (const s of ['failed', 'blocked', 'flaky', 'passed'] as const) if (all.includes(s)) return s;
  return 'not-applicable';
}

/** A suite's status from its tests, the same way. */
export const suiteStatus = (tests: TestResult[]): TestStatus => cellStatus([{ name: '', status: 'passed', tests }]);

/** A cell that fails the run (exit 1): one that failed, or was blocked in its setup; not one blocked ahead. */
export const failsRun = (c: CellResult): boolean => c.status === 'failed' || (c.status === 'blocked' && !c.ahead);

/**
 * How a test counts, the same in every report (exit status, JUnit, the summaries): passed (a flaky
 * pass included, and flagged), failed, error (blocked in its cell's setup: it should have run and
 * did not), skipped (not applicable to its cell, or its cell blocked ahead).
 */
export type Outcome = 'passed' | 'flaky' | 'failed' | 'error' | 'not-applicable' | 'ahead';
export function outcome(c: CellResult, t: TestResult): Outcome {
  if (t.status === 'blocked') return c.ahead ? 'ahead' : 'error';
  return t.status;
}

export type Tally = Record<Outcome, number> & { tests: number };

/** The tests of these cells counted by outcome. */
export function tally(cells: CellResult[]): Tally {
  const n: Tally = { tests: 0, passed: 0, flaky: 0, failed: 0, error: 0, 'not-applicable': 0, ahead: 0 };
  for (const c of cells) for (const s of c.suites) for (const t of s.tests) {
    n.tests++;
    n[outcome(c, t)]++;
  }
  return n;
}

/** A tally in words, as JUnit counts it: passed includes flaky; skipped is not applicable plus blocked ahead. */
export function tallyLine(n: Tally): string {
  return `${n.tests} tests: ${n.passed + n.flaky} passed (${n.flaky} flaky), ${n.failed} failed, ${n.error} errors (blocked in setup), ${n['not-applicable'] + n.ahead} skipped (${n['not-applicable']} not applicable, ${n.ahead} in cells blocked ahead)`;
}

/** Reads a results file; an unreadable, truncated, older or foreign file is a UserError (exit 2). */
export function readResults(path: string): Results {
  const text = readInput(path, 'results', { what: 'cannot read the results file', fix: 'pass a results.json written by `npx codeflare-matrix run`' }).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`not valid JSON (truncated or damaged: ${(e as Error).message})`, path, 'run again or take the file from a complete run');
  }
  const schema = (raw as { schema?: unknown })?.schema;
  if (typeof schema === 'number' && schema !== RESULTS_SCHEMA) {
    throw new UserError(`results schema ${schema}, this harness reads schema ${RESULTS_SCHEMA}`, path, schema < RESULTS_SCHEMA ? 'run the matrix again with this version of codeflare-matrix' : 'use a newer codeflare-matrix');
  }
  const parsed = Results.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UserError(`not a codeflare-matrix results file: ${i.path.join('.') || 'top level'}: ${i.message}`, path, 'pass a results.json written by `npx codeflare-matrix run`');
  }
  return parsed.data;
}

/** Writes results atomically (a temporary file renamed into place): a reader never sees half a file. */
export function writeResults(path: string, results: Results): void {
  writeAtomic(path, `${JSON.stringify(Results.parse(results), null, 2)}\n`);
}
