// Shell completion from the command tree, completed by a real bash as a user's Tab would.
import { test, expect } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/exec.js';
import { repoRoot } from '../lib/paths.js';
import { scratchDir } from './testing.js';

const cli = (...args: string[]) => run('node', [join(repoRoot, 'bin/codeflare-matrix.js'), ...args], { cwd: repoRoot, env: { CODEFLARE_MATRIX_DEBUG: '' } });
test.describe.configure({ timeout: 120_000 });

test('bash completes commands, sub-commands, options and the values of options with a fixed set; file names where a file goes', async () => {
  const r = await cli('completion', 'bash');
  expect(r.exitCode, r.all).toBe(0);
  const script = join(scratchDir('cfm-completion'), 'codeflare-matrix.bash');
  writeFileSync(script, r.stdout);
  const tab = async (...words: string[]) => {
    const b = await run('bash', ['-c', `source ${script}; COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _codeflare_matrix; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', 'codeflare-matrix', ...words]);
    expect(b.exitCode, b.all).toBe(0);
    return b.stdout.split('\n').filter(Boolean);
  };
  expect(await tab('pl')).toEqual(['plan']);
  expect(await tab('plan', '-o', '')).toEqual(['table', 'wide', 'json', 'yaml', 'github-matrix']);
  expect(await tab('plan', '--strategy', 'p')).toEqual(['pairwise', 'published']);
  expect(await tab('toolchain', '')).toEqual(['build', 'list', 'path', '--help']);
  expect(await tab('toolchain', 'build', '--kub')).toEqual(['--kubernetes']);
  expect(await tab('report', 'r.json', '-f', 'j')).toEqual(['json', 'junit']);
  expect(await tab('plan', '-c', '')).toEqual([]); // a file: bash's own file names (complete -o default)
  expect(await tab('plan', '--output-file', 'x', '--js')).toEqual(['--json']);
});

test('zsh (through bashcompinit) and fish scripts; an unknown shell is one line and exit 2', async () => {
  const zsh = await cli('completion', 'zsh');
  expect(zsh.stdout).toMatch(/^#compdef codeflare-matrix\n/);
  expect(zsh.stdout).toContain('bashcompinit');
  expect(zsh.stdout).toContain('complete -o default -F _codeflare_matrix codeflare-matrix');
  const fish = (await cli('completion', 'fish')).stdout;
  expect(fish).toContain("complete -c codeflare-matrix -n __fish_use_subcommand -a plan -d 'plan the cells of a matrix config'");
  expect(fish).toContain("complete -c codeflare-matrix -n '__fish_seen_subcommand_from plan' -s o -l output -x -a 'table wide json yaml github-matrix'");
  const bad = await cli('completion', 'tcsh');
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr.trim()).toBe('codeflare-matrix: completion: no completion for shell "tcsh" — fix: one of: bash, zsh, fish');
});
