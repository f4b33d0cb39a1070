// The pytest kind on a repository this test makes: a Python component's tests/e2e folder (a passing,
// a failing, a skipped, a parametrized test, one that reaches the cluster through $KUBECONFIG, one
// the marker leaves out, one the catalog says needs GPUs), taken from git at a tag, run in a venv
// against a local cluster of the test's own, and checked test by test against the JUnit XML pytest
// itself writes for the same tests. pytest comes from PyPI at the version the tree pins.
import { test, expect } from '@playwright/test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { UpstreamSuite } from '../../matrix/catalog/index.js';
import { parseSources } from '../components/git.js';
import { LocalProvider } from '../providers/local/provider.js';
import { testKubernetesVersions, toolchainEntry } from '../toolchain/index.js';
import { runUpstream, type SuiteContext } from './index.js';
import { nodeIdOf, parseCollected, pythonTree } from './pytest.js';

const PYPROJECT = `[tool.poetry.group.test.dependencies]
pytest = "8.3.5"

[tool.pytest.ini_options]
markers = ["kind", "nvidia_gpu"]
`;

const E2E = `import os, subprocess
import pytest


@pytest.mark.kind
def test_passes():
    print("it ran")


@pytest.mark.kind
def test_fails():
    assert 1 + 1 == 3, "wanted 3 replicas"


@pytest.mark.kind
def test_skips_itself():
    pytest.skip("needs a GPU node")


@pytest.mark.kind
@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n in (1, 2)


@pytest.mark.kind
class TestCluster:
    def test_reaches_cluster(self):
        out = subprocess.run(["kubectl", "get", "--raw", "/version"], capture_output=True, text=True, check=True, env={**os.environ, "KUBECONFIG": os.environ["KUBECONFIG"]})
        print(out.stdout)
        assert '"gitVersion"' in out.stdout

    @pytest.mark.nvidia_gpu
    def test_gpu(self):
        raise SystemExit("never runs: the catalog says it needs GPUs")


def test_not_marked():
    raise SystemExit("never runs: the marker leaves it out")
`;

const suite = UpstreamSuite.parse({
  component: 'codeflare-sdk',
  range: '>=0.0.0',
  kind: 'pytest',
  package: './tests/e2e',
  marker: 'kind',
  timeout: '5m',
  env: { KUBECONFIG: '{kubeconfig}' },
  tests: [{ match: '_gpu$', reason: 'needs GPUs' }],
});

test('pytest --collect-only node ids, and a JUnit testcase\'s node id', () => {
  const out = 'tests/e2e/a_test.py::test_one\ntests/e2e/a_test.py::TestX::test_two[1-b]\n\nERROR tests/e2e/b_test.py - ModuleNotFoundError\n2 tests collected, 1 error in 0.1s\n';
  expect(parseCollected(out)).toEqual({ ids: ['tests/e2e/a_test.py::test_one', 'tests/e2e/a_test.py::TestX::test_two[1-b]'], errors: ['ERROR tests/e2e/b_test.py - ModuleNotFoundError'] });
  expect(nodeIdOf({ file: 'tests/e2e/a_test.py', classname: 'tests.e2e.a_test.TestX', name: 'test_two[1-b]' })).toBe('tests/e2e/a_test.py::TestX::test_two[1-b]');
  expect(nodeIdOf({ file: 'tests/e2e/a_test.py', classname: 'tests.e2e.a_test', name: 'test_one' })).toBe('tests/e2e/a_test.py::test_one');
});

test.describe('an upstream pytest suite against a cluster of its own', () => {
  test.describe.configure({ timeout: 15 * 60_000 });
  const provider = new LocalProvider();
  const name = `t-pytest-${process.pid}`;
  let root: string | undefined;
  let realHome: string | undefined;

  test.afterAll(async () => {
    if (realHome === undefined) delete process.env.CODEFLARE_MATRIX_HOME;
    else process.env.CODEFLARE_MATRIX_HOME = realHome;
    await provider.destroy(name);
    if (root) {
      await execa('chmod', ['-R', 'u+w', root]);
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('every test is one result, as pytest\'s JUnit XML says it; the marker\'s and the catalog\'s exclusions never run, under their node ids with the reason', async () => {
    const k = testKubernetesVersions()[0]!;
    const cluster = await provider.create({ name, kubernetes: k });
    const kubectl = toolchainEntry('kubernetes', k).bin.kubectl!;
    root = mkdtempSync(join(tmpdir(), 'cfm-pytest-'));
    realHome = process.env.CODEFLARE_MATRIX_HOME;
    process.env.CODEFLARE_MATRIX_HOME = join(root, 'home');
    // the component's repository, tagged; its tests come from git, as a cell takes them
    const repo = join(root, 'sdk');
    mkdirSync(join(repo, 'tests', 'e2e'), { recursive: true });
    writeFileSync(join(repo, 'pyproject.toml'), PYPROJECT);
    writeFileSync(join(repo, 'tests', 'e2e', 'e2e_test.py'), E2E);
    const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
    await execa('git', ['init', '-q', '-b', 'main', repo]);
    await execa('git', ['-C', repo, 'add', '.'], { env });
    await execa('git', ['-C', repo, 'commit', '-q', '-m', 'e2e'], { env });
    await execa('git', ['-C', repo, 'tag', 'v0.0.1'], { env });
    const commit = (await execa('git', ['-C', repo, 'rev-parse', 'HEAD'])).stdout.trim();
    const sources = parseSources(`sources:\n  codeflare-sdk: ${repo}\n`, join(root, 'sources.yaml'));
    const source = (await pythonTree('codeflare-sdk', 'v0.0.1', sources))!;
    expect(source).toMatchObject({ dir: expect.stringContaining(commit), commit, origin: 'git' });
    // the cell's virtualenv (here a plain one: a cell's holds the SDK from PyPI)
    const venv = join(root, 'venv');
    await execa('python3', ['-m', 'venv', venv]);
    const python = join(venv, 'bin', 'python');

    const out = join(root, 'out');
    const logged: string[] = [];
    const ctx: SuiteContext = { capabilities: ['fake-nodes'], images: [], vars: { kubeconfig: cluster.kubeconfig, kubectl, output: out }, python, log: (l) => logged.push(l) };
    const r = await runUpstream(source, suite, ctx, out);
    const by = Object.fromEntries(r.tests.map((t) => [t.name.replace('tests/e2e/e2e_test.py::', ''), t]));
    // progress as it ran: each test that ran, as pytest -v said it, counted
    const ended = logged.filter((l) => / \(\d+ of \d+\)$/.test(l));
    expect(ended.map((l) => l.split(' ')[0]).sort(), logged.join('\n')).toEqual(r.tests.filter((t) => !/_gpu$|not_marked/.test(t.name)).map((t) => t.name).sort());
    expect(ended).toContain(`tests/e2e/e2e_test.py::test_fails failed (${ended.findIndex((l) => l.includes('::test_fails ')) + 1} of ${ended.length})`);
    expect(Object.keys(by).sort()).toEqual(['TestCluster::test_gpu', 'TestCluster::test_reaches_cluster', 'test_fails', 'test_not_marked', 'test_param[1]', 'test_param[2]', 'test_passes', 'test_skips_itself']);

    // what pytest itself writes for the tests that ran, in the same tree and environment
    const ran = r.tests.filter((t) => !/_gpu$|not_marked/.test(t.name)).map((t) => t.name);
    const xml = join(root, 'own.xml');
    await execa(python, ['-m', 'pytest', '-p', 'no:cacheprovider', '-o', 'junit_family=xunit1', `--junitxml=${xml}`, ...ran], { cwd: source.dir, env: { KUBECONFIG: cluster.kubeconfig, PATH: `${join(kubectl, '..')}:${process.env.PATH}`, PYTHONDONTWRITEBYTECODE: '1' }, reject: false });
    const said = new Map<string, string>();
    for (const m of readFileSync(xml, 'utf8').matchAll(/<testcase classname="([^"]*)" name="([^"]*)" file="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const inner = m[5] ?? '';
      said.set(nodeIdOf({ classname: m[1]!, name: m[2]!, file: m[3]! }), /<(failure|error)\b/.test(inner) ? 'failed' : /<skipped\b/.test(inner) ? 'not-applicable' : 'passed');
    }
    expect([...said.keys()].sort()).toEqual([...ran].sort());
    for (const t of ran) expect(r.tests.find((x) => x.name === t)!.status, t).toBe(said.get(t));
    // and what each result says beyond its status
    expect(by.test_passes).toMatchObject({ status: 'passed' });
    expect(by.test_passes!.output).toContain('it ran');
    expect(by['TestCluster::test_reaches_cluster']).toMatchObject({ status: 'passed' });
    expect(by['TestCluster::test_reaches_cluster']!.output).toMatch(/"gitVersion": "v1\.\d+/);
    expect(by.test_fails!.status).toBe('failed');
    expect(by.test_fails!.reason).toMatch(/AssertionError: wanted 3 replicas/);
    expect(by.test_skips_itself).toMatchObject({ status: 'not-applicable', reason: 'needs a GPU node' });
    expect(by['TestCluster::test_gpu']).toMatchObject({ status: 'not-applicable', reason: 'needs GPUs', output: '' });
    expect(by.test_not_marked).toMatchObject({ status: 'not-applicable', reason: "not selected by the catalog's marker expression kind", output: '' });
    // provenance: the tree at the tag's commit, from git; the pytest the tree pins, in that venv
    expect(r.code).toMatchObject({ component: 'codeflare-sdk', kind: 'pytest', version: 'v0.0.1', commit, origin: 'git', repository: repo, package: './tests/e2e', tools: ['pytest==8.3.5'], pytest: '8.3.5' });
    expect(r.code.python).toMatch(/^3\.\d+\.\d+$/);
    expect(readFileSync(r.log!, 'utf8')).toMatch(/e2e_test.py::test_passes PASSED/);
    console.log(`upstream pytest suite: ${r.tests.length} tests (${r.tests.filter((t) => t.status === 'passed').length} passed, ${r.tests.filter((t) => t.status === 'failed').length} failed, ${r.tests.filter((t) => t.status === 'not-applicable').length} not applicable) in ${r.wallMs} ms (pytest installed included)`);
  });
});
