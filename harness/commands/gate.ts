// `codeflare-matrix gate --release VERSION`: exit 0 only when the release's row is verified by
// recent results of the versions it will publish; otherwise every failing condition, exit 1.
import { appendFileSync } from 'node:fs';
import { Command } from 'commander';
import { UserError } from '../../lib/errors.js';

type Opts = { release: string; maxAge: string; allowFlaky?: boolean; at?: string; json?: boolean; minPassRate?: string; baseline?: string; history?: string; strict?: boolean };

export function gateCommand(): Command {
  return new Command('gate')
    .description('release gate: exit 0 only when the release row ran, every required suite passed, the results are recent and the binaries are the row\'s versions')
    .argument('<results>', 'results.json (written by run, or by merge)')
    .requiredOption('-r, --release <version>', 'the operator version to be tagged, e.g. v1.16.0')
    .option('--max-age <age>', 'results older than this fail the gate (90m, 36h, 7d, 2w)', '7d')
    .option('--allow-flaky', 'count a suite that passed only on a retry as passed')
    .option('--at <time>', 'judge the age as of this ISO time instead of now (to re-check a past decision)')
    .option('--min-pass-rate <rate>', 'results of run --repeat: a test passes when at least this share of its runs passed (0 to 1; default 1, every run)')
    .option('--baseline <results>', 'label every test that did not pass against these results: a regression in any cell fails the gate; already-failing and flaky ones are listed with their evidence')
    .option('--history <dir>', 'with --baseline: earlier results (every results.json under DIR), to say since when a test has been failing')
    .option('--strict', 'fail on any test that did not pass, in any cell of the results, whatever its label')
    .option('--json', 'print the verdict as JSON (passed, failures, the cells judged, the block to publish)')
    .addHelpText('after', '\nExit status: 0 the release may be tagged, 1 it may not (each reason printed; with --baseline, a regression in any cell), 2 bad input.')
    .action(async (path: string, o: Opts) => {
      const [{ loadCatalog }, { gate }, { readResults }] = await Promise.all([import('../../matrix/catalog/index.js'), import('../../reports/gate.js'), import('../../model/results.js')]);
      const now = o.at ? new Date(o.at) : new Date();
      if (Number.isNaN(now.getTime())) throw new UserError(`--at ${o.at} is not a time`, undefined, 'pass an ISO time, e.g. 2025-06-20T12:00:00Z');
      const minPassRate = o.minPassRate === undefined ? undefined : Number(o.minPassRate);
      if (minPassRate !== undefined && !(minPassRate > 0 && minPassRate <= 1)) throw new UserError(`--min-pass-rate ${o.minPassRate} is not a share from 0 to 1`, '--min-pass-rate', 'pass e.g. --min-pass-rate 0.9');
      if (o.history && !o.baseline) throw new UserError('--history says since when a test fails on the baseline', '--history', 'add --baseline RESULTS');
      const catalog = loadCatalog();
      let results = readResults(path);
      if (o.baseline) {
        const [{ labelResults }, { findResults }] = await Promise.all([import('../../reports/baseline.js'), import('../../reports/history.js')]);
        const history = o.history ? findResults(o.history).map((p) => ({ path: p, results: readResults(p) })) : [];
        results = labelResults(results, catalog, { path: o.baseline, results: readResults(o.baseline) }, { history });
      }
      const v = gate(results, path, catalog, { release: o.release, maxAge: o.maxAge, allowFlaky: o.allowFlaky ?? false, now, minPassRate, strict: o.strict ?? false });
      const summary = process.env.GITHUB_STEP_SUMMARY;
      if (o.json) console.log(JSON.stringify({ release: v.release, passed: v.failures.length === 0, failures: v.failures, listed: v.listed, notes: v.notes, declaredBy: v.declaredBy, declared: v.declared, cells: v.cells.map((c) => ({ id: c.id, status: c.status, title: c.title })), block: v.block }, null, 2));
      if (v.failures.length) {
        const text = [`gate ${v.release}: failed (${v.failures.length} reason${v.failures.length === 1 ? '' : 's'}; ${v.cells.length} cell(s), versions from ${v.declaredBy})`, ...v.failures.map((f) => `  ✗ ${f}`), ...v.listed.map((f) => `  · ${f}`), ...v.notes.map((n) => `  note: ${n}`)].join('\n');
        if (!o.json) console.log(text);
        if (summary) appendFileSync(summary, `### ❌ Release gate ${v.release}\n\n${v.failures.map((f) => `- ${f}`).join('\n')}\n\n`);
        process.exitCode = 1;
        return;
      }
      // Standard output is the block to publish (gate … > block.md); the verdict goes to standard error.
      process.stderr.write(`gate ${v.release}: passed (${v.cells.length} cell(s), versions from ${v.declaredBy})\n${v.listed.map((f) => `  · ${f}\n`).join('')}${v.notes.map((n) => `  note: ${n}\n`).join('')}`);
      if (!o.json) console.log(v.block.join('\n'));
      if (summary) appendFileSync(summary, `### ✅ Release gate ${v.release}\n\n${v.block.join('\n')}\n\n`);
    });
}
