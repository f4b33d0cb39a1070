// `codeflare-matrix catalog`: components, versions, eras, constraints and the chain, as the catalog holds them.
import { Command } from 'commander';
import type { ComponentId as Id } from '../../matrix/catalog/index.js';
import { table } from '../table.js';
import { UserError } from '../../lib/errors.js';

export function catalogCommand(): Command {
  return new Command('catalog')
    .description('show the component catalog: components and versions, eras, constraints, the dependency chain')
    .argument('[component]', 'one component in detail (an id the list shows)')
    .option('--json', 'print the catalog as JSON')
    .action(async (id: string | undefined, o: { json?: boolean }) => {
      const { loadCatalog, component, ComponentId } = await import('../../matrix/catalog/index.js');
      const catalog = loadCatalog();
      if (id !== undefined && !ComponentId.safeParse(id).success) {
        throw new UserError(`unknown component "${id}"`, 'catalog', `name one of: ${ComponentId.options.join(', ')}`);
      }
      if (o.json) return console.log(JSON.stringify(id ? component(catalog, id as Id) : catalog, null, 2));
      if (id) {
        const c = component(catalog, id as Id);
        const src = c.source.kind === 'go' ? `Go module ${c.source.module} (main ${c.source.main}${c.source.tagPrefix ? `, tags ${c.source.tagPrefix}vX` : ''})` : c.source.kind === 'pypi' ? `PyPI ${c.source.package}` : 'Kubernetes (toolchain)';
        console.log(`${c.title} (${c.id}) — github.com/${c.repo}\nsource: ${src}${c.image ? `\nimage: ${c.image.repository}:${c.image.tagPrefix}<version>` : ''}${c.channels.length ? `\nchannels: ${c.channels.join(', ')}` : ''}\n`);
        console.log(table(['version', 'date', 'carries', 'note'], c.versions.map((v) => [v.tag, v.date ?? '', Object.entries(v.bundles ?? {}).map(([k, x]) => `${k} ${x}`).join(', '), v.note ?? ''])));
        return;
      }
      console.log(table(['component', 'title', 'versions', 'oldest', 'newest', 'source'], catalog.components.map((c) => [
        c.id, c.title, String(c.versions.length), c.versions[0]!.tag, c.versions.at(-1)!.tag,
        c.source.kind === 'go' ? c.source.module : c.source.kind === 'pypi' ? `pypi:${c.source.package}` : 'toolchain',
      ])));
      console.log('\neras:\n' + table(['era', 'operator', 'components', 'title'], catalog.eras.map((e) => [e.id, e.operator ?? `none (sdk ${e.sdk})`, e.components.join(', '), e.title])));
      console.log('\nconstraints:\n' + catalog.constraints.map((c) => `  [${c.kind}] ${c.id}: ${c.reason}`).join('\n'));
      console.log('\nchain (PCF-ADR-0003; a change above ripples below):\n' + catalog.chain.edges.map((e) => `  ${e.from} → ${e.to}`).join('\n') + `\n  external: ${catalog.chain.external.join(', ')}`);
      console.log(`\ninstall order: ${catalog.installOrder.join(' → ')}`);
      console.log(`published rows: ${catalog.published.length} (${catalog.published[0]?.operator} … ${catalog.published.at(-1)?.operator})`);
    });
}
