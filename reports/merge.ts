// Merging shards: the results files of one config's jobs (one per CI job) joined into one. Results
// of another config (or strategy) are another matrix and are refused; a cell run twice keeps the
// later run.
import { UserError } from '../lib/errors.js';
import type { CellResult, Results } from '../model/results.js';

export type Input = { path: string; results: Results };

const time = (iso: string): number => Date.parse(iso) || 0;
const latest = (r: Results): string => [...r.runs].sort((x, y) => time(x.finishedAt) - time(y.finishedAt)).at(-1)?.finishedAt ?? '';

export function merge(inputs: Input[]): { results: Results; notes: string[] } {
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
      cells.set(cell.id, { cell, path, at });
    }
  }
  const runs = new Map(inputs.flatMap((i) => i.results.runs).map((r) => [r.id, r]));
  const providers = [...new Set(inputs.map((i) => i.results.provider))];
  const versions = [...new Set(inputs.map((i) => i.results.harness.version))];
  if (versions.length > 1) notes.push(`the inputs were written by codeflare-matrix ${versions.join(', ')}; the merged file says ${a.harness.version}`);
  return {
    results: {
      ...a,
      provider: providers.join(','),
      runs: [...runs.values()].sort((x, y) => x.startedAt.localeCompare(y.startedAt)),
      cells: [...cells.values()].map((c) => c.cell),
    },
    notes,
  };
}
