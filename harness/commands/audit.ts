// `codeflare-matrix audit README.md RESULTS.json`: a published support matrix against what ran.
import { Command } from 'commander';
import { readInput } from '../../lib/files.js';

export function auditCommand(): Command {
  return new Command('audit')
    .description('compare the support matrix a README publishes with results and provenance: every untested, failed or mismatched entry, one line each')
    .argument('<readme>', "an operator README.md (its Compatibility Matrix block)")
    .argument('<results>', 'results.json (written by run, or by merge)')
    .option('--allow-flaky', 'count flaky cells as passed')
    .option('--json', 'print the audit as JSON')
    .addHelpText('after', '\nExit status: 0 every declared row is confirmed (notes say client skew, typos, fork links), 1 there are findings, 2 bad input.')
    .action(async (readmePath: string, path: string, o: { allowFlaky?: boolean; json?: boolean }) => {
      const [{ loadCatalog }, { audit }, { readResults }] = await Promise.all([import('../../matrix/catalog/index.js'), import('../../reports/audit.js'), import('../../model/results.js')]);
      const text = readInput(readmePath, 'readme', { what: 'cannot read the README', fix: 'pass the path of an operator README.md' }).toString('utf8');
      const a = audit(text, readmePath, readResults(path), loadCatalog(), { allowFlaky: o.allowFlaky ?? false });
      if (a.findings.length) process.exitCode = 1;
      const { judged, ...shown } = a;
      if (o.json) return console.log(JSON.stringify({ readme: readmePath, results: path, ...shown, rowVerdicts: judged }, null, 2));
      console.log(`audit ${readmePath} against ${path}: ${a.rows} declared row(s), ${a.verified} verified, ${a.findings.length} finding(s)${a.notes.length ? `, ${a.notes.length} note(s)` : ''}`);
      for (const f of [...a.findings, ...a.notes]) console.log(`  ${f}`);
    });
}
