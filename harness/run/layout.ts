// A run's folder: the plan it runs, one folder per cell (state, progress, logs, result), the
// cluster pool and the results. Everything the run's processes share goes through these files.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../../matrix/planner/index.js';
import type { Cell } from '../../matrix/cell.js';
import type { Installed } from '../components/install/index.js';
import type { Played } from '../components/install/player.js';
import type { Cluster } from '../providers/provider.js';
import type { Sdk } from '../components/types.js';
import { writeAtomic } from '../../lib/files.js';

/** Environment the run hands to Playwright (and so to every worker): where the run's folder is. */
export const RUN_ENV = 'CODEFLARE_MATRIX_RUN';

/** How `run` was asked to run (read by setup and teardown in Playwright's workers). */
export type RunOptions = { id: string; owner: number; reuseClusters: boolean; keepOnFailure: boolean; startedAt: string };

/** `ready` is part of `install`: its waits for controllers to answer their readiness. */
export type Phase = 'build' | 'provision' | 'install' | 'ready' | 'suites' | 'teardown';

/** What a cell's setup made, for its tests and its teardown. Written as each step completes. */
export type CellState = {
  cell: string;
  cluster?: Cluster & { reused: boolean; poolKey: string; /** worker nodes beside the control plane, and the suites that asked */ workers?: number; workersWhy?: string[] };
  installed: Installed[];
  sdk?: Sdk;
  /** This machine cannot run the cell's SDK (its Python): the tests that use it are blocked with this. */
  sdkError?: string;
  serverVersion?: string;
  /** Namespaces setup made with objects that must outlive an upgrade (upgrade cells). */
  preUpgrade?: { namespace: string; rayClusters: string[]; appWrappers?: string[] };
  /** Deployments the controllers' pod players ran (read at teardown). */
  played?: Played[];
  phases: Partial<Record<Phase, number>>;
  /** The setup steps finished, in order (harness/run/cell.ts): teardown undoes these. */
  done?: string[];
  /** What teardown has to tell the user (a kept cluster and how to remove it, an uninstall that failed). */
  notes?: string[];
  /** Why setup failed: the cell's tests are blocked by it. */
  error?: string;
};

export const runDir = (): string => {
  const dir = process.env[RUN_ENV];
  if (!dir) throw new Error(`${RUN_ENV} is not set: cell projects run under \`npx codeflare-matrix run\``);
  return dir;
};

export const cellDir = (dir: string, id: string): string => join(dir, 'cells', id);

export function readPlan(dir: string): Plan {
  return JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan;
}

export function readRunOptions(dir: string): RunOptions {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunOptions;
}

export function cellOf(plan: Plan, id: string): Cell {
  const c = [...plan.cells, ...(plan.baselines ?? [])].find((x) => x.id === id);
  if (!c) throw new Error(`cell ${id} is not in the plan`);
  return c;
}

export function readCellState(dir: string, id: string): CellState | undefined {
  const f = join(cellDir(dir, id), 'state.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as CellState) : undefined;
}

export function saveCellState(dir: string, s: CellState): void {
  writeAtomic(join(cellDir(dir, s.cell), 'state.json'), JSON.stringify(s, null, 2) + '\n', 0o600);
}

/** The step a cell is on, one line, for the run's progress display. */
export function setStep(dir: string, id: string, step: string): void {
  mkdirSync(cellDir(dir, id), { recursive: true });
  writeAtomic(join(cellDir(dir, id), 'step'), step);
}

export function readStep(dir: string, id: string): string | undefined {
  try {
    return readFileSync(join(cellDir(dir, id), 'step'), 'utf8');
  } catch {
    return undefined;
  }
}

/** A test of the cell failed (teardown reads it for --keep-on-failure). */
export function markFailed(dir: string, id: string): void {
  mkdirSync(cellDir(dir, id), { recursive: true });
  writeFileSync(join(cellDir(dir, id), 'failed'), '');
}

export const cellFailed = (dir: string, id: string): boolean => existsSync(join(cellDir(dir, id), 'failed'));
