// `codeflare-matrix audit README.md RESULTS.json`: a published support matrix against what ran.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadCatalog } from '../../matrix/catalog/index.js';
import { audit } from '../../reports/audit.js';
import { readResults } from '../../reports/results.js';
import { UserError } from '../errors.js';

export function auditCommand(): Command {
  return new Command('audit')
    .description('compare the support matrix a README publishes with results and provenance: every untested, failed or mismatched entry, one line each')
    .argument('<readme>', "an operator README.md (its Compatibility Matrix block)")
    .argument('<results>', 'results.json (written by run, or by merge)')
    .option('--allow-flaky', 'count flaky cells as passed')
    .action((readmePath: string, path: string, o: { allowFlaky?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(readmePath, 'utf8');
      } catch {
        throw new UserError('cannot read the README', readmePath, 'pass the path of an operator README.md');
      }
      const a = audit(text, readmePath, readResults(path), loadCatalog(), { allowFlaky: o.allowFlaky ?? false });
      console.log(`audit ${readmePath} against ${path}: ${a.rows} declared row(s), ${a.verified} verified, ${a.findings.length} finding(s)`);
      for (const f of a.findings) console.log(`  ${f}`);
      if (a.findings.length) process.exitCode = 1;
    });
}
