// Where the harness keeps its state: one home (toolchain cache, clusters, work dirs), outside the repo.
import { homedir } from 'node:os';
import { basename, join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export function home(): string {
  return resolve(process.env.CODEFLARE_MATRIX_HOME || join(homedir(), '.cache', 'codeflare-matrix'));
}

/** The repository (or installed package) root, where the default config and the catalog live;
 * compiled code runs from dist/harness/, sources from harness/. */
const above = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = basename(above) === 'dist' ? dirname(above) : above;

/** This tree runs compiled (dist/), not from its TypeScript sources through tsx. */
export const compiled = basename(above) === 'dist';

export const defaultConfigPath = join(repoRoot, 'matrix.yaml');
