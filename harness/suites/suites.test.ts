// Upstream suites, on a repository this test makes: a small Go module (stdlib only) with an e2e
// package, taken from git as a component's tree is, compiled with `go test -c`, run through
// test2json against a local cluster of the test's own, and checked test by test against what
// `go test -json` itself says of the same package. Nothing here comes from outside.
import { test, expect } from '@playwright/test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { UpstreamSuite, loadCatalog } from '../../matrix/catalog/index.js';
import { satisfies } from '../../matrix/versions.js';
import { parseSources } from '../components/git.js';
import { resolveSource } from '../components/source.js';
import { LocalProvider } from '../providers/local/provider.js';
import { clients } from '../kube.js';
import { capabilities as allCapabilities } from '../../matrix/ids.js';
import { goEnv } from '../toolchain/gomod.js';
import { testKubernetesVersions, toolchainEntry } from '../toolchain/index.js';
import { runUpstream, standInsFor, suiteNotApplicable, testNotApplicable, upstreamSuite, type SuiteContext } from './index.js';
import { workersFor } from './catalog.js';
import { parseTestEvents } from './test2json.js';
import { parseGinkgoReport, progress, ranOf } from './ginkgo.js';
import { pickSuites, suiteGrep } from '../../suites/index.js';
import { canMake } from '../providers/kind/workloads.js';

test('test2json events: one result per top-level test, subtests as steps, t.Skip as not applicable with its message, an unfinished test failed, a failure said in the words that failed', () => {
  const ev = (o: object) => JSON.stringify({ Time: '2026-01-01T00:00:00Z', Package: './test/e2e', ...o });
  const lines = [
    ev({ Action: 'start' }),
    ev({ Action: 'run', Test: 'TestA', Time: '2026-01-01T00:00:01.000000001Z' }),
    ev({ Action: 'output', Test: 'TestA', Output: '=== RUN   TestA\n' }),
    ev({ Action: 'output', Test: 'TestA', Output: '    a_test.go:9: talking\n' }),
    ev({ Action: 'output', Test: 'TestA', Output: '--- PASS: TestA (1.50s)\n' }),
    ev({ Action: 'pass', Test: 'TestA', Elapsed: 1.5, Time: '2026-01-01T00:00:02.5Z' }),
    ev({ Action: 'run', Test: 'TestB' }),
    ev({ Action: 'output', Test: 'TestB', Output: '=== RUN   TestB\n' }),
    ev({ Action: 'output', Test: 'TestB', Output: '    b_test.go:8: Created RayCluster ns/ok successfully\n' }),
    ev({ Action: 'run', Test: 'TestB/one' }),
    ev({ Action: 'output', Test: 'TestB/one', Output: '    b_test.go:12: wanted 1, got 2\n' }),
    ev({ Action: 'fail', Test: 'TestB/one', Elapsed: 0.2 }),
    ev({ Action: 'run', Test: 'TestB/two' }),
    ev({ Action: 'pass', Test: 'TestB/two', Elapsed: 0.1 }),
    ev({ Action: 'output', Test: 'TestB', Output: '--- FAIL: TestB (0.30s)\n' }),
    ev({ Action: 'fail', Test: 'TestB', Elapsed: 0.3 }),
    ev({ Action: 'run', Test: 'TestC' }),
    ev({ Action: 'output', Test: 'TestC', Output: '    c_test.go:4: needs a GPU node\n' }),
    ev({ Action: 'output', Test: 'TestC', Output: '--- SKIP: TestC (0.00s)\n' }),
    ev({ Action: 'skip', Test: 'TestC', Elapsed: 0 }),
    ev({ Action: 'run', Test: 'TestE' }),
    ev({ Action: 'output', Test: 'TestE', Output: '    e_test.go:3: Waiting for RayJob ns/a to complete\n' }),
    ev({ Action: 'output', Test: 'TestE', Output: '    e_test.go:5: Timed out after 60.001s.\n' }),
    ev({ Action: 'fail', Test: 'TestE', Elapsed: 60 }),
    ev({ Action: 'run', Test: 'TestF' }),
    ev({ Action: 'output', Test: 'TestF', Output: '    f_test.go:34: Created RayCluster ns/ok successfully\n' }),
    ev({ Action: 'run', Test: 'TestF/refused' }),
    ev({ Action: 'output', Test: 'TestF', Output: '    f_test.go:75: \n' }),
    ev({ Action: 'output', Test: 'TestF', Output: '        Expected an error to have occurred.  Got:\n' }),
    ev({ Action: 'fail', Test: 'TestF/refused', Elapsed: 0.05 }),
    ev({ Action: 'fail', Test: 'TestF', Elapsed: 0.4 }),
    ev({ Action: 'run', Test: 'TestD' }),
    ev({ Action: 'output', Test: 'TestD', Output: '=== RUN   TestD\n' }),
    ev({ Action: 'output', Output: 'panic: test timed out after 1s\n' }),
    ev({ Action: 'fail', Elapsed: 1.1 }),
  ];
  const { tests, packageAction } = parseTestEvents(lines.join('\n'));
  expect(packageAction).toBe('fail');
  const by = Object.fromEntries(tests.map((t) => [t.name, t]));
  expect(tests.map((t) => t.name)).toEqual(['TestA', 'TestB', 'TestC', 'TestE', 'TestF', 'TestD']);
  expect(by.TestA).toMatchObject({ status: 'passed', durationMs: 1500, steps: [], startedAt: '2026-01-01T00:00:01.000000001Z', finishedAt: '2026-01-01T00:00:02.5Z' });
  expect(by.TestA!.output).toContain('a_test.go:9: talking');
  expect(by.TestB).toMatchObject({ status: 'failed', reason: 'one: wanted 1, got 2', steps: [{ title: 'one', status: 'failed', reason: 'wanted 1, got 2', durationMs: 200 }, { title: 'two', status: 'passed', durationMs: 100 }] });
  // the subtests' output is the test's, in order
  expect(by.TestB!.output.indexOf('=== RUN   TestB')).toBeLessThan(by.TestB!.output.indexOf('wanted 1'));
  expect(by.TestC).toMatchObject({ status: 'not-applicable', reason: 'needs a GPU node' });
  // a failure's reason is what failed (its subtest; an assertion's words), not a progress line logged before it
  expect(by.TestE).toMatchObject({ status: 'failed', reason: 'Timed out after 60.001s.' });
  // an assertion on the parent's T inside a subtest is logged under the parent (kuberay@v1.3.2 raycluster_test.go:75)
  expect(by.TestF).toMatchObject({ status: 'failed', reason: 'refused: Expected an error to have occurred.  Got:' });
  expect(by.TestD).toMatchObject({ status: 'failed', reason: 'the test binary ended before the test did: panic: test timed out after 1s' });
  // never finished: no end of its own (the suite's end stands for it)
  expect(by.TestD!.finishedAt).toBeUndefined();
});

test('a Ginkgo JSON report: one result per It under its full text, By steps, Skip() as not applicable with its message; a failed BeforeSuite fails the specs it kept from running', () => {
  const spec = (o: object) => ({ ContainerHierarchyTexts: ['AppWrapper', 'Creation'], LeafNodeType: 'It', RunTime: 2_500_000_000, CapturedGinkgoWriterOutput: 'writer\n', ...o });
  const report = (extra: object[] = []) =>
    JSON.stringify([
      {
        SuiteSucceeded: false,
        SpecReports: [
          ...extra,
          spec({ LeafNodeText: 'Pods', State: 'passed', SpecEvents: [{ SpecEventType: 'By', Message: 'creating the AppWrapper', Duration: 1_000_000_000 }, { SpecEventType: 'Node', Message: 'It' }] }),
          spec({ LeafNodeText: 'Jobs', State: 'failed', Failure: { Message: 'Timed out after 30s.\nExpected true' }, StartTime: '2026-01-01T00:00:01.5+00:00', EndTime: '2026-01-01T00:00:31.5+00:00' }),
          spec({ LeafNodeText: 'GPUs', State: 'skipped', Failure: { Message: 'needs GPUs' } }),
          spec({ LeafNodeText: 'later', State: 'pending' }),
          spec({ LeafNodeText: 'filtered', State: 'skipped' }),
          { LeafNodeType: 'AfterSuite', State: 'passed' },
        ],
      },
    ]);
  const { tests, suiteFailure } = parseGinkgoReport(report());
  expect(suiteFailure).toBeUndefined();
  const by = Object.fromEntries(tests.map((t) => [t.name, t]));
  expect(Object.keys(by)).toEqual(['AppWrapper Creation Pods', 'AppWrapper Creation Jobs', 'AppWrapper Creation GPUs', 'AppWrapper Creation later', 'AppWrapper Creation filtered']);
  expect(by['AppWrapper Creation Pods']).toMatchObject({ status: 'passed', durationMs: 2500, steps: [{ title: 'creating the AppWrapper', status: 'passed', durationMs: 1000 }], output: 'writer\n' });
  expect(by['AppWrapper Creation Jobs']).toMatchObject({ status: 'failed', reason: 'Timed out after 30s. Expected true', startedAt: '2026-01-01T00:00:01.5+00:00', finishedAt: '2026-01-01T00:00:31.5+00:00' });
  expect(by['AppWrapper Creation GPUs']).toMatchObject({ status: 'not-applicable', reason: 'needs GPUs' });
  expect(by['AppWrapper Creation later']).toMatchObject({ status: 'not-applicable', reason: 'pending in the suite' });
  expect(by['AppWrapper Creation filtered']).toMatchObject({ status: 'not-applicable', reason: 'skipped by the suite' });
  const broken = parseGinkgoReport(report([{ LeafNodeType: 'BeforeSuite', State: 'failed', Failure: { Message: 'no kubeconfig\nmore' } }]));
  expect(broken.suiteFailure).toBe('BeforeSuite failed: no kubeconfig');
  expect(broken.tests.find((t) => t.name.endsWith('filtered'))).toMatchObject({ status: 'failed', reason: 'BeforeSuite failed: no kubeconfig' });
  expect(broken.tests.find((t) => t.name.endsWith('GPUs'))).toMatchObject({ status: 'not-applicable', reason: 'needs GPUs' });
  expect(broken.tests.find((t) => t.name.endsWith('later'))).toMatchObject({ status: 'not-applicable', reason: 'pending in the suite' });
  // Ginkgo v2.23 (appwrapper main) reports only the failed BeforeSuite: the specs asked for failed with it
  const only = parseGinkgoReport(JSON.stringify([{ SuiteSucceeded: false, SpecReports: [{ LeafNodeType: 'BeforeSuite', State: 'failed', Failure: { Message: 'no matches for kind "ResourceFlavor" in version "kueue.x-k8s.io/v1beta2"' } }] }]));
  expect(ranOf(['A Pods', 'A Jobs'], only)).toEqual([
    { name: 'A Pods', status: 'failed', reason: 'BeforeSuite failed: no matches for kind "ResourceFlavor" in version "kueue.x-k8s.io/v1beta2"', durationMs: 0, steps: [], output: '' },
    { name: 'A Jobs', status: 'failed', reason: 'BeforeSuite failed: no matches for kind "ResourceFlavor" in version "kueue.x-k8s.io/v1beta2"', durationMs: 0, steps: [], output: '' },
  ]);
  expect(ranOf(['AppWrapper Creation Pods'], parseGinkgoReport(report())).map((t) => t.status)).toEqual(['passed']);
});

test("Ginkgo's marks as they come: a line per spec however the output is cut, a failure counted once where its mark ends", () => {
  const lines = (chunks: string[]) => {
    const got: string[] = [];
    const p = progress(3, (l) => got.push(l));
    for (const c of chunks) [...p.transform(new TextEncoder().encode(c))];
    return got;
  };
  // two specs in one read (a loaded machine), the second failed
  expect(lines(['•\n• [FAILED] [0.2 seconds]\n'])).toEqual(['1 of 3 specs run', '2 of 3 specs run (1 failed)']);
  expect(lines(['•\n', '• [FAILED] [0.2 seconds]\n'])).toEqual(['1 of 3 specs run', '2 of 3 specs run (1 failed)']);
  // a failure's mark cut in two: counted once, on the next line
  expect(lines(['•\n• [FAI', 'LED] [0.2 seconds]\nSS', '•\n'])).toEqual(['1 of 3 specs run', '2 of 3 specs run', '3 of 3 specs run (1 failed)']);
});

test('the catalog has a suite for the operator, KubeRay and AppWrapper at the versions the issue names, and says why the others cannot run', () => {
  expect(upstreamSuite('codeflare-operator', 'v1.16.0')).toMatchObject({ kind: 'go-test', package: './test/e2e' });
  expect(upstreamSuite('codeflare-operator', 'v0.2.3')?.env).not.toHaveProperty('CLUSTER_TYPE');
  expect(upstreamSuite('kuberay', 'v1.3.2')?.env).toHaveProperty('KUBERAY_TEST_RAY_IMAGE', '{image:ray}');
  expect(upstreamSuite('kuberay', 'v1.0.0')).toBeUndefined(); // no ray-operator/test/e2e before v1.1.0
  expect(upstreamSuite('appwrapper', 'v1.1.2')).toMatchObject({ kind: 'ginkgo', labels: 'Kueue,Webhook,Metrics' });
  expect(upstreamSuite('kueue', 'v0.11.6')?.reason).toMatch(/digest/);
  // AppWrapper's specs whose AppWrappers wrap a PyTorchJob, by name or not (appwrapper@v1.1.2 test/e2e/appwrapper_test.go:274, :280, :312)
  const aw = upstreamSuite('appwrapper', 'v1.1.2')!;
  const all: SuiteContext = { capabilities: allCapabilities, images: ['quay.io/project-codeflare/busybox:1.36'], vars: {} };
  for (const spec of ['Recognition of Child Jobs PyTorch Job', 'Recognition of Child Jobs Compound Workloads', 'Detection of Completion Status Deleting a Running Component yields a failed AppWrapper']) expect(testNotApplicable(aw, `AppWrapper E2E Test ${spec}`, all), spec).toMatch(/training-operator/);
  expect(testNotApplicable(aw, 'AppWrapper E2E Test Recognition of Child Jobs Batch Job', all)).toBeUndefined();
  // ranges of one component never overlap: a version has one suite
  const catalog = loadCatalog();
  for (const c of catalog.components) for (const v of c.versions) expect(catalog.upstream.filter((u) => u.component === c.id && satisfies(catalog, c.id, v.tag, u.range)).length, `${c.id} ${v.tag}`).toBeLessThanOrEqual(1);
  const kind: SuiteContext = { capabilities: allCapabilities, images: [], vars: {} };
  const op = upstreamSuite('codeflare-operator', 'v1.16.0')!;
  expect(testNotApplicable(op, 'TestMnistRayJobRayClusterCudaGpu', kind)).toMatch(/GPU/);
  // the RayJob tests: the package index and an ingress controller for the dashboard's Ingress
  expect(testNotApplicable(op, 'TestMnistRayJobRayClusterCpu', kind)).toMatch(/package index/);
  const withIndex = { ...kind, packageIndex: { PIP_INDEX_URL: 'http://192.0.2.1:1/simple/' } };
  expect(testNotApplicable(op, 'TestMnistRayJobRayClusterAppWrapperCpu', withIndex)).toBeUndefined();
  expect(testNotApplicable(op, 'TestMnistRayJobRayClusterCpu', { ...withIndex, capabilities: allCapabilities.filter((c) => c !== 'ingress') })).toBe('needs a provider with ingress');
  // before v1.14.0 they run codeflare-common's default Ray image (no CODEFLARE_TEST_RAY_IMAGE), a stand-in on the tag's Python
  const v113 = upstreamSuite('codeflare-operator', 'v1.13.0')!;
  expect(v113.env).not.toHaveProperty('CODEFLARE_TEST_RAY_IMAGE');
  expect(testNotApplicable(v113, 'TestMnistRayJobRayClusterCpu', withIndex)).toMatch(/quay\.io\/modh\/ray:2\.35\.0-py311-cu121 by that exact name/);
  expect(testNotApplicable(v113, 'TestMnistRayJobRayClusterCpu', { ...withIndex, images: ['quay.io/modh/ray:2.35.0-py311-cu121'] })).toBeUndefined();
  const rayJob = (v: string, name: string) => upstreamSuite('codeflare-operator', v)!.tests.find((t) => new RegExp(t.match).test(name));
  expect(rayJob('v1.4.1', 'TestMNISTRayJobRayCluster')?.needs).toEqual({ capabilities: ['ingress'], images: ['quay.io/project-codeflare/ray:latest-py39-cu118'], packageIndex: ['operator-mnist-pl1.5'] });
  expect(rayJob('v1.10.0', 'TestMnistRayJobRayClusterCpu')?.needs).toEqual({ capabilities: ['ingress'], images: ['quay.io/modh/ray:2.35.0-py39-cu121'], packageIndex: ['operator-mnist-pl1.9'] });
  // v1.4.4–v1.9.0 queue in upstream CI's own ClusterQueue, which setup.sh made: made from it as data, with the quota of the tag's script
  const quota = (v: string, name: string) => (rayJob(v, name)?.setup?.find((o) => o.kind === 'ClusterQueue') as { spec?: { resourceGroups?: { coveredResources: string[] }[] } } | undefined)?.spec?.resourceGroups?.[0]?.coveredResources;
  for (const [v, names] of [['v1.4.4', ['TestMNISTPyTorchAppWrapper', 'TestMNISTRayJobRayCluster', 'TestMNISTRayJobRayClusterAppWrapper']], ['v1.9.0', ['TestMnistPyTorchAppWrapperCpu', 'TestMnistRayJobRayClusterCpu', 'TestMnistRayJobRayClusterAppWrapperCpu']]] as const) {
    for (const name of names) {
      expect(rayJob(v, name)?.setup?.map((o) => `${o.kind}/${o.metadata.name}`), `${v} ${name}`).toEqual(['ResourceFlavor/default-flavor', 'ClusterQueue/e2e-cluster-queue']);
      expect(quota(v, name), `${v} ${name}`).toEqual(v === 'v1.4.4' ? ['cpu', 'memory'] : ['cpu', 'memory', 'nvidia.com/gpu']);
    }
  }
  expect(testNotApplicable(upstreamSuite('codeflare-operator', 'v1.9.0')!, 'TestMnistRayJobRayClusterCpu', { ...withIndex, images: ['quay.io/rhoai/ray:2.23.0-py39-cu121'] })).toBeUndefined();
  expect(testNotApplicable(upstreamSuite('codeflare-operator', 'v1.9.0')!, 'TestMnistRayJobRayClusterGpu', withIndex)).toMatch(/GPUs/);
  expect(standInsFor({ 'codeflare-operator': 'v1.9.0' }, ['codeflare-operator'])).toEqual({ 'pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime': 'codeflare-matrix/pytorch:1.11.0-py3.9-served', 'quay.io/rhoai/ray:2.23.0-py39-cu121': 'codeflare-matrix/ray:2.23.0-py3.9' });
  expect(standInsFor({ 'codeflare-operator': 'v1.4.4' }, ['codeflare-operator'])).toEqual({ 'pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime': 'codeflare-matrix/pytorch:1.11.0-py3.9-served', 'quay.io/project-codeflare/ray:2.20.0-py39-cu118': 'codeflare-matrix/ray:2.20.0-py3.9' });
  // v1.2.0 and v1.3.x reach the dashboard by an Ingress of their own, with nginx's rewrite-target, which the ingress here does not honour
  for (const [v, name] of [['v1.3.1', 'TestMNISTRayJobRayCluster'], ['v1.2.0', 'TestMNISTRayJobMCADRayCluster']] as const) expect(testNotApplicable(upstreamSuite('codeflare-operator', v)!, name, withIndex), v).toMatch(/rewrite-target/);
  // v1.1.0's RayJob has no index knob
  expect(testNotApplicable(upstreamSuite('codeflare-operator', 'v1.1.0')!, 'TestMNISTRayJobMCADRayCluster', withIndex)).toMatch(/internet/);
  expect(op.tests.find((t) => new RegExp(t.match).test('TestMnistRayJobRayClusterCpu'))?.needs?.packageIndex).toEqual(['operator-mnist-rayjob-tv0.19']);
  expect(upstreamSuite('codeflare-operator', 'v1.14.0')!.tests.find((t) => new RegExp(t.match).test('TestMnistRayJobRayClusterCpu'))?.needs?.packageIndex).toEqual(['operator-mnist-pl2.4']);
  expect(testNotApplicable(op, 'TestDeploymentAppWrapper', kind)).toMatch(/quay\.io\/project-codeflare\/busybox:1\.36 by that exact name/);
  expect(testNotApplicable(op, 'TestDeploymentAppWrapper', { ...kind, images: ['quay.io/project-codeflare/busybox:1.36'] })).toBeUndefined();
  expect(testNotApplicable(op, 'TestRayClusterImagePullSecret', kind)).toBeUndefined();
  // images by the names the tests use, made here as stand-ins where the provider makes its pods' images
  expect(standInsFor({ 'codeflare-operator': 'v1.16.0' }, ['codeflare-operator'])).toEqual({ 'quay.io/project-codeflare/busybox:1.36': 'busybox:1.35.0', 'pytorch/pytorch:2.4.1-cuda11.8-cudnn9-runtime': 'codeflare-matrix/pytorch:2.4.1-py3.11' });
  expect(standInsFor({ 'codeflare-operator': 'v1.10.0' }, ['codeflare-operator'])).toEqual({ 'pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime': 'codeflare-matrix/pytorch:1.11.0-py3.9-served', 'quay.io/modh/ray:2.35.0-py39-cu121': 'codeflare-matrix/ray:2.35.0-py3.9' });
  expect(standInsFor({ 'codeflare-operator': 'v1.4.1' }, ['codeflare-operator'])).toEqual({ 'quay.io/project-codeflare/ray:latest-py39-cu118': 'codeflare-matrix/ray:2.5.0-py3.9' });
  expect(standInsFor({ 'codeflare-operator': 'v1.16.0' }, ['kuberay'])).toEqual({});
  // a test entry with a range applies to those versions only, and the stand-ins only it names go with it:
  // v1.2.0's PyTorch Job takes the package index from the test's env; v0.0.5–v1.1.0's, with no such
  // knob, from the image, which carries the index by its in-cluster name and the MNIST data
  const v120 = upstreamSuite('codeflare-operator', 'v1.2.0')!;
  expect(testNotApplicable(v120, 'TestMNISTPyTorchMCAD', kind)).toMatch(/package index/);
  const served = { ...kind, packageIndex: { PIP_INDEX_URL: 'http://192.0.2.1:1/simple/' } };
  expect(testNotApplicable(v120, 'TestMNISTPyTorchMCAD', served)).toMatch(/pytorch\/pytorch:1\.11\.0-cuda11\.3-cudnn8-runtime by that exact name/);
  expect(testNotApplicable(v120, 'TestMNISTPyTorchMCAD', { ...served, images: ['pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime'] })).toBeUndefined();
  expect(standInsFor({ 'codeflare-operator': 'v1.2.0' }, ['codeflare-operator'])).toEqual({ 'pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime': 'codeflare-matrix/pytorch:1.11.0-py3.9-served' });
  for (const v of ['v1.1.0', 'v0.2.3', 'v0.0.5']) {
    const suite = upstreamSuite('codeflare-operator', v)!;
    expect(testNotApplicable(suite, 'TestMNISTPyTorchMCAD', kind), v).toMatch(/package index/);
    expect(testNotApplicable(suite, 'TestMNISTPyTorchMCAD', { ...served, images: ['pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime'] }), v).toBeUndefined();
    expect(standInsFor({ 'codeflare-operator': v }, ['codeflare-operator']), v).toEqual({ 'pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime': 'codeflare-matrix/pytorch:1.11.0-py3.9-served' });
    expect(workersFor({ 'codeflare-operator': v }, ['codeflare-operator']).workers, v).toBe(1);
  }
  // era A's RayJob pip-installs with no index knob
  expect(testNotApplicable(upstreamSuite('codeflare-operator', 'v0.2.3')!, 'TestMNISTRayJobMCADRayCluster', served)).toMatch(/no index knob/);
  // v0.0.4 has no MNIST Job test: no stand-in, no worker
  expect(standInsFor({ 'codeflare-operator': 'v0.0.4' }, ['codeflare-operator'])).toEqual({});
  expect(workersFor({ 'codeflare-operator': 'v0.0.4' }, ['codeflare-operator']).workers).toBe(0);
  // upstream ran it on a 4-core runner: a worker node beside the control plane
  expect(workersFor({ 'codeflare-operator': 'v1.2.0' }, ['codeflare-operator'])).toEqual({ workers: 1, why: [expect.stringContaining('TestMNISTPyTorchMCAD')] });
  expect(workersFor({ 'codeflare-operator': 'v1.4.1' }, ['codeflare-operator']).workers).toBe(0);
  expect(workersFor({ 'codeflare-operator': 'v1.2.0' }, ['kuberay']).workers).toBe(0);
  // the same Job in an AppWrapper, v1.10.0–v1.12.0 (v1.4.4–v1.9.0 need upstream's setup.sh); v1.13.0 moved to torch 2.4's image
  expect(testNotApplicable(upstreamSuite('codeflare-operator', 'v1.10.0')!, 'TestMnistPyTorchAppWrapperCpu', { ...served, images: ['pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime'] })).toBeUndefined();
  expect(testNotApplicable(upstreamSuite('codeflare-operator', 'v1.10.0')!, 'TestMnistPyTorchAppWrapperGpu', served)).toMatch(/GPUs/);
  // v1.13.0 and later: torch 2.4.1's image, and the 1.11 stand-in goes with the tests that name it
  const torch2 = { ...served, images: ['pytorch/pytorch:2.4.1-cuda11.8-cudnn9-runtime'] };
  for (const v of ['v1.13.0', 'v1.16.0']) {
    const suite = upstreamSuite('codeflare-operator', v)!;
    expect(testNotApplicable(suite, 'TestMnistPyTorchAppWrapperCpu', served), v).toMatch(/pytorch\/pytorch:2\.4\.1-cuda11\.8-cudnn9-runtime by that exact name/);
    expect(testNotApplicable(suite, 'TestMnistPyTorchAppWrapperCpu', torch2), v).toBeUndefined();
    expect(testNotApplicable(suite, 'TestMnistPyTorchAppWrapperCpu', { ...kind, images: torch2.images }), v).toMatch(/package index/);
    // the RayJob's: the index and an ingress controller; v1.13.0 in its default Ray image, v1.14.0 on in the harness's
    const rayJob = testNotApplicable(suite, 'TestMnistRayJobRayClusterCpu', torch2);
    if (v === 'v1.13.0') expect(rayJob, v).toMatch(/ray:2\.35\.0-py311-cu121 by that exact name/);
    else expect(rayJob, v).toBeUndefined();
  }
  expect(standInsFor({ 'codeflare-operator': 'v1.13.0' }, ['codeflare-operator'])).toEqual({ 'pytorch/pytorch:2.4.1-cuda11.8-cudnn9-runtime': 'codeflare-matrix/pytorch:2.4.1-py3.11', 'quay.io/modh/ray:2.35.0-py311-cu121': 'codeflare-matrix/ray:2.35.0-py3.11' });
  expect(standInsFor({ 'codeflare-operator': 'v1.12.0' }, ['codeflare-operator'])).toEqual({ 'pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime': 'codeflare-matrix/pytorch:1.11.0-py3.9-served', 'quay.io/modh/ray:2.35.0-py39-cu121': 'codeflare-matrix/ray:2.35.0-py3.9' });
  expect(canMake('pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime')).toBe(true);
  expect(canMake('quay.io/modh/ray:2.35.0-py39-cu121')).toBe(true);
  expect(canMake('codeflare-matrix/ray:2.5.0-py3.9')).toBe(true);
  expect(canMake('quay.io/project-codeflare/busybox:1.36')).toBe(true);
  expect(canMake('quay.io/example/unknown:1.0')).toBe(false);
  // where no process runs in a pod, only what the catalog marks object-level runs (and it has run there and passed)
  const local: SuiteContext = { capabilities: ['fake-nodes'], images: [], vars: {} };
  const kr = upstreamSuite('kuberay', 'v1.3.2')!;
  expect(suiteNotApplicable(kr, local)).toBeUndefined();
  expect(testNotApplicable(kr, 'TestRayClusterManagedBy', local)).toBeUndefined();
  expect(testNotApplicable(kr, 'TestRayJob', local)).toBe('needs a provider with real-pods');
  // the local provider runs no process in a pod: the whole suite is not applicable there
  expect(suiteNotApplicable(op, { capabilities: ['fake-nodes'], images: [], vars: {} })).toMatch(/real-pods/);
  // the SDK's pytest suite (node ids as pytest names them at v0.38.2): the kind tests that need GPUs, the internet or a digest-pinned image by name
  const sdk = upstreamSuite('codeflare-sdk', 'v0.38.2')!;
  expect(sdk).toMatchObject({ kind: 'pytest', package: './tests/e2e', marker: 'kind' });
  expect(sdk.reason).toBeUndefined();
  expect(suiteNotApplicable(sdk, kind)).toBeUndefined();
  const e2e = 'tests/e2e/';
  expect(testNotApplicable(sdk, `${e2e}local_interactive_sdk_kind_test.py::TestRayLocalInteractiveKind::test_local_interactives_nvidia_gpu`, kind)).toMatch(/GPUs/);
  expect(testNotApplicable(sdk, `${e2e}local_interactive_sdk_kind_test.py::TestRayLocalInteractiveKind::test_local_interactives`, kind)).toMatch(/digest/);
  expect(testNotApplicable(sdk, `${e2e}mnist_raycluster_sdk_kind_test.py::TestRayClusterSDKKind::test_mnist_ray_cluster_sdk_kind`, kind)).toMatch(/internet/);
  expect(testNotApplicable(sdk, `${e2e}cluster_apply_kind_test.py::TestRayClusterApply::test_cluster_apply`, kind)).toMatch(/RAY_VERSION/);
  expect(testNotApplicable(sdk, `${e2e}heterogeneous_clusters_kind_test.py::TestHeterogeneousClustersKind::test_heterogeneous_clusters`, kind)).toMatch(/GPU node/);
  expect(testNotApplicable(sdk, `${e2e}autoscaling_raycluster_sdk_kind_test.py::TestRayClusterAutoscalingSDKKind::test_autoscaling_scale_up_and_down_kind`, kind)).toBeUndefined();
  expect(suiteNotApplicable(sdk, local)).toMatch(/real-pods/);
});

test('suites: "*" picks ours, upstream:<component> and upstream:* the components\' own; Playwright\'s grep tells them apart', () => {
  expect(pickSuites(['*'])).not.toContain('upstream:codeflare-operator');
  expect(pickSuites(['upstream:*'])).toEqual(expect.arrayContaining(['upstream:codeflare-operator', 'upstream:kuberay', 'upstream:appwrapper']));
  expect(pickSuites(['upstream:*']).every((n) => n.startsWith('upstream:'))).toBe(true);
  const grep = suiteGrep(['kuberay', 'upstream:codeflare-operator'])!;
  expect(grep.test('@upstream:codeflare-operator')).toBe(true);
  expect(grep.test('@kuberay')).toBe(true);
  expect(grep.test('@upstream:kuberay')).toBe(false);
  expect(() => pickSuites(['upstream:nothing'])).toThrow(/matches no suite/);
});

// ── the e2e package this test makes ─────────────────────────────────────────────────────────────

const MODULE = 'github.com/project-codeflare/codeflare-operator';
const e2e = `package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Reads the cluster the harness hands it, with the kubectl it hands it.
func TestReachesCluster(t *testing.T) {
	kc := os.Getenv("KUBECONFIG")
	if _, err := os.ReadFile(kc); err != nil {
		t.Fatalf("KUBECONFIG %q: %v", kc, err)
	}
	out, err := exec.Command(os.Getenv("E2E_KUBECTL"), "--kubeconfig", kc, "get", "--raw", "/version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "gitVersion") {
		t.Fatalf("kubectl get --raw /version: %v: %s", err, out)
	}
	t.Logf("server: %s", strings.TrimSpace(string(out)))
	if _, err := os.Stat("testdata/fixture.txt"); err != nil {
		t.Fatalf("the package's own files are beside it: %v", err)
	}
}

// Finds what the catalog's setup made before the suite, as upstream's CI scripts made objects the tests assume.
func TestSetupMade(t *testing.T) {
	out, err := exec.Command(os.Getenv("E2E_KUBECTL"), "--kubeconfig", os.Getenv("KUBECONFIG"), "get", "configmap", "e2e-setup", "-n", "default", "-o", "jsonpath={.data.made}").CombinedOutput()
	if err != nil || string(out) != "before the suite" {
		t.Fatalf("configmap e2e-setup: %v: %s", err, out)
	}
}

// Asks for far more CPU than any node has and fails once the scheduler says so, with its words.
func TestNoRoom(t *testing.T) {
	kc, kubectl := os.Getenv("KUBECONFIG"), os.Getenv("E2E_KUBECTL")
	k := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(kubectl, append([]string{"--kubeconfig", kc}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	ns := fmt.Sprintf("test-no-room-%d", time.Now().UnixNano())
	if out, err := k("", "create", "namespace", ns); err != nil {
		t.Fatalf("create namespace: %v: %s", err, out)
	}
	// as upstream suites do: the namespace, and its events with it, are gone when the test ends
	defer k("", "delete", "namespace", ns, "--wait=false")
	pod := \`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"c","image":"busybox:1.36","resources":{"requests":{"cpu":"1000"}}}]}}\`
	for i := 0; ; i++ {
		out, err := k(pod, "create", "-n", ns, "-f", "-")
		if err == nil {
			break
		}
		if i == 60 {
			t.Fatalf("create pod: %v: %s", err, out)
		}
		time.Sleep(500 * time.Millisecond) // the namespace's default service account comes a moment later
	}
	for i := 0; i < 120; i++ {
		out, _ := k("", "get", "events", "-n", ns, "--field-selector", "reason=FailedScheduling", "-o", "jsonpath={.items[0].message}")
		if strings.Contains(out, "Insufficient cpu") {
			t.Fatalf("the scheduler says: %s", out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatal("no FailedScheduling event in 60 s")
}

func TestFails(t *testing.T) {
	t.Errorf("wanted %d replicas, got %d", 1, 2)
}

func TestSkipsItself(t *testing.T) {
	t.Skip("needs a GPU node")
}

func TestSubtests(t *testing.T) {
	t.Run("first", func(t *testing.T) {})
	t.Run("second", func(t *testing.T) { t.Log("second ran") })
	t.Run("third skips", func(t *testing.T) { t.Skip("not this one") })
}

// The catalog-style entry marks it as needing an image by a hard-coded name: it must never run here.
func TestNeedsImage(t *testing.T) {
	t.Fatal("ran although quay.io/example/tool:1.0 is not here")
}

func TestGpuOnly(t *testing.T) {
	t.Fatal("ran although the catalog says it needs GPUs")
}

// Reaches an Ingress by its host (the catalog entry says so): a cell without an ingress controller never runs it.
func TestNeedsIngress(t *testing.T) {
	t.Fatal("ran although this cell has no ingress controller")
}
`;

const GINKGO_MODULE = 'github.com/project-codeflare/appwrapper';
const ginkgoSuite = `package e2e

import (
	"os"
	"os/exec"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "AppWrapper E2E")
}

var _ = Describe("AppWrapper", Label("Kueue"), func() {
	It("reaches the cluster", func() {
		By("reading the kubeconfig")
		_, err := os.ReadFile(os.Getenv("KUBECONFIG"))
		Expect(err).NotTo(HaveOccurred())
		By("asking the apiserver")
		out, err := exec.Command(os.Getenv("E2E_KUBECTL"), "--kubeconfig", os.Getenv("KUBECONFIG"), "get", "--raw", "/version").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		GinkgoWriter.Printf("server: %s\\n", out)
	})
	It("fails", func() { Expect(2).To(Equal(1), "wanted one replica") })
	It("skips itself", func() { Skip("needs a GPU node") })
	It("needs an image", func() { Fail("ran although its image is not here") })
	It("is filtered out by label", Label("Metrics"), func() { Fail("ran although the label filter leaves it out") })
})
`;

const ginkgoEntry = UpstreamSuite.parse({
  component: 'appwrapper',
  range: '>=0.0.0',
  kind: 'ginkgo',
  package: './test/e2e',
  labels: 'Kueue && !Metrics',
  timeout: '5m',
  env: { KUBECONFIG: '{kubeconfig}', E2E_KUBECTL: '{kubectl}' },
  tests: [{ match: 'needs an image$', needs: { images: ['quay.io/example/tool:1.0'] } }],
  // as AppWrapper's hack/e2e-util.sh add_virtual_GPUs: advertised on every node before it runs
  nodeCapacity: { 'example.com/virtual-gpu': '8' },
});

const suite = UpstreamSuite.parse({
  component: 'codeflare-operator',
  range: '>=0.0.0',
  kind: 'go-test',
  package: './test/e2e',
  timeout: '5m',
  env: { KUBECONFIG: '{kubeconfig}', E2E_KUBECTL: '{kubectl}', E2E_OUTPUT: '{output}' },
  tests: [
    { match: '^TestNeedsImage$', needs: { images: ['quay.io/example/tool:1.0'] } },
    { match: '^TestNeedsIngress$', needs: { capabilities: ['ingress'] } },
    { match: 'Gpu', reason: 'needs GPUs' },
    { match: '^TestSetupMade$', setup: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'e2e-setup', namespace: 'default' }, data: { made: 'before the suite' } }] },
  ],
});

test.describe('an upstream go-test suite against a cluster of its own', () => {
  test.describe.configure({ mode: 'serial', timeout: 15 * 60_000 });
  const provider = new LocalProvider();
  const name = `t-upstream-${process.pid}`;
  let root: string;
  let realHome: string | undefined;
  /** The cluster of the first test, for the second (its state lives in the real home). */
  let shared: { kubeconfig: string; kubectl: string } | undefined;

  test.afterAll(async () => {
    if (realHome === undefined) delete process.env.CODEFLARE_MATRIX_HOME;
    else process.env.CODEFLARE_MATRIX_HOME = realHome;
    await provider.destroy(name);
    if (root) {
      await execa('chmod', ['-R', 'u+w', root]);
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('every test is one result, as `go test -json` says it; the catalog\'s not-applicable ones never run, under their own names with the reason', async () => {
    const k = testKubernetesVersions()[0]!;
    const cluster = await provider.create({ name, kubernetes: k });
    const kubectl = toolchainEntry('kubernetes', k).bin.kubectl!;
    shared = { kubeconfig: cluster.kubeconfig, kubectl };
    // The component's tree as a cell gets it: a tag of its git repository, materialised from git.
    root = mkdtempSync(join(tmpdir(), 'cfm-upstream-'));
    realHome = process.env.CODEFLARE_MATRIX_HOME;
    process.env.CODEFLARE_MATRIX_HOME = join(root, 'home');
    const repo = join(root, 'operator');
    mkdirSync(join(repo, 'test', 'e2e', 'testdata'), { recursive: true });
    writeFileSync(join(repo, 'go.mod'), `module ${MODULE}\n\ngo 1.22\n`);
    writeFileSync(join(repo, 'main.go'), 'package main\n\nfunc main() {}\n');
    writeFileSync(join(repo, 'test', 'e2e', 'e2e_test.go'), e2e);
    writeFileSync(join(repo, 'test', 'e2e', 'testdata', 'fixture.txt'), 'beside the test\n');
    const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
    await execa('git', ['init', '-q', '-b', 'main', repo]);
    await execa('git', ['-C', repo, 'add', '.'], { env });
    await execa('git', ['-C', repo, 'commit', '-q', '-m', 'e2e'], { env });
    await execa('git', ['-C', repo, 'tag', 'v0.0.1'], { env });
    const commit = (await execa('git', ['-C', repo, 'rev-parse', 'HEAD'])).stdout.trim();
    const file = join(root, 'sources.yaml');
    const text = `sources:\n  codeflare-operator: { git: ${repo}, prefer: git }\n`;
    const sources = parseSources(text, file);
    const source = await resolveSource('codeflare-operator', 'v0.0.1', sources);

    const out = join(root, 'out');
    const logged: string[] = [];
    let ingressAsked = false;
    const ctx: SuiteContext = {
      capabilities: ['fake-nodes'],
      images: [],
      vars: { kubeconfig: cluster.kubeconfig, kubectl, output: out },
      sources,
      kubeconfig: cluster.kubeconfig,
      log: (l) => logged.push(l),
      // started only for a test that runs and needs it: none here
      ingress: () => {
        ingressAsked = true;
        throw new Error('no ingress controller on the local provider');
      },
    };
    const t0 = Date.now();
    const r = await runUpstream(source, suite, ctx, out);
    const first = Date.now() - t0;
    const by = Object.fromEntries(r.tests.map((t) => [t.name, t]));
    // what go test itself lists and says, in the same tree with the same environment
    const pkgDir = join(source.dir, 'test', 'e2e');
    const goEnvAll = { ...goEnv(), KUBECONFIG: cluster.kubeconfig, E2E_KUBECTL: kubectl };
    const listed = (await execa('go', ['test', '-list', '.', '.'], { cwd: pkgDir, env: goEnvAll })).stdout.split('\n').filter((l) => l.startsWith('Test'));
    expect(r.tests.map((t) => t.name).sort()).toEqual(listed.sort());
    const ran = ['TestReachesCluster', 'TestFails', 'TestSkipsItself', 'TestSubtests'];
    const json = await execa('go', ['test', '-json', '-count=1', '-run', `^(${ran.join('|')})$`, '.'], { cwd: pkgDir, env: goEnvAll, reject: false });
    const said: Record<string, string> = {};
    for (const l of json.stdout.split('\n').filter(Boolean)) {
      const e = JSON.parse(l) as { Action: string; Test?: string };
      if (e.Test && ['pass', 'fail', 'skip'].includes(e.Action)) said[e.Test] = e.Action;
    }
    const status = { pass: 'passed', fail: 'failed', skip: 'not-applicable' } as Record<string, string>;
    for (const t of ran) expect(by[t]!.status, t).toBe(status[said[t]!]);
    for (const s of by.TestSubtests!.steps) expect(s.status, s.title).toBe(status[said[`TestSubtests/${s.title.replace(/ /g, '_')}`]!]);
    // and what each result says beyond its status
    expect(by.TestReachesCluster!.output).toMatch(/server: \{[\s\S]*"gitVersion": "v1\.\d+/);
    expect(by.TestFails).toMatchObject({ status: 'failed', reason: 'wanted 1 replicas, got 2' });
    // the cluster's own words: the scheduler's event, caught live (its namespace is gone by now), and the nodes' allocated resources
    expect(by.TestFails!.cause).toBeUndefined();
    const scheduler = by.TestNoRoom!.reason!.replace(/^the scheduler says: /, '');
    expect(scheduler).toMatch(/^0\/2 nodes are available: 2 Insufficient cpu/);
    expect(by.TestNoRoom).toMatchObject({ status: 'failed', cause: { by: 'environment', what: 'capacity', scope: 'test' } });
    expect(by.TestNoRoom!.cause!.evidence).toEqual([expect.stringMatching(/^test-no-room-\d+\/big: /), expect.stringMatching(/^node \S+: cpu \d+m of 16 requested \(\d+%\), memory \d+Mi of 64Gi requested \(\d+%\)/)]);
    expect(by.TestNoRoom!.cause!.evidence[1]!.split('; ').sort()).toEqual([expect.stringMatching(/^node gpu-1: .*, nvidia\.com\/gpu 0 of 4 requested \(0%\)$/), expect.stringMatching(/^node node-1: cpu \d+m of 16 requested \(\d+%\), memory \d+Mi of 64Gi requested \(\d+%\)$/)]);
    expect(by.TestNoRoom!.cause!.evidence[0]!.replace(/^[^:]+: /, '')).toBe(scheduler);
    expect(by.TestNoRoom!.startedAt! < by.TestNoRoom!.finishedAt!).toBe(true);
    expect(by.TestSkipsItself).toMatchObject({ status: 'not-applicable', reason: 'needs a GPU node' });
    expect(by.TestSubtests!.steps.map((s) => [s.title, s.status])).toEqual([['first', 'passed'], ['second', 'passed'], ['third_skips', 'not-applicable']]);
    expect(by.TestSubtests!.output).toContain('second ran');
    expect(by.TestNeedsImage).toMatchObject({ status: 'not-applicable', output: '' });
    expect(by.TestNeedsImage!.reason).toMatch(/quay\.io\/example\/tool:1\.0 by that exact name/);
    expect(by.TestGpuOnly).toMatchObject({ status: 'not-applicable', reason: 'needs GPUs' });
    expect(by.TestNeedsIngress).toMatchObject({ status: 'not-applicable', reason: 'needs a provider with ingress', output: '' });
    expect(ingressAsked).toBe(false);
    expect(r.code.ingress).toBeUndefined();
    // the catalog's setup objects: there while the test that needs them ran, gone after, in the provenance
    expect(by.TestSetupMade).toMatchObject({ status: 'passed' });
    expect(r.code.setup).toEqual(['ConfigMap/e2e-setup']);
    expect(logged).toContain("made before the suite, as upstream's CI did: ConfigMap/e2e-setup");
    expect((await execa(kubectl, ['--kubeconfig', cluster.kubeconfig, 'get', 'configmap', 'e2e-setup', '-n', 'default'], { reject: false })).stderr).toMatch(/not found/);
    // provenance: the test code is the component's tree at the tag's commit, from git
    expect(r.code).toMatchObject({ component: 'codeflare-operator', module: MODULE, version: 'v0.0.1', commit, origin: 'git', repository: repo, package: './test/e2e' });
    expect(r.code.goVersion).toMatch(/^go1\./);
    expect(readFileSync(r.log!, 'utf8')).toContain('"Action":"pass","Package":"./test/e2e","Test":"TestReachesCluster"');
    // progress as it ran: how many apply, then each test as it ended, counted
    const notRun = ['TestNeedsImage', 'TestGpuOnly', 'TestNeedsIngress']; // the catalog's: by image name, GPUs, an ingress controller
    const runnable = r.tests.length - notRun.length;
    expect(logged).toContain(`running ${runnable} of ${r.tests.length} test(s) (3 not applicable here), for up to 5m`);
    const ended = logged.filter((l) => / \(\d+ of \d+\)$/.test(l));
    expect(ended.map((l) => l.split(' ')[0]).sort()).toEqual(r.tests.map((t) => t.name).filter((n) => !notRun.includes(n)).sort());
    expect(ended.at(-1)).toMatch(new RegExp(` \\(${runnable} of ${runnable}\\)$`));
    expect(ended).toContain(`TestFails failed (${ended.findIndex((l) => l.startsWith('TestFails ')) + 1} of ${runnable})`);

    // A second run takes the binary from the cache (tree + package + Go version).
    const t1 = Date.now();
    const again = await runUpstream(source, suite, ctx, join(root, 'out2'));
    expect(again.code.binarySha256).toBe(r.code.binarySha256);
    console.log(`upstream suite: ${r.tests.length} tests (${r.tests.filter((t) => t.status === 'passed').length} passed, ${r.tests.filter((t) => t.status === 'failed').length} failed, ${r.tests.filter((t) => t.status === 'not-applicable').length} not applicable); first run ${first} ms (compile included), cached ${Date.now() - t1} ms`);
  });

  test('a ginkgo suite: one result per spec under its full text, as Ginkgo\'s own JUnit report says; the label filter\'s and the catalog\'s exclusions by name with the reason', async () => {
    test.skip(!shared, 'needs the cluster of the test before');
    const { kubeconfig, kubectl } = shared!;
    const repo = join(root, 'appwrapper');
    mkdirSync(join(repo, 'test', 'e2e'), { recursive: true });
    // Ginkgo and Gomega from the Go module proxy, as any suite's dependencies come.
    writeFileSync(join(repo, 'go.mod'), `module ${GINKGO_MODULE}\n\ngo 1.25.0\n\nrequire (\n\tgithub.com/onsi/ginkgo/v2 v2.34.0\n\tgithub.com/onsi/gomega v1.44.0\n)\n`);
    writeFileSync(join(repo, 'main.go'), 'package main\n\nfunc main() {}\n');
    writeFileSync(join(repo, 'test', 'e2e', 'e2e_test.go'), ginkgoSuite);
    // go.sum as `go mod tidy` makes it, committed as a repository has it
    await execa('go', ['mod', 'tidy'], { cwd: repo, env: goEnv() });
    const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
    await execa('git', ['init', '-q', '-b', 'main', repo]);
    await execa('git', ['-C', repo, 'add', '.'], { env });
    await execa('git', ['-C', repo, 'commit', '-q', '-m', 'e2e'], { env });
    await execa('git', ['-C', repo, 'tag', 'v0.0.1'], { env });
    const sources = parseSources(`sources:\n  appwrapper: { git: ${repo}, prefer: git }\n`, join(root, 'sources-aw.yaml'));
    const source = await resolveSource('appwrapper', 'v0.0.1', sources);
    const out = join(root, 'out-ginkgo');
    const t0 = Date.now();
    const logged: string[] = [];
    const r = await runUpstream(source, ginkgoEntry, { capabilities: ['fake-nodes'], images: [], vars: { kubeconfig, kubectl }, sources, kubeconfig, log: (l) => logged.push(l) }, out);
    // progress as it ran, from Ginkgo's marks: of the three specs that apply, two ran (one failed); one skipped itself
    expect(logged.filter((l) => / specs run/.test(l)), logged.join('\n')).toEqual(['1 of 3 specs run', '2 of 3 specs run (1 failed)']);
    // the suite's own setup: every node advertises the resource, recorded with the test code
    for (const n of (await clients(kubeconfig).core.listNode()).items) expect(n.status?.allocatable?.['example.com/virtual-gpu'], n.metadata?.name).toBe('8');
    const by = Object.fromEntries(r.tests.map((t) => [t.name, t]));
    expect(Object.keys(by)).toEqual(['AppWrapper reaches the cluster', 'AppWrapper fails', 'AppWrapper skips itself', 'AppWrapper needs an image', 'AppWrapper is filtered out by label']);
    // What Ginkgo itself reports of the same specs, run by `go test` with its own JUnit reporter.
    const junit = join(root, 'ginkgo-junit.xml');
    await execa('go', ['test', '-count=1', './test/e2e', '-args', '-ginkgo.label-filter=Kueue && !Metrics', '-ginkgo.skip=needs an image', `-ginkgo.junit-report=${junit}`], { cwd: join(source.dir), env: { ...goEnv(), GOFLAGS: '-mod=readonly', KUBECONFIG: kubeconfig, E2E_KUBECTL: kubectl }, reject: false });
    const said = Object.fromEntries([...readFileSync(junit, 'utf8').matchAll(/<testcase name="\[It\] ([^"]+?)(?: \[[^\]]*\])?" classname="[^"]*" status="(\w+)"/g)].map((m) => [m[1]!.replace(/&#39;/g, "'"), m[2]!]));
    const status = { passed: 'passed', failed: 'failed', skipped: 'not-applicable' } as Record<string, string>;
    for (const n of ['AppWrapper reaches the cluster', 'AppWrapper fails', 'AppWrapper skips itself']) expect(by[n]!.status, n).toBe(status[said[n]!]);
    expect(by['AppWrapper reaches the cluster']!.steps.map((s) => s.title)).toEqual(['reading the kubeconfig', 'asking the apiserver']);
    expect(by['AppWrapper reaches the cluster']!.output).toMatch(/server: \{[\s\S]*"gitVersion": "v1\.\d+/);
    expect(by['AppWrapper fails']).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^wanted one replica Expected <int>: 2 to equal <int>: 1/) });
    // Ginkgo's own start and end of the spec: its time window
    expect(Date.parse(by['AppWrapper fails']!.startedAt!)).toBeLessThanOrEqual(Date.parse(by['AppWrapper fails']!.finishedAt!));
    expect(Date.parse(by['AppWrapper fails']!.startedAt!)).toBeGreaterThanOrEqual(t0 - 1000);
    expect(by['AppWrapper skips itself']).toMatchObject({ status: 'not-applicable', reason: 'needs a GPU node' });
    expect(by['AppWrapper needs an image']!.reason).toMatch(/quay\.io\/example\/tool:1\.0 by that exact name/);
    expect(by['AppWrapper is filtered out by label']).toMatchObject({ status: 'not-applicable', reason: "not selected by the catalog's label filter Kueue && !Metrics" });
    expect(r.code).toMatchObject({ component: 'appwrapper', kind: 'ginkgo', module: GINKGO_MODULE, version: 'v0.0.1', origin: 'git', nodeCapacity: { 'example.com/virtual-gpu': '8' } });
    console.log(`ginkgo suite: ${r.tests.length} specs; ${Date.now() - t0} ms (compile included)`);
  });
});
