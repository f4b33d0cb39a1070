// The package as another project gets it: `npm pack` of this tree, installed from the tarball into
// an empty project, answers `npx codeflare-matrix` from there (compiled, with the catalog it ships).
import { test, expect } from '@playwright/test';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from '../lib/exec.js';
import { repoRoot } from '../lib/paths.js';

test.setTimeout(10 * 60_000);

test('npm pack → npm install in an empty project → npx codeflare-matrix plan', async () => {
  const work = mkdtempSync(join(tmpdir(), 'cfm-package-'));
  try {
    // a copy of the working tree (what git tracks or would), so packing builds its own dist/ and never rewrites ours
    const tree = join(work, 'tree');
    const files = (await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot })).stdout.split('\0').filter((f) => f && existsSync(join(repoRoot, f)));
    for (const f of files) {
      mkdirSync(dirname(join(tree, f)), { recursive: true });
      cpSync(join(repoRoot, f), join(tree, f));
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(tree, 'node_modules'));
    const pack = await run('npm', ['pack', '--pack-destination', work], { cwd: tree, timeout: 5 * 60_000 });
    expect(pack.exitCode, pack.all).toBe(0);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{ "name": "uses-codeflare-matrix", "private": true }\n');
    const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball)], { cwd: project, timeout: 8 * 60_000 });
    expect(install.exitCode, install.all).toBe(0);
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    const v = await run('npx', ['codeflare-matrix', '--version'], { cwd: project });
    expect(v.stdout.trim(), v.all).toBe(version);
    const plan = await run('npx', ['codeflare-matrix', 'plan'], { cwd: project });
    expect(plan.exitCode, plan.all).toBe(0);
    expect(plan.stdout).toMatch(/^plan default: strategy full, provider local, 8 cell\(s\)/);
    // it runs the compiled CLI the package ships, not its TypeScript
    const installed = join(project, 'node_modules', 'codeflare-matrix');
    expect(readdirSync(join(installed, 'dist', 'harness'))).toContain('cli.js');
    expect(readdirSync(join(installed, 'harness')).some((f) => f.endsWith('.test.ts'))).toBe(false);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
