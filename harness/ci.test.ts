// The Action, the workflow and the example as a runner takes them: every action pinned by commit,
// the outputs an adopter reads, no credential uploaded, the Go release the toolchain needs, and
// the files a release carries (LICENSE, CHANGELOG.md).
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../lib/paths.js';
import { requiredGo } from './toolchain/versions.js';

const FILES = ['action.yml', '.github/workflows/matrix.yml', '.github/examples/component-pr.yml'];
const text = (f: string) => readFileSync(join(repoRoot, f), 'utf8');

test('every action is pinned by a full commit SHA with its tag beside it; the harness by a release tag', () => {
  for (const f of FILES) {
    parse(text(f)); // valid YAML
    const uses = [...text(f).matchAll(/uses: (\S+)(.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()] as const).filter(([u]) => !u.startsWith('./'));
    expect(uses.length, f).toBeGreaterThan(0);
    for (const [u, comment] of uses) {
      if (u.startsWith('project-codeflare/codeflare-matrix')) expect(u, f).toMatch(/@v\d+\.\d+\.\d+$/);
      else {
        expect(u, f).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        expect(comment, `${f}: ${u}`).toMatch(/^# v\d+\.\d+\.\d+$/);
      }
    }
  }
});

test('the Action says its verdict and where its reports are, and uploads no credential', () => {
  const action = parse(text('action.yml')) as { outputs: Record<string, { value: string }>; runs: { steps: { uses?: string; with?: { path?: string; 'go-version'?: string; key?: string } }[] } };
  expect(Object.keys(action.outputs)).toEqual(expect.arrayContaining(['verdict', 'folder', 'results', 'report', 'junit', 'support-matrix']));
  const steps = action.runs.steps;
  const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))!;
  for (const pattern of ['**/.kube/**', '**/kubeconfig*', '**/*.key', '**/*-key.pem']) expect(upload.with!.path).toContain(`!\${{ runner.temp }}/codeflare-matrix/${pattern}`);
  expect(steps.find((s) => s.uses?.startsWith('actions/setup-go'))!.with!['go-version']).toBe(requiredGo());
  // the toolchain's cache is keyed by the Kubernetes versions the job plans
  expect(steps.filter((s) => s.uses?.startsWith('actions/cache')).map((s) => s.with!.key)).toEqual(expect.arrayContaining([expect.stringContaining('steps.plan.outputs.kubernetes')]));
  const workflow = text('.github/workflows/matrix.yml');
  expect(workflow).toContain('key: toolchain-${{ runner.os }}-${{ matrix.kubernetes }}-');
  for (const pattern of ['!results/**/.kube/**', '!results/**/kubeconfig*', '!results/**/*.key']) expect(workflow).toContain(pattern);
});

test("the workflow's merged report goes up with the cell folders it links, and no credential", () => {
  type Job = { steps: { uses?: string; run?: string; with?: { name?: string; path?: string } }[] };
  const jobs = (parse(text('.github/workflows/matrix.yml')) as { jobs: Record<string, Job> }).jobs;
  const upload = jobs.report!.steps.find((s) => s.uses?.startsWith('actions/upload-artifact') && s.with?.name === 'matrix')!;
  const paths = upload.with!.path!.split('\n');
  // merge rewrites a cell's artifact paths relative to the merged file, which sits beside shards/
  expect(jobs.report!.steps.some((s) => s.run?.includes('merge results.json'))).toBe(true);
  expect(paths).toEqual(expect.arrayContaining(['matrix.html', 'shards/**/cells/**']));
  for (const pattern of ['!shards/**/.kube/**', '!shards/**/kubeconfig*', '!shards/**/*.key', '!shards/**/*-key.pem']) expect(paths).toContain(pattern);
});

test('a release carries the Apache-2.0 license package.json names and a changelog entry for its version', () => {
  const pkg = JSON.parse(text('package.json')) as { version: string; license: string; files: string[] };
  expect(pkg.license).toBe('Apache-2.0');
  expect(text('LICENSE')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  expect(text('CHANGELOG.md')).toContain(`## ${pkg.version}`);
  expect(pkg.files).toContain('CHANGELOG.md');
});
