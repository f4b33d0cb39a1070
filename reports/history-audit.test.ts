// The audit of the published history, on a git repository the test makes (an operator-like history
// of five tags, with Go files): each row confirmed, contradicted (and by what) or unverified (and why).
import { test, expect } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from '../lib/exec.js';
import { goModVersions } from './history-audit.js';
import { goImports } from './uses.js';
import { cli, data, scratch } from './testing.js';

const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd });

const MOD = 'module github.com/project-codeflare/codeflare-operator\n\ngo 1.20\n';
const KR = 'github.com/ray-project/kuberay/ray-operator';
const MCAD = 'github.com/project-codeflare/multi-cluster-app-dispatcher';
const IS = 'github.com/project-codeflare/instascale';
const AW = 'github.com/project-codeflare/appwrapper';
const KQ = 'sigs.k8s.io/kueue';
const CR = 'sigs.k8s.io/controller-runtime';
/** A Go file of package `pkg` importing `imports`. */
const go = (pkg: string, ...imports: string[]) => `// a file\npackage ${pkg}\n\nimport (\n\t"fmt"\n${imports.map((i, n) => `\tp${n} "${i}"\n`).join('')})\n\nvar _ = fmt.Sprint\n`;
const row = (...entries: [string, string][]) => `# codeflare-operator\n\n<!-- Compatibility Matrix start -->\nCodeFlare Stack Compatibility Matrix\n\n| Component | Version |\n|---|---|\n${entries.map(([a, b]) => `| ${a} | ${b} |\n`).join('')}<!-- Compatibility Matrix end -->\n`;

async function history(): Promise<string> {
  const repo = scratch();
  await git(repo, 'init', '-q');
  const tag = async (t: string, files: Record<string, string>) => {
    await git(repo, 'rm', '-rq', '--ignore-unmatch', '.');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      writeFileSync(join(repo, path), text);
    }
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', t);
    await git(repo, 'tag', t);
  };
  // v0.0.4: the first matrix, under its heading, before the README had markers
  await tag('v0.0.4', { 'README.md': '# codeflare-operator\n\nCodeFlare Stack Compatibility Matrix\n\n| Component | Version |\n|---|---|\n| CodeFlare Operator | v0.0.4 |\n| Multi-Cluster App Dispatcher | v1.31.0 |\n| CodeFlare-SDK | v0.4.4 |\n| InstaScale | v0.0.4 |\n| KubeRay | v0.5.0 |\n\n## Build\n', 'go.mod': MOD });
  // v0.2.3: InstaScale written "v.0.0.8" (as v0.2.0's row wrote v.0.0.7); a KubeRay pseudo-version that only
  // tests use (an e2e test and a test support package no command imports): no claim of the operator's.
  await tag('v0.2.3', {
    'README.md': row(['CodeFlare Operator', 'v0.2.3'], ['Multi-Cluster App Dispatcher', 'v1.34.1'], ['CodeFlare-SDK', 'v0.7.1'], ['InstaScale', 'v.0.0.8'], ['KubeRay', 'v0.5.0']),
    'go.mod': `${MOD}\nrequire (\n\t${KR} v0.0.0-20230908233208-a8f730e5a2b6 // indirect\n)\n`,
    'main.go': go('main', 'github.com/project-codeflare/codeflare-operator/controllers'),
    'controllers/defaults.go': go('controllers'),
    'test/e2e/mcad_test.go': go('e2e', `${KR}/apis/ray/v1alpha1`),
    'test/support/ray.go': go('support', `${KR}/apis/ray/v1alpha1`),
  });
  // v1.2.0: the block report writes for it from the results (the round trip), its KubeRay linked to the fork
  const readme = join(repo, 'README.md');
  writeFileSync(readme, readFileSync(data('README.v1.0.0.md')));
  expect((await cli(['report', data('nightly.json'), '--release', 'v1.2.0', '--update-readme', readme])).exitCode).toBe(0);
  await tag('v1.2.0', {
    'README.md': readFileSync(readme, 'utf8').replace('https://github.com/ray-project/kuberay/releases/tag/v1.0.0', 'https://github.com/opendatahub-io/kuberay/releases/tag/v1.0.0'),
    'go.mod': `${MOD}\nrequire (\n\t${MCAD} v1.40.0\n\t${IS} v0.4.0\n\t${KR} v1.0.0\n)\n`,
    'main.go': go('main', `${MCAD}/pkg/controller/queuejob`, `${IS}/controllers`, `${KR}/apis/ray/v1`),
  });
  // v1.3.0 (era C): the row still names MCAD and InstaScale; go.mod keeps an MCAD line only tests need; KubeRay's API at v1.0.0
  await tag('v1.3.0', {
    'README.md': row(['CodeFlare Operator', 'v1.3.0'], ['Multi-Cluster App Dispatcher', 'v1.40.0'], ['CodeFlare-SDK', 'v0.15.0'], ['InstaScale', 'v0.4.0'], ['KubeRay', '[v1.1.0](https://github.com/opendatahub-io/kuberay/releases/tag/v1.1.0)']),
    'go.mod': `${MOD}\nrequire (\n\t${KR} v1.0.0\n\t${MCAD} v1.37.0 // indirect\n)\n`,
    'main.go': go('main', 'github.com/project-codeflare/codeflare-operator/pkg/controllers'),
    'pkg/controllers/raycluster_controller.go': go('controllers', `${KR}/apis/ray/v1`),
    'test/e2e/mcad_test.go': go('e2e', `${MCAD}/pkg/apis/controller/v1beta1`),
  });
  // v1.16.0 (era D): it runs AppWrapper v1.1.1 where the row says v1.1.2; Kueue only in a test; KubeRay's API replaced to v1.2.1,
  // controller-runtime to v0.19.3, and a mutating webhook for RayClusters (as codeflare-operator@v1.16.0's go.mod and config/webhook)
  await tag('v1.16.0', {
    'README.md': row(['CodeFlare Operator', 'v1.16.0'], ['CodeFlare-SDK', 'v0.29.0'], ['AppWrapper', 'v1.1.2'], ['KubeRay', 'v1.3.2'], ['Kueue', 'v0.11.6']),
    'go.mod': `${MOD}\nrequire (\n\t${AW} v1.1.1\n\t${KR} v1.3.2\n\t${KQ} v0.10.1\n\t${CR} v0.20.3\n)\n\nreplace ${KR} v1.3.2 => ${KR} v1.2.1\n\nreplace ${CR} v0.20.3 => ${CR} v0.19.3\n`,
    'main.go': go('main', `${AW}/pkg/controller`, `${KR}/apis/ray/v1`, CR),
    'config/webhook/manifests.yaml': 'apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata: { name: mutating-webhook-configuration }\nwebhooks:\n- name: mraycluster.ray.openshift.ai\n  rules: [{ apiGroups: [ray.io], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [rayclusters] }]\n',
    'tools.go': `//go:build tools\n\npackage main\n\nimport _ "${KQ}/cmd/importer"\n`,
    'test/e2e/kueue_test.go': go('e2e', `${KQ}/apis/kueue/v1beta1`),
  });
  return repo;
}

type Row = { release: string; verdict: string; reasons: string[]; notes: string[]; declared: Record<string, string>; carried: Record<string, { version: string; use: string }> };

test('every release tag: confirmed (with notes), contradicted by what it runs or deploys or by a failed run, unverified and why; JSON, HTML, exit 1', async () => {
  const repo = await history();
  const html = join(scratch(), 'audit.html');
  const r = await cli(['audit-history', data('nightly.json'), '--git', repo, '--json', '--html', html]);
  expect(r.exitCode, r.all).toBe(1);
  const rows = (JSON.parse(r.stdout) as { rows: Row[] }).rows;
  const row = (v: string) => rows.find((x) => x.release === v)!;
  expect(rows[0]!.release).toBe('v1.16.0'); // newest first
  // v1.2.0 ran and passed, and its binary runs the row's MCAD and InstaScale: confirmed; the fork link is a note.
  expect(row('v1.2.0')).toMatchObject({ verdict: 'confirmed', reasons: [], notes: ['KubeRay: the row links the fork opendatahub-io/kuberay v1.0.0; what ran is ray-project/kuberay v1.0.0'] });
  expect(row('v1.2.0').carried).toMatchObject({ mcad: { version: 'v1.40.0', use: 'runs' }, instascale: { version: 'v0.4.0', use: 'runs' }, kuberay: { version: 'v1.0.0', use: 'client' } });
  // v0.2.3: its failed run is its row's although the row writes InstaScale "v.0.0.8"; the test-only KubeRay line says nothing.
  expect(row('v0.2.3').verdict).toBe('contradicted');
  expect(row('v0.2.3').reasons).toEqual([expect.stringMatching(/^cell a-k1\.27-op0\.2\.3-6a8a7a3a failed — mcad: /)]);
  expect(row('v0.2.3').notes).toEqual(['InstaScale "v.0.0.8" is no tag: read as v0.0.8']);
  expect(row('v0.2.3').carried).toEqual({ mcad: expect.objectContaining({ version: 'v1.34.1', use: 'deploys' }), instascale: expect.objectContaining({ version: 'v0.0.8', use: 'deploys' }) });
  // v1.3.0: MCAD and InstaScale, which era C neither runs nor deploys; KubeRay's API at v1.0.0 is skew.
  expect(row('v1.3.0')).toMatchObject({ verdict: 'contradicted', reasons: [
    'declares Multi-Cluster App Dispatcher v1.40.0; the operator at v1.3.0 neither runs nor deploys it, and era C installs none',
    'declares InstaScale v0.4.0; the operator at v1.3.0 neither runs nor deploys it, and era C installs none',
  ] });
  expect(row('v1.3.0').notes).toEqual([
    "client skew: the operator at v1.3.0 compiles KubeRay's API at v1.0.0, the row declares v1.1.0 (the packages v1.3.0's main package imports (non-test))",
    'KubeRay: the row links the fork opendatahub-io/kuberay v1.1.0; it is checked as ray-project/kuberay v1.1.0',
  ]);
  // v1.16.0: what it runs differs; Kueue is only a test's (no line at all); KubeRay's API replaced: a note.
  expect(row('v1.16.0')).toMatchObject({ verdict: 'contradicted', reasons: ["declares AppWrapper v1.1.2; the operator at v1.16.0 runs v1.1.1 (the packages v1.16.0's main package imports (non-test))"] });
  // and its webhook removes the RayCluster fields KubeRay's API v1.2.1 lacks (the CRDs of both from the Go module proxy)
  expect(row('v1.16.0').notes).toEqual([
    expect.stringMatching(/^client skew: .*KubeRay's API at v1\.2\.1, the row declares v1\.3\.2/),
    "client skew that loses fields: the operator at v1.16.0's mutating webhook mraycluster.ray.openshift.ai re-encodes each RayCluster it admits with KubeRay's API at v1.2.1 (controller-runtime v0.19.3): it removes what KubeRay v1.3.2 added, spec.gcsFaultToleranceOptions, spec.managedBy, spec.workerGroupSpecs.[].idleTimeoutSeconds, spec.workerGroupSpecs.[].suspend",
  ]);
  expect(row('v1.16.0').carried.kueue).toBeUndefined();
  expect(row('v0.0.4')).toMatchObject({ verdict: 'unverified', declared: { mcad: 'v1.31.0', kuberay: 'v0.5.0' } });
  expect(row('v0.0.4').reasons[0]).toMatch(/not-applicable/);
  expect(row('v1.15.0')).toMatchObject({ verdict: 'unverified', reasons: [`no tag v1.15.0 in ${repo}`] });
  expect(readFileSync(html, 'utf8')).toMatch(/<tr class="confirmed"><td>v1\.2\.0<\/td>/);
  // The table says which rows are confirmed with notes, and the count.
  const t = await cli(['audit-history', data('nightly.json'), '--git', repo]);
  expect(t.stdout).toMatch(/v1\.2\.0 +B +confirmed, notes/);
  expect(t.stdout).toMatch(/0 confirmed, 1 confirmed with notes, 3 contradicted, \d+ unverified/);
  // without results nothing can be confirmed, but what the tags themselves contradict still is
  const bare = JSON.parse((await cli(['audit-history', '--git', repo, '--json'])).stdout) as { rows: Row[] };
  expect(bare.rows.find((x) => x.release === 'v1.2.0')).toMatchObject({ verdict: 'unverified', reasons: ['no results given'] });
  expect(bare.rows.find((x) => x.release === 'v0.2.3')).toMatchObject({ verdict: 'unverified', reasons: ['no results given'] });
  expect(bare.rows.find((x) => x.release === 'v1.3.0')!.verdict).toBe('contradicted');
});

test('the imports of a Go file: single, grouped, named, blank and dot imports; comments are not imports', () => {
  expect(goImports('package x\n// import "not/this"\nimport "a/b"\nimport c "c/d"\nimport (\n\t_ "e/f"\n\t. "g/h"\n\t/* "i/j" */\n\t"k/l"\n)\n')).toEqual(['a/b', 'c/d', 'e/f', 'g/h', 'k/l']);
});

test('go.mod: requirements, and replace directives (to a version, or to another module)', () => {
  const m = goModVersions('module x\n\nrequire (\n\ta v1.0.0\n\tb v1.1.0 // indirect\n)\nrequire c v2.0.0\n\nreplace a => a v1.0.1\nreplace (\n\tb v1.1.0 => github.com/fork/b v1.1.0-odh\n)\n');
  expect(Object.fromEntries(m)).toEqual({ a: { version: 'v1.0.1' }, b: { version: 'v1.1.0-odh', replacedBy: 'github.com/fork/b' }, c: { version: 'v2.0.0' } });
});
