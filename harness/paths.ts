// Where the harness keeps its state: one home (toolchain cache, clusters, work dirs), outside the repo.
import { homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export function home(): string {
  return resolve(process.env.CODEFLARE_MATRIX_HOME || join(homedir(), '.cache', 'codeflare-matrix'));
}

/** The repository root (where the default config lives). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const defaultConfigPath = join(repoRoot, 'matrix.yaml');
