// `codeflare-matrix plan`: the cells a config gives, as a table, JSON, or a GitHub Actions matrix.
import { appendFileSync } from 'node:fs';
import { componentIds, strategyNames } from '../../matrix/ids.js';
import { Command, Option } from 'commander';
import type { ComponentId } from '../../matrix/catalog/index.js';
import type { Plan } from '../../matrix/planner/index.js';
import { upgradeSummary } from '../../matrix/cell.js';
import { defaultConfigPath } from '../../lib/paths.js';
import { fitColumns, table, terminalWidth } from '../table.js';
import { UserError } from '../../lib/errors.js';
import { checkOutput, writeAtomic } from '../../lib/files.js';
import { chainOption } from './options.js';


/** Marks after a version: how it got into the cell. */
const marks: Record<string, string> = { bundled: '*', paired: '+', 'chain-dev': '^', 'under-test': '!', published: '', axis: '' };

export const planFormats = ['table', 'wide', 'json', 'yaml', 'github-matrix'] as const;

/**
 * The plan as a table: a column per component in `cols` (id and header; the first is the cluster's).
 * `keep` is the column never left out (the operator's).
 */
export function renderPlan(p: Plan, cols: [ComponentId, string][], keep?: ComponentId, wide = false): string {
  const rows = p.cells.map((c) => [
    c.id,
    c.era,
    ...cols.map(([id]) => (c.versions[id] ? `${c.versions[id]}${marks[c.origin[id] ?? 'axis'] ?? ''}` : '')),
    [c.upgradeFrom ? `upgrade from ${upgradeSummary(c.versions, c.upgradeFrom)}` : '', ...c.needs.map((n) => `needs ${n}`), ...c.violations.map((v) => `✗ ${v.id}`), ...(c.notes?.some((n) => n.startsWith('its e2e ran on')) ? ['Kubernetes: not its e2e\'s (notes)'] : []), c.unavailable.length ? `not buildable here (${c.unavailable.length})` : '']
      .filter(Boolean)
      .join('; '),
  ]);
  const header = ['cell', 'era', ...cols.map(([, h]) => h), 'notes'];
  // Past the terminal's width, as kubectl leaves columns to -o wide: the notes first (said again
  // below the table), the era and the cluster (both in the cell id), then components whose every
  // version the operator fixes (*), then the others from the right; never `keep`.
  const components = cols.slice(1).map((_, i) => i + 3).filter((i) => cols[i - 2]![0] !== keep);
  const fixed = components.filter((i) => rows.some((r) => r[i]) && rows.every((r) => !r[i] || r[i]!.endsWith('*')));
  const drop = [header.length - 1, 1, 2, ...fixed, ...components.reverse()];
  const width = wide ? Infinity : terminalWidth();
  const hidden = header.length - fitColumns(header, rows, width, drop).length;
  const out = [
    `plan ${p.name}: strategy ${p.strategy}, provider ${p.provider}, ${p.cells.length} cell(s), ${Object.values(p.excludedCount).reduce((a, b) => a + b, 0)} excluded`,
    '',
    table(header, rows, width, drop),
    ...(hidden ? [`(${hidden} column${hidden === 1 ? '' : 's'} left out to fit ${width} columns: -o wide shows every column)`] : []),
    '',
    `columns: ${cols.map(([id, h]) => (h === id ? h : `${h} ${id}`)).join(' · ')}`,
    'marks: * fixed by the operator (compiled in or deployed by default)',
    '       + paired by the operator\'s published row',
    '       ^ dev (above the component under test)   ! under test',
  ];
  const flagged = p.cells.filter((c) => c.violations.length > 0);
  if (flagged.length) {
    out.push('', 'published rows that break a constraint (kept to re-verify the record):');
    for (const c of flagged) for (const v of c.violations) out.push(`  ${c.id}: [${v.id}] ${v.reason}`);
  }
  const unbuildable = p.cells.filter((c) => c.unavailable.length > 0);
  if (unbuildable.length) {
    out.push('', `cells this machine cannot build (what its registries answered, recorded by \`npx codeflare-matrix sources --check --write\`; \`npx codeflare-matrix sources\` says where each version would come from):`);
    for (const c of unbuildable) out.push(`  ${c.id}: ${c.unavailable.join('; ')}`);
  }
  if (p.excluded.length) {
    out.push('', `excluded, by rule: ${Object.entries(p.excludedCount).map(([r, n]) => `${r} ${n}`).join(', ')}`);
    for (const e of p.excluded.slice(0, 20)) out.push(`  ${e.title}`, ...e.reasons.map((r) => `      [${r.id}] ${r.reason}`));
    if (p.excluded.length > 20) out.push(`  … (--json lists up to 50 examples per rule)`);
  }
  if (p.uncoverable.length) out.push('', 'pairs no valid cell can hold:', ...p.uncoverable.map((u) => `  ${u}`));
  return out.join('\n');
}

/**
 * One GitHub Actions job per cell, or per shard of whole cells when there are more cells than jobs
 * allowed. Cells this machine's registries cannot build are left out (no runner is spent on a
 * known outcome) and listed with the reason, for the job summary. Each job says the Kubernetes
 * versions its cells run on: the only ones it builds, so its toolchain cache is keyed by them.
 */
export function githubMatrix(p: Plan, maxJobs: number): { include: Record<string, string>[]; leftOut: { cell: string; title: string; reason: string }[] } {
  const runnable = p.cells.filter((c) => c.unavailable.length === 0);
  const leftOut = p.cells.filter((c) => c.unavailable.length > 0).map((c) => ({ cell: c.id, title: c.title, reason: `not buildable here: ${c.unavailable.join('; ')}` }));
  const kubernetes = (cells: Plan['cells']) => [...new Set(cells.map((c) => c.versions.kubernetes ?? ''))].sort().join(',');
  if (runnable.length <= maxJobs) return { include: runnable.map((c) => ({ cell: c.id, era: c.era, title: c.title, kubernetes: kubernetes([c]) })), leftOut };
  const n = maxJobs;
  return {
    include: Array.from({ length: n }, (_, i) => {
      const cells = runnable.filter((_, j) => j % n === i);
      return { shard: `${i + 1}/${n}`, title: `shard ${i + 1}/${n}`, cells: cells.map((c) => c.id).join(','), kubernetes: kubernetes(cells) };
    }),
    leftOut,
  };
}

export function planCommand(): Command {
  return new Command('plan')
    .description('plan the cells of a matrix config (deterministic; each cell id derives from its contents)')
    .option('-c, --config <file>', 'matrix config (YAML)', defaultConfigPath)
    .addOption(new Option('-s, --strategy <name>', 'override the config strategy').choices(strategyNames))
    .option('--chain <component=path>', 'the chain strategy with this checkout of the component under test (over the config\'s chain)', chainOption)
    .option('--max-cells <n>', "the most cells the plan may have (over the config's maxCells, default 256)")
    // -o is a format, as in kubectl and helm; files go to --output-file
    .addOption(new Option('-o, --output <format>', 'what to print: table (fits the terminal), wide (every column), json, yaml, github-matrix').choices(planFormats).default('table'))
    .option('--json', 'the same as -o json')
    .option('--github-matrix', 'the same as -o github-matrix: a GitHub Actions strategy.matrix (include list, one job per cell)')
    .option('--max-jobs <n>', 'with -o github-matrix: jobs at most (GitHub allows 256)', '256')
    .option('--output-file <file>', 'also write the plan as JSON to this file (atomically)')
    .addOption(new Option('--out <file>').hideHelp())
    .addHelpText('after', '\nExit status: 0 planned, 2 bad input (the config, a selector, a plan over --max-cells).')
    .action(async (o: { config: string; strategy?: Plan['strategy']; output: (typeof planFormats)[number]; json?: boolean; githubMatrix?: boolean; maxJobs: string; maxCells?: string; chain?: ReturnType<typeof chainOption>; outputFile?: string; out?: string }) => {
      const format = o.githubMatrix ? 'github-matrix' : o.json ? 'json' : o.output;
      const file = o.outputFile ?? o.out;
      const maxJobs = Number(o.maxJobs);
      if (!Number.isInteger(maxJobs) || maxJobs < 1 || maxJobs > 256) throw new UserError(`--max-jobs ${o.maxJobs} is not a whole number from 1 to 256`, '--max-jobs', 'pass e.g. --max-jobs 64');
      const [{ component, loadCatalog, withRole }, { loadConfig }, { plan }, { loadSources }, { pickSuites }] = await Promise.all([import('../../matrix/catalog/index.js'), import('../../matrix/config.js'), import('../../matrix/planner/index.js'), import('../components/git.js'), import('../../suites/index.js')]);
      const maxCells = o.maxCells === undefined ? undefined : Number(o.maxCells);
      if (maxCells !== undefined && !(Number.isInteger(maxCells) && maxCells >= 1)) throw new UserError(`--max-cells ${o.maxCells} is not a whole number ≥ 1`, '--max-cells', 'pass e.g. --max-cells 500');
      if (file) checkOutput(file, o.outputFile ? '--output-file' : '--out');
      const loaded = loadConfig(o.config);
      // what run would refuse, plan refuses: a suite selector that picks nothing, said at its place
      // before anything is planned (upstream:under-test is the chain's own suite, known once planned)
      const asked = loaded.config.suites.map((s, i) => [s, i] as const).filter(([s]) => s !== 'upstream:under-test');
      pickSuites(asked.map(([s]) => s), (k) => loaded.place(`suites[${asked[k]![1]}]`) ?? `${loaded.path}: suites`);
      const catalog = loadCatalog();
      const p = plan(loaded, catalog, { strategy: o.strategy, maxCells, chain: o.chain, sources: loadSources(loaded.text, loaded.path) });
      pickSuites(p.run.suites, (i) => loaded.place(`suites[${i}]`) ?? `${loaded.path}: suites`);
      if (file) writeAtomic(file, JSON.stringify(p, null, 2) + '\n');
      if (format === 'github-matrix') {
        const { include, leftOut } = githubMatrix(p, maxJobs);
        console.log(JSON.stringify({ include }));
        const summary = process.env.GITHUB_STEP_SUMMARY;
        if (summary && leftOut.length) appendFileSync(summary, `### Cells left out of the job matrix (${leftOut.length})\n\n${leftOut.map((c) => `- \`${c.cell}\` ${c.title}: ${c.reason}`).join('\n')}\n\n`);
        for (const c of leftOut) process.stderr.write(`left out: ${c.cell}: ${c.reason}\n`);
      }
      else if (format === 'json') console.log(JSON.stringify(p, null, 2));
      else if (format === 'yaml') console.log((await import('yaml')).stringify(JSON.parse(JSON.stringify(p))));
      else {
        // the cluster, then the stack's components in their one order, each under the catalog's short name
        const cols = [withRole(catalog, 'cluster').id, ...componentIds].map((id): [ComponentId, string] => [id, component(catalog, id).short ?? id]);
        console.log(renderPlan(p, cols, withRole(catalog, 'operator').id, format === 'wide'));
        if (!catalog.availability) console.log('\nregistries not checked on this machine: every version is taken as served, and a build says what is refused (`npx codeflare-matrix sources --check --write` records what they serve, for plan and run)');
      }
    });
}
