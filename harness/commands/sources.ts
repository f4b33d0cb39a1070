// `codeflare-matrix sources`: where every catalog version would come from — the Go module proxy,
// PyPI, a git source, or nowhere — and what the registries here serve (--check).
import { Command } from 'commander';
import { writeAtomic } from '../../lib/files.js';
import { table } from '../table.js';

export function sourcesCommand(): Command {
  return new Command('sources')
    .description('where every catalog version would come from here: the Go module proxy, PyPI, a git source, or nowhere')
    .option('-c, --config <file>', 'a matrix config whose sources: count too (over the user-level file)')
    .option('--check', 'ask the Go module proxy and PyPI (slow) instead of what this machine recorded')
    .option('--write', 'with --check: record what they serve on this machine ($CODEFLARE_MATRIX_HOME/availability.yaml), for plan and run')
    .option('--all', 'list every version, not only those that do not come from the registries')
    .option('--json', 'print as JSON')
    .action(async (o: { config?: string; check?: boolean; write?: boolean; all?: boolean; json?: boolean }) => {
      const [{ stringify }, { availabilityFile, loadCatalog }, { loadConfig }, { loadSources }, { checkSources, whereFrom }] = await Promise.all([
        import('yaml'), import('../../matrix/catalog/index.js'), import('../../matrix/config.js'), import('../components/git.js'), import('../components/where.js'),
      ]);
      const loaded = o.config ? loadConfig(o.config) : undefined;
      const sources = loadSources(loaded?.text, loaded?.path);
      const a = o.check || o.write ? await checkSources() : loadCatalog().availability;
      if (o.write && a) writeAtomic(availabilityFile(), `# Written by \`npx codeflare-matrix sources --check --write\`; what the registries reachable from this machine serve.\n${stringify({ availability: a })}`);
      const rows = await whereFrom(sources, a);
      if (o.json) return console.log(JSON.stringify({ sources, availability: { checked: a?.checked, where: a?.where }, versions: rows }, null, 2));
      const shown = o.all ? rows : rows.filter((r) => r.from === 'git' || r.from === 'nowhere' || r.detail);
      console.log(table(['component', 'version', 'from', 'detail'], shown.map((r) => [r.component, r.tag, r.from, r.detail])));
      const by = (s: string) => rows.filter((r) => r.from === s).length;
      const named = Object.entries(sources).map(([id, g]) => `${id} → ${g!.git}${g!.prefer === 'git' ? ' (prefer: git)' : ''}`);
      console.log(`\n${rows.length} versions: ${by('proxy')} from the Go module proxy, ${by('pypi')} from PyPI, ${by('git')} from git, ${by('nowhere')} from nowhere (registries checked ${a?.checked ?? 'never on this machine: every version taken as served'}${o.check ? ', now' : ''})`);
      console.log(named.length ? `git sources: ${named.join('; ')}` : 'git sources: none (name them in ~/.config/codeflare-matrix/sources.yaml, CODEFLARE_MATRIX_SOURCES, or a config\'s sources:)');
    });
}
