// Why pip failed, in one line, from what pip prints (progress bars and all).
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSdk, pipFailure } from './sdk.js';
import { parseSources } from './git.js';

test('pip’s reason comes through its progress bars; a build failure names the package and its cause', () => {
  const bar = (n: number, pkg: string) => `\r\x1b[2K   \x1b[90m━━━━━━━━━━━━━━━━━━━━━━━━\x1b[0m╺━━━━━━━━━━━━━━━ \x1b[32m${n}/95\x1b[0m [${pkg}]`;
  const full = `Installing collected packages: wcwidth, pytz\n\x1b[?25l${bar(1, 'pytz')}${bar(57, 'referencing')}ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n`;
  expect(pipFailure(full)).toBe('ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device');
  const build = ['  error: subprocess-exited-with-error', '  × Building wheel for grpcio (pyproject.toml) did not run successfully.', '      src/core/lib/foo.cc:12: error: ‘bar’ was not declared', 'Failed building wheel for grpcio==1.43.0', 'ERROR: Could not build wheels for grpcio, which is required to install pyproject.toml-based projects'].join('\n');
  expect(pipFailure(build)).toBe("failing package: grpcio==1.43.0; cause: src/core/lib/foo.cc:12: error: ‘bar’ was not declared; ERROR: Could not build wheels for grpcio, which is required to install pyproject.toml-based projects");
});

// A PR's checkout of the SDK: a package of the test's own under the SDK's name, in a git repository the test makes.
test.describe('the SDK from a checkout (path:)', () => {
  test.describe.configure({ timeout: 600_000 });
  test('built by its own backend and installed; its commit, and uncommitted changes, in the provenance; an edit is another virtualenv', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfm-sdk-checkout-'));
    try {
      writeFileSync(join(dir, 'pyproject.toml'), '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "codeflare-sdk"\nversion = "0.0.1"\nrequires-python = ">=3.8"\ndependencies = []\n\n[tool.setuptools]\npackages = ["codeflare_sdk"]\n');
      mkdirSync(join(dir, 'codeflare_sdk'));
      writeFileSync(join(dir, 'codeflare_sdk', '__init__.py'), 'MARK = "first"\n');
      const git = (...a: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { encoding: 'utf8' }).trim();
      git('init', '-q');
      git('add', '.');
      git('commit', '-qm', 'one');
      const first = await ensureSdk(`path:${dir}`);
      expect(first.version).toBe('v0.0.1');
      expect(first.provenance).toMatchObject({ requested: `path:${dir}`, resolved: `path:${dir}`, origin: 'checkout', commit: git('rev-parse', 'HEAD') });
      expect(first.provenance.differences.join('\n')).toMatch(/built from the checkout .* at [0-9a-f]{12}, not a release from PyPI/);
      expect(first.provenance.differences.join('\n')).not.toMatch(/uncommitted/);
      expect(execFileSync(first.python, ['-c', 'import codeflare_sdk; print(codeflare_sdk.MARK)'], { encoding: 'utf8' }).trim()).toBe('first');
      writeFileSync(join(dir, 'codeflare_sdk', '__init__.py'), 'MARK = "edited"\n');
      const edited = await ensureSdk(`path:${dir}`);
      expect(edited.venv).not.toBe(first.venv);
      expect(edited.provenance.differences.join('\n')).toMatch(/with uncommitted changes/);
      expect(edited.provenance.wheel!.sha256).not.toBe(first.provenance.wheel!.sha256);
      expect(execFileSync(edited.python, ['-c', 'import codeflare_sdk; print(codeflare_sdk.MARK)'], { encoding: 'utf8' }).trim()).toBe('edited');
      // the same tree again: the same virtualenv
      expect((await ensureSdk(`path:${dir}`)).venv).toBe(edited.venv);
      // dev: the git repository named as the SDK's source, at its HEAD (the commit, not the edit)
      const sources = parseSources(`sources:\n  codeflare-sdk: ${dir}\n`, join(dir, 'sources.yaml'));
      const dev = await ensureSdk('dev', { sources });
      expect(dev.provenance).toMatchObject({ requested: 'dev', resolved: `v0.0.1+g${git('rev-parse', 'HEAD').slice(0, 12)}`, commit: git('rev-parse', 'HEAD'), origin: 'git', git: { repository: dir } });
      expect(dev.venv).toBe(first.venv);
      await expect(ensureSdk('dev')).rejects.toThrow(/PyPI publishes releases only/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad input: a folder with no pyproject.toml is one line with the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfm-sdk-empty-'));
    try {
      await expect(ensureSdk(`path:${dir}`)).rejects.toThrow(/has no pyproject.toml or setup.py/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
