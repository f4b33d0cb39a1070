// `codeflare-matrix merge OUT.json IN.json…`: the results of shards (one per CI job) as one file.
import { Command } from 'commander';

export function mergeCommand(): Command {
  return new Command('merge')
    .description('join the results of shards of one config into one file (a cell run twice keeps the later run)')
    .argument('<out>', 'the merged results file to write (atomically)')
    .argument('<inputs...>', 'results files of the shards')
    .action(async (out: string, inputs: string[]) => {
      const [{ merge }, { readResults, writeResults }] = await Promise.all([import('../../reports/merge.js'), import('../../reports/results.js')]);
      // Every input is read and checked before the output is written: a refusal writes nothing.
      const { results, notes } = merge(inputs.map((path) => ({ path, results: readResults(path) })));
      writeResults(out, results);
      for (const n of notes) process.stderr.write(`merge: ${n}\n`);
      console.log(`${out}: ${results.cells.length} cell(s) from ${inputs.length} file(s), ${results.runs.length} run(s)`);
    });
}
