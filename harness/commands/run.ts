// `codeflare-matrix run`: plan, provision, install, test and write results; prints each cell's
// outcome and the support matrix verified by this run.
import { strategyNames } from '../../matrix/ids.js';
import { Command, Option } from 'commander';
import { appendFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { writeAtomic } from '../../lib/files.js';
import { defaultConfigPath } from '../../lib/paths.js';
import { UserError } from '../../lib/errors.js';
import { table } from '../table.js';
import { chainOption } from './options.js';
import type { Plan } from '../../matrix/planner/index.js';
import type { Results } from '../../model/results.js';

const count = (flag: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag} ${v} is not a whole number ≥ ${min}`, flag, `pass e.g. ${flag} ${min + 1}`);
  return n;
};

/** --cells a,b: ids from `plan`; a list that names none is refused, never read as "every cell". */
function cellIds(v: string): string[] {
  const ids = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (!ids.length) throw new UserError(`--cells "${v}" names no cell`, '--cells', 'pass cell ids from `npx codeflare-matrix plan`, comma-separated, or leave --cells out for every cell');
  return ids;
}

function shard(v: string): { index: number; total: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const total = Number(m?.[2]);
  if (!m || index < 1 || total < 1 || index > total) throw new UserError(`--shard ${v} is not i/n with 1 ≤ i ≤ n`, '--shard', 'pass e.g. --shard 1/4');
  return { index, total };
}

/**
 * Each cell's outcome, one row, why for every cell that is not passed; then the tests counted as
 * JUnit counts them (results.ts tally), so the printout, junit.xml and the exit status agree.
 */
export async function renderOutcome(r: Results): Promise<string> {
  const { tally, tallyLine } = await import('../../model/results.js');
  const rows = r.cells.map((c) => {
    const n = tally([c]);
    const tests = [`${n.passed} passed`, n.flaky && `${n.flaky} flaky`, n.failed && `${n.failed} failed`, n.error && `${n.error} blocked`, n.ahead && `${n.ahead} blocked ahead`, n['not-applicable'] && `${n['not-applicable']} n/a`].filter(Boolean).join(', ');
    return [c.id, c.ahead ? 'blocked ahead' : c.status, tests, c.cluster?.reused ? 'reused' : c.cluster ? 'new' : '', c.reason ?? ''];
  });
  return `${table(['cell', 'status', 'tests', 'cluster', 'reason'], rows, undefined, [3])}\n\n${tallyLine(tally(r.cells))}`;
}

export function runCommand(): Command {
  return new Command('run')
    .description('run the matrix: per cell provision a cluster, install the stack, run the suites, tear down; writes results')
    .option('-c, --config <file>', 'matrix config (YAML)', defaultConfigPath)
    .addOption(new Option('-s, --strategy <name>', 'override the config strategy').choices(strategyNames))
    .option('--chain <component=path>', 'the chain strategy with this checkout of the component under test (over the config\'s chain)', chainOption)
    .option('--max-cells <n>', 'the most cells the plan may have (over the config\'s maxCells, default 256)', count('--max-cells', 1))
    .option('--cells <ids>', 'only these cells (comma-separated ids from `plan`)', cellIds)
    .option('--shard <i/n>', 'the i-th of n shards, by whole cells', shard)
    .option('--rerun-failed <results>', 'run again only what did not pass in these results (blocked cells whole, failed and flaky cells their tests that did not pass) and merge the outcome into the new results')
    .option('--repeat <n>', 'run each test n times; the results show each test\'s pass rate, and a cell is verified only if every run passed', count('--repeat', 2))
    .option('--retries <n>', 'retries of a failed test (a pass on retry is flaky, not passed)', count('--retries', 0))
    .option('-j, --parallelism <n>', 'cells at once', count('--parallelism', 1))
    .option('--reuse-clusters', 'give a cleanly uninstalled cluster to the next cell of the same Kubernetes version and era', false)
    .option('--keep-on-failure', 'keep the cluster of a failed cell (printed with how to remove it)', false)
    .option('-o, --out <dir>', 'run folder (default out/runs/<name>-<time>)')
    .option('--baseline <results>', 'label every test that did not pass against these results (regression, already-failing, flaky, new), in results.json and every report; without it, against each cell\'s baseline stack of the plan, on which its failed tests run again')
    .addHelpText('after', '\nExit status: 0 every cell that could run passed (cells blocked ahead, by what this machine cannot build, do not fail the run), 1 a cell failed or was blocked in setup, 130 interrupted, 2 bad input.')
    .action(async (o: { config: string; strategy?: Plan['strategy']; maxCells?: number; chain?: ReturnType<typeof chainOption>; rerunFailed?: string; repeat?: number; cells?: string[]; shard?: { index: number; total: number }; retries?: number; parallelism?: number; reuseClusters: boolean; keepOnFailure: boolean; out?: string; baseline?: string }) => {
      const [{ runMatrix }, { loadCatalog }, { renderHtml }, { jobSummary, markdownReport }, { supportMatrix }, { junitXml }] = await Promise.all([
        import('../run/index.js'), import('../../matrix/catalog/index.js'), import('../../reports/html.js'), import('../../reports/markdown.js'), import('../../reports/support-matrix.js'), import('../../reports/junit.js'),
      ]);
      // The baseline is read before anything runs: a bad file is refused at once.
      const { readResults, writeResults } = await import('../../model/results.js');
      const { loadConfig } = await import('../../matrix/config.js');
      const loaded = loadConfig(o.config);
      // (a baseline of versions per component is the planner's: its stacks run in the run)
      const fromConfig = typeof loaded.config.baseline === 'string' ? loaded.config.baseline : undefined;
      const baselinePath = o.baseline ?? (fromConfig ? resolve(dirname(loaded.path), fromConfig) : undefined);
      const baseline = baselinePath ? { path: baselinePath, results: readResults(baselinePath) } : undefined;
      const catalog = loadCatalog();
      const ran = await runMatrix(o);
      const { dir, exitCode } = ran;
      let results = ran.results;
      // each failed test against its cell's baseline: the run's own (the plan's, run here), else the file
      const [{ labelResults, sourceOf }, { finishAllure }] = await Promise.all([import('../../reports/baseline.js'), import('../../reports/allure.js')]);
      if (results.cells.some((c) => sourceOf(c, results, catalog, baseline))) {
        results = labelResults(results, catalog, baseline);
        writeResults(join(dir, 'results.json'), results);
        finishAllure(dir, results);
      }
      console.log(`\n${await renderOutcome(results)}\n`);
      const { readCellState } = await import('../run/layout.js');
      // a baseline stack's notes too (a kept cluster of one says how to remove it)
      for (const c of [...results.cells, ...(results.baselines ?? [])]) for (const note of readCellState(dir, c.id)?.notes ?? []) console.log(`${c.id}: ${note}`);
      // The support matrix this run verified (only passed cells become rows), beside the results.
      const m = supportMatrix(results, catalog);
      const { regressionsSection } = await import('../../reports/baseline.js');
      const md = [...regressionsSection(results), markdownReport(m, catalog)].join('\n');
      writeAtomic(join(dir, 'support-matrix.md'), md);
      writeAtomic(join(dir, 'support-matrix.json'), `${JSON.stringify(m, null, 2)}\n`);
      writeAtomic(join(dir, 'report.html'), renderHtml(results, m, catalog, undefined, '', dir));
      writeAtomic(join(dir, 'junit.xml'), junitXml(results));
      if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, jobSummary(m, catalog));
      console.log(md);
      const at = relative(process.cwd(), dir) || '.';
      console.log(`results: ${at}/results.json · report: ${at}/report.html · junit: ${at}/junit.xml · allure: ${at}/allure-results`);
      process.exitCode = exitCode;
    });
}
