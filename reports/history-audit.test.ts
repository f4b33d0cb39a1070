// The audit of the published history, on a git repository the test makes (an operator-like history
// of three tags): each row confirmed, contradicted (and by what) or unverified (and why).
import { test, expect } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/exec.js';
import { goModVersions } from './history-audit.js';
import { cli, data, scratch } from './testing.js';

const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd });

async function history(): Promise<string> {
  const repo = scratch();
  await git(repo, 'init', '-q');
  const tag = async (t: string, readme: string, gomod: string) => {
    writeFileSync(join(repo, 'README.md'), readme);
    writeFileSync(join(repo, 'go.mod'), gomod);
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', t);
    await git(repo, 'tag', t);
  };
  // v0.0.4: the first matrix, under its heading, before the README had markers
  await tag('v0.0.4', '# codeflare-operator\n\nCodeFlare Stack Compatibility Matrix\n\n| Component | Version |\n|---|---|\n| CodeFlare Operator | v0.0.4 |\n| Multi-Cluster App Dispatcher | v1.31.0 |\n| CodeFlare-SDK | v0.4.4 |\n| InstaScale | v0.0.4 |\n| KubeRay | v0.5.0 |\n\n## Build\n', 'module github.com/project-codeflare/codeflare-operator\n');
  // v0.2.3: built against a KubeRay API pseudo-version, while the row says v0.5.0
  const v023 = readFileSync(data('README.v1.0.0.md'), 'utf8').replace(/v1\.0\.0\]\(https:\/\/github\.com\/project-codeflare\/codeflare-operator\/releases\/tag\/v1\.0\.0\)/, 'v0.2.3](https://github.com/project-codeflare/codeflare-operator/releases/tag/v0.2.3)').replace(/v1\.38\.0/g, 'v1.34.1').replace(/v0\.11\.0/g, 'v0.7.1').replace(/v0\.3\.0/g, 'v0.0.8');
  await tag('v0.2.3', v023, 'module github.com/project-codeflare/codeflare-operator\n\nrequire (\n\tgithub.com/ray-project/kuberay/ray-operator v0.0.0-20230908233208-a8f730e5a2b6 // indirect\n)\n');
  // v1.2.0: the block report writes for it from the results (the round trip)
  const readme = join(repo, 'README.md');
  writeFileSync(readme, readFileSync(data('README.v1.0.0.md')));
  expect((await cli(['report', data('nightly.json'), '--release', 'v1.2.0', '--update-readme', readme])).exitCode).toBe(0);
  await tag('v1.2.0', readFileSync(readme, 'utf8'), 'module github.com/project-codeflare/codeflare-operator\n\nrequire github.com/ray-project/kuberay/ray-operator v1.0.0\n');
  return repo;
}

test('every release tag: confirmed, contradicted by what, unverified and why; JSON, HTML, exit 1 when a row is contradicted', async () => {
  const repo = await history();
  const html = join(scratch(), 'audit.html');
  const r = await cli(['audit-history', data('nightly.json'), '--git', repo, '--json', '--html', html]);
  expect(r.exitCode, r.all).toBe(1);
  const rows = (JSON.parse(r.stdout) as { rows: { release: string; verdict: string; reasons: string[]; declared: Record<string, string> }[] }).rows;
  const row = (v: string) => rows.find((x) => x.release === v)!;
  expect(rows[0]!.release).toBe('v1.16.0'); // newest first
  expect(row('v1.2.0')).toMatchObject({ verdict: 'confirmed', reasons: [] });
  expect(row('v0.2.3').verdict).toBe('contradicted');
  expect(row('v0.2.3').reasons).toEqual(expect.arrayContaining([
    'declares KubeRay v0.5.0; the operator at v0.2.3 is built against v0.0.0-20230908233208-a8f730e5a2b6 (go.mod at v0.2.3)',
    expect.stringMatching(/^cell a-k1\.27-op0\.2\.3-6a8a7a3a failed — mcad: /),
  ]));
  expect(row('v0.0.4')).toMatchObject({ verdict: 'unverified', declared: { mcad: 'v1.31.0', kuberay: 'v0.5.0' } });
  expect(row('v0.0.4').reasons[0]).toMatch(/not-applicable/);
  expect(row('v1.16.0')).toMatchObject({ verdict: 'unverified', reasons: [`no tag v1.16.0 in ${repo}`] });
  expect(readFileSync(html, 'utf8')).toMatch(/<tr class="confirmed"><td>v1\.2\.0<\/td>/);
  // without results nothing can be confirmed, but what the tags themselves contradict still is
  const bare = JSON.parse((await cli(['audit-history', '--git', repo, '--json'])).stdout) as { rows: { release: string; verdict: string; reasons: string[] }[] };
  expect(bare.rows.find((x) => x.release === 'v1.2.0')).toMatchObject({ verdict: 'unverified', reasons: ['no results given'] });
  expect(bare.rows.find((x) => x.release === 'v0.2.3')!.verdict).toBe('contradicted');
});

test('go.mod: requirements, and replace directives (to a version, or to another module)', () => {
  const m = goModVersions('module x\n\nrequire (\n\ta v1.0.0\n\tb v1.1.0 // indirect\n)\nrequire c v2.0.0\n\nreplace a => a v1.0.1\nreplace (\n\tb v1.1.0 => github.com/fork/b v1.1.0-odh\n)\n');
  expect(Object.fromEntries(m)).toEqual({ a: { version: 'v1.0.1' }, b: { version: 'v1.1.0-odh', replacedBy: 'github.com/fork/b' }, c: { version: 'v2.0.0' } });
});
