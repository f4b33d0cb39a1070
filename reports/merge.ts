// Merging shards: the results files of one config's jobs (one per CI job) joined into one. Results
// of another config (or strategy) are another matrix and are refused; a cell run twice keeps the
// later run. A cell's artifact paths are relative to its results file: the merged file's are
// rewritten relative to the merged file, so its report links the shards' logs where they are.
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { UserError } from '../lib/errors.js';
import type { CellResult, Results } from '../model/results.js';

export type Input = { path: string; results: Results };

const time = (iso: string): number => Date.parse(iso) || 0;
const latest = (r: Results): string => [...r.runs].sort((x, y) => time(x.finishedAt) - time(y.finishedAt)).at(-1)?.finishedAt ?? '';

/** A path relative to `from` (a results file's folder) made relative to `to`, with forward slashes as in results files. */
const rebase = (path: string, from: string, to: string): string => (isAbsolute(path) ? path : relative(to, resolve(from, path)).split('\\').join('/'));

/** The cell with its artifact and attachment paths relative to `to` rather than `from`. */
function moved(cell: CellResult, from: string, to: string): CellResult {
  if (resolve(from) === resolve(to)) return cell;
  return {
    ...cell,
    ...(cell.artifacts ? { artifacts: rebase(cell.artifacts, from, to) } : {}),
    suites: cell.suites.map((s) => ({ ...s, tests: s.tests.map((t) => ({ ...t, attachments: t.attachments.map((a) => ({ ...a, path: rebase(a.path, from, to) })) })) })),
  };
}

/** `out`: where the merged file goes (its folder anchors the artifact paths); without it they stay as the inputs wrote them. */
export function merge(inputs: Input[], out?: string): { results: Results; notes: string[] } {
  const [first, ...rest] = inputs;
  if (!first) throw new UserError('nothing to merge', 'merge', 'pass the output file and at least one results file');
  const a = first.results;
  for (const { path, results: b } of rest) {
    if (b.config.hash !== a.config.hash) {
      throw new UserError(`results of another config (${b.config.name} ${b.config.hash.slice(0, 19)}, not ${a.config.name} ${a.config.hash.slice(0, 19)} of ${first.path}) cannot be merged`, path, 'merge only the shards of one config; report the other on its own');
    }
    if (b.strategy !== a.strategy) throw new UserError(`results of strategy ${b.strategy}, not ${a.strategy} of ${first.path}: another plan, cannot be merged`, path, 'merge only the shards of one plan');
  }
  const notes: string[] = [];
  const cells = new Map<string, { cell: CellResult; path: string; at: string }>();
  for (const { path, results } of inputs) {
    for (const cell of results.cells) {
      const at = cell.finishedAt ?? latest(results);
      const prev = cells.get(cell.id);
      // The later run wins; on a tie, the later file on the command line.
      if (prev && time(prev.at) > time(at)) {
        notes.push(`cell ${cell.id} is in ${prev.path} and ${path}: keeping ${prev.path}'s (finished ${prev.at}, later)`);
        continue;
      }
      if (prev) notes.push(`cell ${cell.id} is in ${prev.path} and ${path}: keeping ${path}'s (finished ${at || 'at an unknown time'}, later)`);
      cells.set(cell.id, { cell: out ? moved(cell, dirname(path), dirname(out)) : cell, path, at });
    }
  }
  const runs = new Map(inputs.flatMap((i) => i.results.runs).map((r) => [r.id, r]));
  // baseline stacks run again by a shard: every one, the later file's where two ran the same
  const baselines = new Map(inputs.flatMap(({ path, results }) => (results.baselines ?? []).map((c) => [c.id, out ? moved(c, dirname(path), dirname(out)) : c] as const)));
  const providers = [...new Set(inputs.map((i) => i.results.provider))];
  const versions = [...new Set(inputs.map((i) => i.results.harness.version))];
  if (versions.length > 1) notes.push(`the inputs were written by codeflare-matrix ${versions.join(', ')}; the merged file says ${a.harness.version}`);
  return {
    results: {
      ...a,
      provider: providers.join(','),
      runs: [...runs.values()].sort((x, y) => x.startedAt.localeCompare(y.startedAt)),
      cells: [...cells.values()].map((c) => c.cell),
      ...(baselines.size ? { baselines: [...baselines.values()] } : {}),
    },
    notes,
  };
}
