// Suites behind one shape. Ours are Playwright specs (suites/*.spec.ts, run by Playwright itself);
// the components' own e2e suites are catalog data (matrix/catalog/upstream.yaml) run by a kind:
// `go-test` (go test -c, test2json), `ginkgo`, `pytest` (--junitxml in the cell's venv). A kind prepares the suite from the component's tree
// (cached), lists its tests, and runs the applicable ones; every listed test becomes one result
// under its own name, those that cannot run here not applicable with the catalog's reason; a failed
// one whose window holds Warning events that say the environment (harness/environment.ts) gets that
// cause, with the events as evidence.
import type { UpstreamSuite } from '../../matrix/catalog/index.js';
import type { Source } from '../components/types.js';
import { codeOf, goTest } from './go-test.js';
import { ginkgo } from './ginkgo.js';
import { pytest } from './pytest.js';
import type { SuiteContext, SuiteKind, SuiteRun } from './kind.js';
import type { UpstreamTest } from './test2json.js';
import { allocated, causeIn, watchEnvironment, type EnvironmentEvent } from '../environment.js';
import { setHeaderOptions, PatchStrategy } from '@kubernetes/client-node';
import { applied, clients, until } from '../kube.js';

export type { UpstreamTest, Step, Outcome } from './test2json.js';
export type { PreparedSuite, SuiteContext, SuiteKind, SuiteRun, TestCode } from './kind.js';
export { UPSTREAM, standInOf, standInsFor, upstreamSuite, upstreamSuites, type SuiteInfo } from './catalog.js';

export const kinds: Partial<Record<UpstreamSuite['kind'], SuiteKind>> = { 'go-test': goTest, ginkgo, pytest };

/** The env knobs with the cell's values; a placeholder the cell has no value for is an error naming it. */
export function fillEnv(env: Record<string, string>, vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    out[k] = v.replace(/\{([\w:.-]+)\}/g, (_, name: string) => {
      const value = vars[name];
      if (value === undefined) throw new Error(`upstream suite env ${k}: no value for {${name}} in this cell (known: ${Object.keys(vars).join(', ')})`);
      return value;
    });
  }
  return out;
}

/** Why the whole suite cannot run in this cell (then it is not even built), or undefined. */
export function suiteNotApplicable(suite: UpstreamSuite, ctx: SuiteContext): string | undefined {
  if (suite.reason) return suite.reason;
  if (!kinds[suite.kind]) return `the ${suite.kind} kind of suite is not run by this harness yet`;
  const missing = suite.needs.capabilities.filter((c) => !ctx.capabilities.includes(c));
  // Tests the catalog marks object-level run where no process runs in a pod.
  if (missing.length && !suite.tests.some((t) => t.objectLevel && !t.reason)) return `needs a provider with ${missing.join(', ')} (no test of it is marked object-level)`;
  return undefined;
}

/** The catalog's entry for a test: the first whose pattern matches its name. */
const entryFor = (suite: UpstreamSuite, name: string) => suite.tests.find((t) => new RegExp(t.match).test(name));

/** Why one test cannot run in this cell, or undefined: the catalog's reason, a capability, an image by the name its code uses. */
export function testNotApplicable(suite: UpstreamSuite, name: string, ctx: SuiteContext): string | undefined {
  if (suite.run && !new RegExp(suite.run).test(name)) return `not selected by the catalog's run pattern ${suite.run}`;
  if (suite.skip && new RegExp(suite.skip).test(name)) return `skipped by the catalog's skip pattern ${suite.skip}`;
  const entry = entryFor(suite, name);
  if (entry?.reason) return entry.reason;
  const caps = [...suite.needs.capabilities, ...(entry?.needs?.capabilities ?? [])].filter((c) => !(entry?.objectLevel && c === 'real-pods'));
  const missing = caps.filter((c) => !ctx.capabilities.includes(c));
  if (missing.length) return `needs a provider with ${[...new Set(missing)].join(', ')}`;
  if ((suite.needs.packageIndex || entry?.needs?.packageIndex) && !ctx.packageIndex) return 'its pods pip install and download MNIST at run time: needs the package index the harness serves to pods (a provider whose pods reach the host: kind)';
  const images = [...suite.needs.images, ...(entry?.needs?.images ?? [])].filter((i) => !ctx.images.includes(i));
  if (images.length) return `needs the image ${images.join(', ')} by that exact name (its code names it), which no registry here serves and the harness does not make for this cell`;
  return undefined;
}

/**
 * Adds extended resources to every node's capacity, the API's way to advertise them (the kubelet
 * keeps them and makes the allocatable follow); the allocatable too, for nodes no kubelet runs (fake ones).
 */
async function advertise(kubeconfig: string, capacity: Record<string, string>): Promise<void> {
  const { core } = clients(kubeconfig);
  const key = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');
  const patch = Object.entries(capacity).flatMap(([k, v]) => ['capacity', 'allocatable'].map((f) => ({ op: 'add', path: `/status/${f}/${key(k)}`, value: v })));
  for (const n of (await core.listNode()).items) {
    await core.patchNodeStatus({ name: n.metadata!.name!, body: patch }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
  }
  await until('the nodes allocatable with it', async () => (await core.listNode()).items.every((n) => Object.keys(capacity).every((k) => n.status?.allocatable?.[k] !== undefined)), 60_000);
}

/**
 * Runs a component's upstream suite against a cell: prepares it from `source` (the tree of the
 * component the cell runs), lists its tests, runs those that apply, and returns one result per
 * listed test. A suite that cannot run at all here is one not-applicable result named by its package.
 */
export async function runUpstream(source: Source, suite: UpstreamSuite, ctx: SuiteContext, outDir: string): Promise<SuiteRun> {
  const t0 = Date.now();
  const whole = suiteNotApplicable(suite, ctx);
  if (whole) return { code: codeOf(source, suite), tests: [{ name: suite.package, status: 'not-applicable', reason: whole, durationMs: 0, steps: [], output: '' }], wallMs: Date.now() - t0 };
  const { code, run } = await kinds[suite.kind]!.prepare(source, suite, ctx);
  const entries = await run.list();
  const listed = entries.map((e) => e.name);
  const why = new Map(entries.map((e) => [e.name, e.reason ?? testNotApplicable(suite, e.name, ctx)]));
  const runnable = listed.filter((n) => !why.get(n));
  const watch = runnable.length && ctx.kubeconfig
    ? await watchEnvironment(ctx.kubeconfig).catch((e: Error) => {
        ctx.log?.(`not watching the cluster's events, so no failure is put down to the environment: ${e.message}`);
        return undefined;
      })
    : undefined;
  if (runnable.length && ctx.kubeconfig && Object.keys(suite.nodeCapacity).length) {
    await advertise(ctx.kubeconfig, suite.nodeCapacity);
    code.nodeCapacity = suite.nodeCapacity;
    ctx.log?.(`${suite.component}: every node advertises ${Object.entries(suite.nodeCapacity).map(([k, v]) => `${k}: ${v}`).join(', ')} with nothing behind it, as its own e2e setup does`);
  }
  // Objects upstream's CI made before the suite for the tests that run here (its setup script): made now, gone after it.
  const setup = [...new Map(runnable.flatMap((n) => entryFor(suite, n)?.setup ?? []).map((o) => [`${o.kind}/${o.metadata.name}`, o])).values()];
  let undoSetup: (() => Promise<void>) | undefined;
  if (setup.length) {
    const { kubectl, kubeconfig } = ctx.vars;
    if (!kubectl || !kubeconfig) throw new Error('the suite\'s setup objects need the cell\'s kubectl and kubeconfig');
    undoSetup = await applied(kubectl, kubeconfig, setup, 'the suite\'s setup objects');
    code.setup = setup.map((o) => `${o.kind}/${o.metadata.name}`);
    ctx.log?.(`made before the suite, as upstream's CI did: ${code.setup.join(', ')}`);
  }
  // Tests that reach an Ingress by its host: the cell's ingress controller, and HTTP to it as to a
  // proxy (Go sends loopback, the API server's address, direct).
  const ingress = runnable.some((n) => [...suite.needs.capabilities, ...(entryFor(suite, n)?.needs?.capabilities ?? [])].includes('ingress')) ? await ctx.ingress?.() : undefined;
  if (ingress) code.ingress = ingress.controller;
  const proxyEnv: Record<string, string> = ingress ? { HTTP_PROXY: ingress.proxy, NO_PROXY: '127.0.0.1,localhost' } : {};
  ctx.log?.(`running ${runnable.length} of ${listed.length} test(s)${listed.length > runnable.length ? ` (${listed.length - runnable.length} not applicable here)` : ''}, for up to ${suite.timeout}`);
  const from = Date.now();
  let events: EnvironmentEvent[] = [];
  let ran: { tests: UpstreamTest[]; log: string };
  try {
    ran = runnable.length ? await run.run(runnable, { ...fillEnv(suite.env, ctx.vars), ...(ctx.packageIndex ?? {}), ...proxyEnv }, outDir) : { tests: [], log: '' };
  } finally {
    events = watch?.stop() ?? [];
    await undoSetup?.();
  }
  const to = Date.now();
  // A test the run never reached did not fail: it is blocked by what ended the run (a panic in
  // another test ends a Go test binary), which is itself a failure of its own.
  const tests = listed.map((name): UpstreamTest => {
    const reason = why.get(name);
    if (reason) return { name, status: 'not-applicable', reason, durationMs: 0, steps: [], output: '' };
    const t = ran.tests.find((x) => x.name === name) ?? { name, status: 'blocked', reason: 'listed by the suite but never started: the run ended first (see the suite log)', durationMs: 0, steps: [], output: '' };
    if (t.status !== 'failed') return t;
    // its own window where the suite gives one (a test the binary never finished: until the suite's end), else the suite's
    const cause = causeIn(events, t.startedAt ? Date.parse(t.startedAt) : from, t.finishedAt ? Date.parse(t.finishedAt) : to, t.startedAt ? 'test' : 'suite');
    return cause ? { ...t, cause } : t;
  });
  // No room on a node: how full the nodes are, read once now that the suite is done.
  if (tests.some((t) => t.cause?.what.includes('capacity'))) {
    const nodes = await allocated(clients(ctx.kubeconfig!).core).catch((e: Error) => `the nodes' allocated resources could not be read: ${e.message}`);
    for (const t of tests) if (t.cause?.what.includes('capacity')) t.cause.evidence.push(nodes);
  }
  return { code, tests, wallMs: Date.now() - t0, log: ran.log };
}
