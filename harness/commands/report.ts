// `codeflare-matrix report`: the verified support matrix from results (Markdown in the operator
// README's format, JSON, or a self-contained HTML page), the README block, the job summary.
import { appendFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { History } from '../../reports/history.js';
import { UserError } from '../../lib/errors.js';
import { checkOutput, writeAtomic } from '../../lib/files.js';

const formats = ['md', 'json', 'html', 'junit'] as const;
type Opts = { format: (typeof formats)[number]; output?: (typeof formats)[number]; outputFile?: string; out?: string; history?: string; updateReadme?: string; allowFlaky?: boolean; release?: string; baseline?: string };

export function reportCommand(): Command {
  return new Command('report')
    .description('the verified support matrix from results: only cells that passed become rows (Markdown README block, JSON, or HTML)')
    .argument('<results>', 'results.json (written by run, or by merge)')
    // -o is a format, as in kubectl and helm (and -f, as before); files go to --output-file
    .addOption(new Option('-o, --output <format>', 'output format: md, json, html, junit (JUnit XML of every test, one testsuite per cell)').choices(formats))
    .addOption(new Option('-f, --format <format>', 'the same as -o').choices(formats).default('md'))
    .option('--output-file <file>', 'write the report to this file (atomically) instead of standard output')
    .addOption(new Option('--out <file>').hideHelp())
    .option('--history <dir>', 'with --format html or json: earlier results (every results.json under DIR), shown as runs × cells')
    .option('--update-readme <path>', "rewrite only the README's Compatibility Matrix block (between its markers) with the verified stacks")
    .option('--allow-flaky', 'count flaky cells (passed only on a retry) as verified')
    .option('-r, --release <version>', "with --update-readme: exactly one table, this operator release's, in the operator README's own layout (its release workflow rewrites it); refused unless `audit` would confirm it")
    .option('--baseline <results>', 'label every test that did not pass against these results: regression, already-failing (since when, with --history), flaky or new; a Regressions section opens the report')
    .addHelpText('after', '\nExit status: 0 written, 2 bad input (nothing is written).')
    .action(async (path: string, opts: Opts) => {
      const o = { ...opts, format: opts.output ?? opts.format, out: opts.outputFile ?? opts.out };
      if (o.out) checkOutput(o.out, opts.outputFile ? '--output-file' : '--out');
      const [{ loadCatalog }, { loadHistory }, { jobSummary, markdownReport, readmeBlock, releaseBlock }, { readmeUpdate }, { readResults }, { releaseStack, supportMatrix }] = await Promise.all([
        import('../../matrix/catalog/index.js'), import('../../reports/history.js'), import('../../reports/markdown.js'), import('../../reports/readme.js'), import('../../model/results.js'), import('../../reports/support-matrix.js'),
      ]);
      // the HTML renderer is the heaviest part: loaded only for --format html
      const renderHtml = o.format === 'html' ? (await import('../../reports/html.js')).renderHtml : undefined;
      const catalog = loadCatalog();
      const read = readResults(path);
      const { labelled, labelResults, regressionsSection } = await import('../../reports/baseline.js');
      const { findResults } = await import('../../reports/history.js');
      const history = o.history && o.baseline ? findResults(o.history).map((p) => ({ path: p, results: readResults(p) })) : [];
      const results = o.baseline ? labelResults(read, catalog, { path: o.baseline, results: readResults(o.baseline) }, { history }) : read;
      const m = supportMatrix(results, catalog, { allowFlaky: o.allowFlaky });
      if (o.history && !o.baseline && (o.format === 'md' || o.format === 'junit')) throw new UserError('--history is shown by --format html or json', '--history', 'add --format html');
      const hist: History | undefined = o.history && (o.format === 'html' || o.format === 'json') ? loadHistory(o.history, { path, results }) : undefined;
      // Everything is computed (and the README checked) before any file is written: bad input writes nothing.
      let readme: ReturnType<typeof readmeUpdate> | undefined;
      if (o.updateReadme) {
        if (!m.stacks.length) throw new UserError('no cell passed: nothing verified to publish, the README is left as it was', path, 'fix the failing cells and run them again (`npx codeflare-matrix report` lists why each is not verified)');
        const lines = o.release ? releaseBlock(releaseStack(m, o.release, path, catalog), catalog) : readmeBlock(m.stacks, catalog);
        readme = readmeUpdate(o.updateReadme, lines);
        // What report publishes, audit confirms: a row the results contradict is not written.
        const { audit } = await import('../../reports/audit.js');
        const check = audit(readme.text, o.updateReadme, results, catalog, { allowFlaky: o.allowFlaky ?? false });
        if (o.release && check.findings.length) throw new UserError(`the ${o.release} row would not pass audit: ${check.findings[0]}`, path, 'run that release again so what ran matches the row (nothing was written)');
      } else if (o.release) throw new UserError('--release chooses the table --update-readme writes', '--release', 'add --update-readme README.md');
      const junit = o.format === 'junit' ? (await import('../../reports/junit.js')).junitXml : undefined;
      const text = junit ? junit(results) : o.format === 'json' ? `${JSON.stringify({ ...m, ...(labelled(results).length ? { labelled: labelled(results) } : {}), ...(hist ? { history: hist } : {}) }, null, 2)}\n` : renderHtml ? renderHtml(results, m, catalog, hist, relative(o.out ? dirname(resolve(o.out)) : process.cwd(), dirname(resolve(path))), dirname(resolve(path))) : [...regressionsSection(results), markdownReport(m, catalog)].join('\n');
      if (o.out) writeAtomic(o.out, text);
      else process.stdout.write(text);
      if (readme) {
        readme.write();
        const what = o.release ? `the ${o.release} table` : `${m.stacks.length} verified stack${m.stacks.length === 1 ? '' : 's'}`;
        process.stderr.write(`${o.updateReadme}: ${readme.changed ? `matrix block rewritten (${what})` : 'matrix block already up to date'}\n`);
      }
      // GitHub Actions shows what a step appends to this file on the run's page.
      if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, jobSummary(m, catalog));
      if (o.out) process.stderr.write(`${o.out}: ${o.format} report, ${m.stacks.length} verified stack(s), ${m.notVerified.length} cell(s) not verified\n`);
    });
}
