// `codeflare-matrix merge OUT.json IN.json…`: the results of shards (one per CI job) as one file.
import { Command } from 'commander';

export function mergeCommand(): Command {
  return new Command('merge')
    .description('join the results of shards of one config into one file (a cell run twice keeps the later run)')
    .argument('<out>', 'the merged results file to write (atomically)')
    .argument('<inputs...>', 'results files of the shards')
    .option('--json', 'print what was merged as JSON')
    .addHelpText('after', '\nExit status: 0 merged, 2 an input cannot be read or belongs to another config (nothing written).')
    .action(async (out: string, inputs: string[], o: { json?: boolean }) => {
      const { checkOutput } = await import('../../lib/files.js');
      checkOutput(out, '<out>');
      const [{ merge }, { readResults, writeResults }] = await Promise.all([import('../../reports/merge.js'), import('../../model/results.js')]);
      // Every input is read and checked before the output is written: a refusal writes nothing.
      const { results, notes } = merge(inputs.map((path) => ({ path, results: readResults(path) })), out);
      writeResults(out, results);
      for (const n of notes) process.stderr.write(`merge: ${n}\n`);
      if (o.json) return console.log(JSON.stringify({ out, inputs, cells: results.cells.map((c) => ({ id: c.id, status: c.status })), runs: results.runs.map((r) => r.id), notes }, null, 2));
      console.log(`${out}: ${results.cells.length} cell(s) from ${inputs.length} file(s), ${results.runs.length} run(s)`);
    });
}
