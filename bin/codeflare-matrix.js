#!/usr/bin/env node
// Runs the compiled CLI (dist/, written by `npm run build`; the package ships it) when it is at least
// as new as every TypeScript source, else the sources through tsx: a checkout works without a build
// step and an edit never runs stale code. CODEFLARE_MATRIX_FROM_SOURCE=1 always takes the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'harness', 'cli.js');

function fresh() {
  if (process.env.CODEFLARE_MATRIX_FROM_SOURCE || !existsSync(compiled)) return false;
  const built = statSync(compiled).mtimeMs;
  if (statSync(join(root, 'playwright.config.ts')).mtimeMs > built) return false;
  for (const dir of ['lib', 'model', 'harness', 'matrix', 'reports', 'fixtures', 'suites']) {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
      if (e.isFile() && e.name.endsWith('.ts') && statSync(join(e.parentPath, e.name)).mtimeMs > built) return false;
    }
  }
  return true;
}

if (fresh()) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../harness/cli.ts');
}
