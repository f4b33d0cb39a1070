// The matrix config: what to test. YAML, validated here; matrix/config.schema.json is generated
// from the same zod schema (npm run schema) so editors can check a config as it is typed.
import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, isNode, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { UserError } from '../lib/errors.js';
import { readInput } from '../lib/files.js';
import { componentIds, providerNames, strategyNames } from './ids.js';

const Selector = z
  .union([
    z.string().min(1).describe('a version: a tag (v1.3.2, "1.31"), `dev` (the default branch\'s head), a semver range (">=1.1 <1.3")'),
    z.strictObject({ newest: z.int().positive().describe('how many of the newest catalog versions'), range: z.string().optional().describe('among those in this semver range') }).describe('the newest N catalog versions'),
    z.strictObject({ path: z.string().min(1).describe('a checkout of the component (a module root); relative to the working directory') }).describe('code from a local checkout (a PR under test)'),
    z.strictObject({ ref: z.string().min(1).describe('a branch, tag or commit of the component\'s git source') }).describe('a git ref of the component\'s source'),
  ])
  .describe('which versions of a component: a version, a range, the newest N, a checkout or a git ref');
/** One selector or a list of them; a list is the union. */
const Axis = z.union([Selector, z.array(Selector).min(1, 'an axis needs at least one version')]).describe('one selector, or a list of them (their union); each value makes its own cells');

/** Durations as "90s", "5m", "1h" or a number of seconds. */
const Duration = z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration like 90s, 5m or 1h')]).describe('a duration: 90s, 5m, 1h, or a number of seconds');

export { componentIds } from './ids.js';

/** A component's git repository: its path, or the path and whether git is preferred over the proxy. */
export const GitSourceSpec = z.union([
  z.string().min(1).describe('a local git repository (clone, bare mirror, PR checkout); git is used for what the Go module proxy refuses'),
  z.strictObject({
    /** A local git repository: a clone, a bare mirror, a PR checkout. */
    git: z.string().min(1).describe('a local git repository: a clone, a bare mirror, a PR checkout'),
    /** proxy: git only for what the Go module proxy refuses; git: always from git. */
    prefer: z.enum(['proxy', 'git']).default('proxy').describe('proxy: git only for what the Go module proxy refuses; git: always from git'),
  }),
]);
/**
 * Git repositories by component (also in a user-level file, harness/components/git.ts), or by Go
 * module path for a library a component requires that the proxy refuses.
 */
export const SourcesSpec = z
  .record(z.union([z.enum(componentIds), z.string().regex(/^[a-z0-9.-]+\.[a-z]+\/[\w.~/-]+$/, 'a component id or a Go module path')]), GitSourceSpec)
  .describe('git repositories by component id, or by Go module path for a library a component requires (over ~/.config/codeflare-matrix/sources.yaml)');

export type GitSource = { git: string; prefer: 'proxy' | 'git'; /** file:line it was named at, for messages. */ at: string };
/**
 * By component id; also by Go module path, for a library the components require that the proxy
 * refuses (codeflare-operator v1.2.0 requires a codeflare-common pseudo-version it answers 403 for).
 */
export type Sources = Partial<Record<(typeof componentIds)[number], GitSource>> & Record<string, GitSource>;

const Versions = Object.fromEntries(['kubernetes', ...componentIds].map((id) => [id, z.string().min(1).optional().describe(`the ${id} version of this cell`)]));

/** In a chain config's suites: the own e2e suite of the component under test (PR gating), whichever it is. */
export const UNDER_TEST_SUITE = 'upstream:under-test';

export const MatrixConfig = z.strictObject({
  // The name starts the run folder's name (out/runs/<name>-<time>): no path separators, no dot-dot.
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name is up to 64 letters, digits, ".", "_" and "-", starting with a letter or digit (it names the run folder)')
    .default('matrix')
    .describe('the matrix\'s name: in run folders, results and reports'),
  provider: z.enum(providerNames).default('local').describe('where clusters come from: local (real control plane, fake nodes), kind (real nodes in Docker), existing (a kubeconfig)'),
  /** For the existing provider: a kubeconfig context. */
  context: z.string().optional().describe('existing provider: the kubeconfig context to use'),
  strategy: z.enum(strategyNames).default('full').describe('how cells are chosen: full (every valid combination), pairwise (every pair of values), chain (PCF-ADR-0003 PR gating), release (a candidate and its previous release), published (the published support-matrix rows)'),
  kubernetes: Axis.describe('the Kubernetes versions (a minor like "1.31" takes the toolchain\'s patch release)'),
  components: z.partialRecord(z.enum(componentIds), Axis).default({}).describe('an axis of versions per component; components not named are completed from the catalog (what the operator compiles in or deploys)'),
  /** chain: the component under test and where its code comes from (a tag, {ref}, or {path}). */
  chain: z.strictObject({ component: z.enum(componentIds).describe('the component under test'), ref: Selector.describe('where its code comes from: a tag, {ref}, or {path} of a checkout') }).optional().describe('chain strategy: the component under test; dev of every component above it in the chain'),
  /**
   * Extra cells beyond the strategy's, each a combination of concrete versions (as GitHub Actions'
   * matrix `include`): e.g. an era E stack (no operator) beside operator rows.
   */
  include: z
    .array(
      z.strictObject({
        ...Versions,
        /** An upgrade cell: these versions installed first, then upgraded in place to the others. */
        from: z.partialRecord(z.enum(componentIds), z.string().min(1)).optional().describe('an upgrade cell: these versions are installed first, then upgraded in place to the cell\'s'),
      }) as z.ZodType<Partial<Record<'kubernetes' | (typeof componentIds)[number], string>> & { from?: Partial<Record<(typeof componentIds)[number], string>> }>,
    )
    .default([])
    .describe('extra cells beyond the strategy\'s, each a combination of concrete versions (as a GitHub Actions matrix include)'),
  /** release: the candidate operator version (a published row) and, optionally, the previous one. */
  release: z.strictObject({ candidate: z.string().describe('the operator version to be tagged'), previous: z.string().optional().describe('the release before it (default: the published row before)') }).optional().describe('release strategy: the candidate operator version and the one before'),
  /** Git repositories to take components from where the Go module proxy refuses them (over the user-level file's). */
  sources: SourcesSpec.optional(),
  /** Suite tags to run ("*" for all that apply). */
  suites: z.array(z.string().min(1)).min(1).default(['*']).describe('suites to run, by name or glob ("*": every suite of ours that applies to a cell; "upstream:<component>" or "upstream:*": the components\' own e2e suites at the cell\'s versions; "upstream:under-test": with the chain strategy, the own e2e suite of the component under test, from its checkout)'),
  parallelism: z.int().positive().optional().describe('cells at once (each gets its own cluster); default: as many as the cores and the free memory allow (a cell\'s measured memory), said as the run starts'),
  /** The most cells a plan may have: a larger one is refused before anything runs (a mistyped axis, full where pairwise was meant). */
  maxCells: z.int().positive().default(256).describe('the most cells the plan may have; a larger plan is refused before anything runs'),
  baseline: z
    .union([
      z.string().min(1).describe('a results file (a path relative to this config) that each test that did not pass is looked up in (run --baseline overrides it)'),
      z.partialRecord(z.enum(componentIds), z.string().min(1).describe('a version: a tag, a minor, latest, stable, a range (its newest)')).describe('per component, the version its cells are judged against: a test that fails in a cell runs again on the same stack with these versions'),
    ])
    .optional()
    .describe('what each test that did not pass is labelled against (regression, already-failing, flaky, new): a results file, or versions per component; without it the strategy\'s (release, published: the row before; chain, a dev axis: the last release)'),
  retries: z.int().min(0).default(1).describe('retries of a failed test; a pass on a retry is flaky, not passed'),
  timeouts: z
    .strictObject({ provision: Duration.default('3m').describe('a cluster up and ready'), install: Duration.default('15m').describe('the stack built and installed'), test: Duration.default('5m').describe('one test') })
    .prefault({})
    .describe('time limits per cell phase'),
  /** Fake nodes of the local provider. */
  nodes: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z0-9-]+$/).describe('the node name'),
        cpu: z.string().default('32').describe('allocatable CPU'),
        memory: z.string().default('256Gi').describe('allocatable memory'),
        gpu: z.int().min(0).default(0).describe('nvidia.com/gpu the node offers'),
        labels: z.record(z.string(), z.string()).default({}).describe('node labels'),
      }),
    )
    .optional()
    .describe('local provider: the fake nodes (default: one plain, one with 4 GPUs)'),
  workers: z
    .int()
    .min(0)
    .max(4)
    .optional()
    .describe("kind provider: worker nodes beside the control plane in each cell's cluster (each node offers the host's CPUs); default: as many as the selected upstream suites' own clusters have, else none"),
});
export type MatrixConfig = z.infer<typeof MatrixConfig>;
export type SelectorSpec = z.infer<typeof Selector>;

/** A loaded config; `place` gives file:line:col of a dotted place in it (components.kuberay[0]), for messages. */
export type LoadedConfig = { config: MatrixConfig; path: string; hash: string; text: string; place: (dotted: string) => string | undefined };

export function seconds(d: number | string): number {
  if (typeof d === 'number') return d;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d)!;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/** Reads and validates a config file; every problem is a UserError naming file:line:col. */
export function loadConfig(path: string): LoadedConfig {
  const text = readInput(path, 'config', { what: 'cannot read the config file', fix: 'pass an existing file with --config' }).toString('utf8');
  return parseConfig(text, path);
}

/**
 * A parsed document's value. Aliases that expand to more than yaml's default limit allows are refused
 * as the resource-exhaustion attack they look like (a "billion laughs" file), in one line.
 */
export function yamlValue(doc: Document, path: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) throw new UserError('its aliases expand too far (over 100 times: an alias bomb?)', path, 'write the values out, or use fewer aliases (*name)');
    throw e;
  }
}

export function parseConfig(text: string, path: string): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return `${path}:${p.line}:${p.col}`;
  };
  const yamlError = doc.errors[0];
  if (yamlError) throw new UserError(`malformed YAML: ${yamlError.message.split('\n')[0]}`, at(yamlError.pos[0]), 'fix the YAML syntax at that place');
  const raw = yamlValue(doc, path);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    if (raw === null || raw === undefined) throw new UserError('the config is empty', path, 'write at least kubernetes: ["1.31"] (see matrix.yaml)');
    throw new UserError('the config must be a YAML mapping', path, 'see matrix.yaml for an example');
  }
  const parsed = MatrixConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = specific(parsed.error.issues[0]!);
    // An unknown key: point at it, and for components say which ones exist.
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const node = doc.getIn([...issue.path, ...(key ? [key] : [])] as (string | number)[], true) as Node | undefined;
    const where = isNode(node) && node.range ? at(node.range[0]) : path;
    const dotted = issue.path.join('.');
    const value = isNode(node) ? (node as { value?: unknown }).value : undefined;
    if (key !== undefined) {
      // components and a baseline's selector are keyed by component id
      const byComponent = ['components', 'baseline'].includes(dotted);
      const known = byComponent ? componentIds.join(', ') : Object.keys(MatrixConfig.shape).join(', ');
      throw new UserError(`unknown ${byComponent ? 'component' : 'key'} "${key}"${dotted ? ` in ${dotted}` : ''}`, where, `use one of: ${known}`);
    }
    if (issue.code === 'invalid_type' && issue.expected === 'string' && typeof value === 'number' && node?.range) {
      const source = text.slice(node.range[0], node.range[1]).trim();
      throw new UserError(`${dotted}: ${source} is read by YAML as the number ${value}, not a version`, where, `quote it: "${source}"`);
    }
    throw new UserError(`${dotted || 'config'}: ${issue.message}`, where, 'see matrix/config.schema.json for the allowed keys and values');
  }
  const hash = createHash('sha256').update(JSON.stringify(parsed.data)).digest('hex').slice(0, 16);
  const place = (dotted: string) => {
    const keys = dotted.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    const node = doc.getIn(keys, true) as Node | undefined;
    return isNode(node) && node.range ? at(node.range[0]) : undefined;
  };
  const twice = repeated(parsed.data);
  if (twice) throw new UserError(`${twice.list}: ${twice.value} is listed twice (also ${twice.list}[${twice.first}])`, place(`${twice.list}[${twice.at}]`) ?? path, 'remove the repeated entry: each value of a list makes its own cells once');
  return { config: parsed.data, path, hash, text, place };
}

/** The first value a list of the config repeats: a repeated axis value plans nothing new, so it is a mistake. */
function repeated(c: MatrixConfig): { list: string; value: string; first: number; at: number } | undefined {
  const lists: [string, unknown][] = [['kubernetes', c.kubernetes], ...Object.entries(c.components).map(([id, a]): [string, unknown] => [`components.${id}`, a]), ['suites', c.suites], ['include', c.include]];
  for (const [list, values] of lists) {
    if (!Array.isArray(values)) continue;
    const seen = new Map<string, number>();
    for (const [at, v] of values.entries()) {
      const key = JSON.stringify(v);
      const first = seen.get(key);
      if (first !== undefined) return { list, value: typeof v === 'string' ? `"${v}"` : key, first, at };
      seen.set(key, at);
    }
  }
  return undefined;
}

/** A union's own message is "Invalid input": say what the closest alternative wanted instead. */
function specific(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const nested = issue.errors.flat().map((i) => ({ ...specific(i), path: [...issue.path, ...i.path] }));
  return nested.find((i) => i.code !== 'invalid_type') ?? nested.sort((a, b) => b.path.length - a.path.length)[0]!;
}

/** The JSON Schema of the config, for editors (yaml-language-server) and other tools. */
export function configJsonSchema(): object {
  return z.toJSONSchema(MatrixConfig, { io: 'input' });
}
