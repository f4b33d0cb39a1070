// The CLI as a user meets it: bad input gets one clear line and exit 2, never a stack trace.
import { test, expect } from '@playwright/test';
import { mkdirSync, mkdtempSync, writeFileSync, existsSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../lib/exec.js';
import { repoRoot } from '../lib/paths.js';

// made per worker in beforeAll (the runner also loads this file to list the tests), removed after
let dir: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfm-cli-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) => run('node', [join(repoRoot, 'bin/codeflare-matrix.js'), ...args], { cwd: repoRoot, env: { CODEFLARE_MATRIX_DEBUG: '' } });
const config = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

function expectUserError(r: Awaited<ReturnType<typeof cli>>, ...patterns: RegExp[]) {
  expect(r.exitCode, r.all).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  for (const p of patterns) expect(r.stderr).toMatch(p);
}

test.describe('bad input', () => {
  test('unknown component', async () => {
    const p = config('unknown-component.yaml', 'kubernetes: ["1.27"]\ncomponents:\n  mcad2: v1.0.0\n');
    expectUserError(await cli('plan', '-c', p), /unknown-component\.yaml:3:\d+/, /mcad2/, /fix:/);
  });

  test('unknown version', async () => {
    const p = config('unknown-version.yaml', 'kubernetes: ["1.27"]\ncomponents:\n  codeflare-operator: v9.9.9\n');
    expectUserError(await cli('plan', '-c', p), /components\.codeflare-operator/, /unknown codeflare-operator version v9\.9\.9/, /fix:/);
  });

  test('checkouts and refs checked at plan time, with the place in the config', async () => {
    const ref = config('bad-ref.yaml', 'kubernetes: ["1.31"]\ncomponents:\n  kuberay:\n    - ref: "v1.0.0; touch x"\n  kueue: [v0.11.6]\n  codeflare-sdk: [v0.38.2]\n');
    expectUserError(await cli('plan', '-c', ref), /bad-ref\.yaml:4:7: components\.kuberay\[0\]: kuberay \{ref: v1\.0\.0; touch x\}: not a valid git ref name/, /check-ref-format/);
    const missing = config('bad-path.yaml', `kubernetes: ["1.31"]\ncomponents:\n  kuberay: [{path: ${join(dir, 'nowhere')}}]\n  kueue: [v0.11.6]\n  codeflare-sdk: [v0.38.2]\n`);
    expectUserError(await cli('plan', '-c', missing), /bad-path\.yaml:3:13: components\.kuberay\[0\]: .*nowhere does not exist/);
    const other = config('bad-module.yaml', `kubernetes: ["1.31"]\nstrategy: chain\nchain: {component: kueue, ref: {path: ${dir}}}\ncomponents:\n  kuberay: [v1.3.2]\n  codeflare-sdk: [v0.38.2]\n`);
    writeFileSync(join(dir, 'go.mod'), 'module example.com/not-kueue\n');
    expectUserError(await cli('plan', '-c', other), /bad-module\.yaml:3:\d+: chain\.ref: kueue .*go\.mod is module example\.com\/not-kueue, not sigs\.k8s\.io\/kueue/);
    expect(existsSync(join(repoRoot, 'x'))).toBe(false);
  });

  test('--chain COMPONENT=PATH: the checkout under test from the command line, checked like the config\'s', async () => {
    expectUserError(await cli('plan', '--chain', 'kubray=.'), /--chain: --chain kubray=\. is not COMPONENT=PATH/);
    const checkout = join(dir, 'kr');
    mkdirSync(checkout);
    writeFileSync(join(checkout, 'go.mod'), 'module github.com/ray-project/kuberay/ray-operator\n');
    const pr = join(repoRoot, 'matrix-pr.yaml');
    expectUserError(await cli('plan', '-c', pr, '--chain', `kueue=${checkout}`), /--chain: kueue \{path: .*\}: .*go\.mod is module github\.com\/ray-project\/kuberay\/ray-operator, not sigs\.k8s\.io\/kueue/);
    const ok = await cli('plan', '-c', pr, '--chain', `kuberay=${checkout}`, '--json');
    expect(ok.exitCode, ok.all).toBe(0);
    const cell = (JSON.parse(ok.stdout) as { strategy: string; run: { suites: string[] }; cells: { era: string; origin: Record<string, string>; versions: Record<string, string> }[] });
    expect(cell.strategy).toBe('chain');
    // KubeRay's own e2e (upstream:under-test) and the operator's, beside ours
    expect(cell.run.suites).toEqual(expect.arrayContaining(['kuberay', 'upstream:kuberay', 'upstream:codeflare-operator']));
    // what the KubeRay example says: an operator cell (the operator's dev) with KubeRay from the PR
    expect(cell.cells).toHaveLength(1);
    expect(cell.cells[0]!.origin.kuberay).toBe('under-test');
    expect(cell.cells[0]!.versions).toMatchObject({ 'codeflare-operator': 'dev', kuberay: `path:${checkout}` });
    expect(cell.cells[0]!.era).toBe('D');
  });

  test('an empty config and a mistyped command: one line each, the latter with its suggestion', async () => {
    expectUserError(await cli('plan', '-c', config('empty.yaml', '')), /empty\.yaml: the config is empty/);
    expectUserError(await cli('plna'), /unknown command 'plna' \(Did you mean plan\?\)/);
  });

  test('an unquoted version that YAML reads as a number', async () => {
    const p = config('unquoted.yaml', 'kubernetes: [1.30]\n');
    expectUserError(await cli('plan', '-c', p), /unquoted\.yaml:1:14/, /1\.30 is read by YAML as the number 1\.3/, /quote it: "1\.30"/);
  });

  test('an empty axis', async () => {
    const p = config('empty.yaml', 'kubernetes: []\n');
    expectUserError(await cli('plan', '-c', p), /empty\.yaml:1:13/, /at least one version/);
  });

  test('constraints that leave no valid cell', async () => {
    const p = config('none.yaml', 'kubernetes: ["1.27"]\ncomponents:\n  codeflare-operator: v1.2.0\n  mcad: v1.35.0\n');
    expectUserError(await cli('plan', '-c', p), /no valid cell/, /compiled into the operator|go\.mod/, /fix:/);
  });

  test('a chain without a component under test', async () => {
    const p = config('chain.yaml', 'strategy: chain\nkubernetes: ["1.27"]\ncomponents: {codeflare-operator: v1.2.0}\n');
    expectUserError(await cli('plan', '-c', p), /chain/, /component under test/, /fix:/);
  });

  test('a malformed file', async () => {
    const p = config('malformed.yaml', 'kubernetes: ["1.27"\ncomponents: {\n');
    expectUserError(await cli('plan', '-c', p), /malformed\.yaml:\d+:\d+/, /malformed YAML/);
  });

  test('limits: a config over 1 MiB, a results file over 64 MiB, a repeated axis value, a plan over maxCells', async () => {
    const huge = config('huge.yaml', 'kubernetes:\n');
    truncateSync(huge, 2 ** 20 + 1); // past the limit: refused by its size, before it is read
    expectUserError(await cli('plan', '-c', huge), /huge\.yaml: 1\.0 MiB is over the 1 MiB a config file may be/);
    const results = join(dir, 'huge.json');
    writeFileSync(results, '');
    truncateSync(results, 64 * 2 ** 20 + 1);
    expectUserError(await cli('report', results), /huge\.json: 64\.0 MiB is over the 64 MiB a results file may be/);
    const twice = config('twice.yaml', 'kubernetes: ["1.27"]\ncomponents:\n  kuberay: [v1.1.0, v1.2.2, v1.1.0]\n');
    expectUserError(await cli('plan', '-c', twice), /twice\.yaml:3:29: components\.kuberay: "v1\.1\.0" is listed twice \(also components\.kuberay\[0\]\)/);
    const wide = config('wide.yaml', 'kubernetes: ["1.27", "1.31"]\nmaxCells: 10\ncomponents:\n  kuberay: {newest: 4}\n  kueue: {newest: 4}\n  codeflare-sdk: {newest: 4}\n');
    expectUserError(await cli('plan', '-c', wide), /wide\.yaml:2:11: the plan has \d+ cells, over the 10 allowed/);
    expectUserError(await cli('plan', '-c', wide, '--max-cells', '3'), /--max-cells: the plan has \d+ cells, over the 3 allowed/);
    expect((await cli('plan', '-c', wide, '--max-cells', '500')).exitCode).toBe(0);
  });

  test('a missing file, an unknown option, an unknown command', async () => {
    expectUserError(await cli('plan', '-c', join(dir, 'nope.yaml')), /cannot read/);
    expectUserError(await cli('plan', '--bogus'), /unknown option/);
    expectUserError(await cli('plna'), /unknown command/);
    expectUserError(await cli('plan', '--strategy', 'random'), /random/);
    expectUserError(await cli('catalog', 'mcad2'), /unknown component/);
  });
});

test.describe('commands', () => {
  test('plan prints the default matrix and writes plan.json atomically', async () => {
    const out = join(dir, 'plan.json');
    const r = await cli('plan', '--out', out);
    expect(r.exitCode, r.all).toBe(0);
    // the default matrix: one operator row per era A–D, and era E cells (two upgrades: KubeRay; AppWrapper)
    expect(r.stdout).toMatch(/strategy full, provider local, 8 cell/);
    expect(r.stdout).toMatch(/v0\.2\.3/);
    const cells = JSON.parse(readFileSync(out, 'utf8')).cells as { era: string; upgradeFrom?: unknown }[];
    expect(cells.map((c) => c.era)).toEqual(['A', 'B', 'C', 'D', 'E', 'E', 'E', 'E']);
    expect(cells.filter((c) => c.upgradeFrom)).toHaveLength(2);
    expect(existsSync(`${out}.${process.pid}.tmp`)).toBe(false);
  });

  test('plan --github-matrix gives one job per buildable cell, named by its title; the rest are listed with why', async () => {
    const plan = JSON.parse((await cli('plan', '--json')).stdout) as { cells: { id: string; title: string; unavailable: string[]; versions: { kubernetes: string } }[] };
    const runnable = plan.cells.filter((c) => c.unavailable.length === 0);
    const summary = join(dir, 'summary.md');
    const r = await run('node', [join(repoRoot, 'bin/codeflare-matrix.js'), 'plan', '--github-matrix'], { cwd: repoRoot, env: { GITHUB_STEP_SUMMARY: summary } });
    const m = JSON.parse(r.stdout) as { include: { cell: string; title: string; kubernetes: string }[] };
    // each job names the one Kubernetes version it builds (its toolchain cache key)
    expect(m.include.map((i) => [i.cell, i.title, i.kubernetes])).toEqual(runnable.map((c) => [c.id, c.title, c.versions.kubernetes]));
    const left = plan.cells.filter((c) => c.unavailable.length > 0);
    expect(r.stderr.trim().split('\n').filter(Boolean)).toEqual(left.map((c) => `left out: ${c.id}: not buildable here: ${c.unavailable.join('; ')}`));
    if (left.length) expect(readFileSync(summary, 'utf8')).toContain(`### Cells left out of the job matrix (${left.length})`);
    const sharded = JSON.parse((await cli('plan', '--github-matrix', '--max-jobs', '1')).stdout) as { include: { shard: string; cells: string }[] };
    expect(sharded.include).toEqual([{ shard: '1/1', title: 'shard 1/1', cells: runnable.map((c) => c.id).join(','), kubernetes: [...new Set(runnable.map((c) => c.versions.kubernetes))].sort().join(',') }]);
  });

  test('catalog lists components, eras and constraints; --help works everywhere', async () => {
    const r = await cli('catalog');
    expect(r.exitCode).toBe(0);
    for (const id of ['codeflare-operator', 'mcad', 'instascale', 'kuberay', 'codeflare-sdk', 'appwrapper', 'kueue']) expect(r.stdout).toContain(id);
    expect(r.stdout).toMatch(/eras:/);
    expect((await cli('catalog', 'mcad')).stdout).toMatch(/release-/);
    for (const c of [[], ['plan'], ['catalog'], ['doctor'], ['toolchain']]) {
      const h = await cli(...c, '--help');
      expect(h.exitCode, c.join(' ')).toBe(0);
      expect(h.stdout).toMatch(/Usage:/);
    }
  });

  test('doctor reports each provider', async () => {
    const r = await cli('doctor');
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/provider local \(default\): ready/);
    const j = JSON.parse((await cli('doctor', '--json')).stdout) as { default: string; providers: Record<string, { ready: boolean }> };
    expect(j.default).toBe('local');
    expect(Object.keys(j.providers)).toEqual(['local', 'kind', 'existing']);
    expect(r.stdout).toMatch(/provider kind: (ready|not ready)/);
  });
});
