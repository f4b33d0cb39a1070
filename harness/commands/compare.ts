// `codeflare-matrix compare OLD NEW`: each test's pass rate per cell over the last N runs on each
// side, where its current failures began, and the tests whose pass rate dropped, with Fisher's exact test.
import { Command } from 'commander';
import { UserError } from '../../lib/errors.js';
import { table } from '../table.js';

type Opts = { last: string; alpha: string; json?: boolean; all?: boolean };

export function compareCommand(): Command {
  return new Command('compare')
    .description("each test's pass rate per cell, OLD against NEW (results files or folders of them), and the tests whose pass rate dropped, with Fisher's exact test")
    .argument('<old>', 'results.json, or a folder of results (as report --history takes): the baseline')
    .argument('<new>', 'results.json, or a folder of results: the runs judged')
    .option('--last <n>', 'the newest N runs of each side', '10')
    .option('--alpha <p>', 'a drop is significant below this p-value', '0.05')
    .option('--all', 'print every test, not only those whose pass rate dropped or that fail now')
    .option('--json', 'print every record as JSON')
    .addHelpText('after', '\nA flaky test counts as a pass; blocked and not-applicable ones did not run.\nExit status: 0 no pass rate dropped significantly, 1 one did, 2 bad input.')
    .action(async (oldPath: string, newPath: string, o: Opts) => {
      const last = Number(o.last);
      const alpha = Number(o.alpha);
      if (!Number.isInteger(last) || last < 1) throw new UserError(`--last ${o.last} is not a whole number ≥ 1`, '--last', 'pass e.g. --last 10');
      if (!(alpha > 0 && alpha < 1)) throw new UserError(`--alpha ${o.alpha} is not a p-value between 0 and 1`, '--alpha', 'pass e.g. --alpha 0.05');
      const [{ compare, dropped, loadSide, percent }, { loadCatalog }] = await Promise.all([import('../../reports/compare.js'), import('../../matrix/catalog/index.js')]);
      const records = compare(loadSide(oldPath, last), loadSide(newPath, last), loadCatalog());
      const d = dropped(records, alpha);
      if (d.significant.length) process.exitCode = 1;
      if (o.json) return console.log(JSON.stringify({ old: oldPath, new: newPath, last, alpha, dropped: d.significant, records }, null, 2));
      const shown = o.all ? records : records.filter((r) => d.significant.includes(r) || d.other.includes(r) || r.failingSince);
      const mark = (r: (typeof records)[number]) => (d.significant.includes(r) ? 'dropped' : d.other.includes(r) ? 'lower' : '');
      if (shown.length) console.log(table(['cell', 'test', 'old', 'new', 'p', '', 'failing since'], shown.map((r) => [r.cell, `${r.suite} › ${r.test}`, percent(r.old), percent(r.new), r.p.toFixed(4), mark(r), r.failingSince ?? ''])));
      console.log(`\n${records.length} tests compared (last ${last} runs of each side): ${d.significant.length} dropped significantly (Fisher's exact test, p < ${alpha}), ${d.other.length} lower but not significantly, ${records.filter((r) => r.failingSince).length} failing now.`);
    });
}
