// The audit of the published history: the support-matrix block of the operator's README at every
// release tag (read from its git source), each declared version put beside what the operator at that
// tag does with it (catalog `uses`: runs, deploys, or only compiles its API) and at which version
// (the binary built from the tag, else the packages its main package imports), whether that version
// exists, and what ran and passed (results), judged as `audit` judges a row. Each row is confirmed
// (maybe with notes), contradicted (and by what), or unverified (and why).
import { parseAllDocuments } from 'yaml';
import { admits, dropsUnknown, webhookDrops, type Crd, type Hook } from '../lib/crd.js';
import { run } from '../lib/exec.js';
import { UserError } from '../lib/errors.js';
import { component, normalizeDeclared, withRole, type Catalog, type ComponentId } from '../matrix/catalog/index.js';
import { eraOf } from '../matrix/cell.js';
import { auditRow, forkNotes, recordProblems, type Verdict } from './audit.js';
import { END, HEADING, START } from './markdown.js';
import { parseBlock } from './readme.js';
import type { Results } from '../model/results.js';
import { fromBinary, fromImports, moduleOf, usesAt } from './uses.js';

export { goModVersions } from './uses.js';
export type { Verdict } from './audit.js';

export type HistoryRow = {
  release: string;
  date?: string;
  era?: string;
  /** What the README at the tag declares, per component. */
  declared: Partial<Record<ComponentId, string>>;
  /** What the operator at the tag runs, deploys or compiles the API of, per component, and where that was read. */
  carried: Partial<Record<ComponentId, { version: string; use: string; from: string }>>;
  verdict: Verdict;
  reasons: string[];
  /** Client skew, typos for a tag, links to a fork: said, never a contradiction. */
  notes: string[];
};
/** The first tags' READMEs have the table under its heading but no markers yet: put them around it. */
function withMarkers(text: string): string {
  if (!text || text.includes(START)) return text;
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.trim() === HEADING);
  if (at < 0) return text;
  // the heading, blank lines, then the table's rows
  let end = at + 1;
  while (lines[end]?.trim() === '') end++;
  while (lines[end]?.trim().startsWith('|')) end++;
  return [...lines.slice(0, at), START, ...lines.slice(at, end), END, ...lines.slice(end)].join('\n');
}

async function show(repo: string, rev: string, path: string): Promise<string | undefined> {
  const r = await run('git', ['-C', repo, 'show', `${rev}:${path}`]);
  return r.ok ? r.stdout : undefined;
}

/** A component's CRDs at a version (its tree, as a build takes it); given by the caller, which can fetch trees. */
export type CrdsAt = (id: ComponentId, version: string) => Promise<Crd[]>;

export async function auditHistory(repo: string, catalog: Catalog, results: Results | undefined, o: { allowFlaky: boolean; crdsAt?: CrdsAt }): Promise<HistoryRow[]> {
  const tags = await run('git', ['-C', repo, 'tag', '--list']);
  if (!tags.ok) throw new UserError('not a git repository', repo, 'name a clone or mirror of project-codeflare/codeflare-operator (--git, or sources: codeflare-operator)');
  const have = new Set(tags.stdout.split('\n').map((t) => t.trim()));
  const op = withRole(catalog, 'operator');
  const main = op.source.kind === 'go' ? op.source.main : '.';
  const rows: HistoryRow[] = [];
  for (const v of op.versions) {
    const era = eraOf(catalog, { [op.id]: v.tag });
    const row: HistoryRow = { release: v.tag, ...(v.date ? { date: v.date } : {}), ...(era ? { era: era.id } : {}), declared: {}, carried: {}, verdict: 'unverified', reasons: [], notes: [] };
    rows.push(row);
    if (!have.has(v.tag)) {
      row.reasons.push(`no tag ${v.tag} in ${repo}`);
      continue;
    }
    const readme = withMarkers((await show(repo, v.tag, 'README.md')) ?? '');
    let parsed: ReturnType<typeof parseBlock> = [];
    try {
      parsed = readme ? parseBlock(readme, catalog, `${v.tag}:README.md`) : [];
    } catch {
      parsed = [];
    }
    if (!readme || !parsed.length) {
      row.reasons.push(`the README at ${v.tag} has no support matrix`);
      continue;
    }
    const declaredRow = parsed[0]!;
    for (const [id, e] of Object.entries(declaredRow.versions)) row.declared[id as ComponentId] = e!.text;
    const contradictions: string[] = [];

    // What the tag runs, deploys, or compiles the API of: the binary built from it, else its imports;
    // what it deploys, the images its defaults name (the catalog's bundles, checked at the tags).
    const uses = usesAt(catalog, v.tag);
    const compiled = fromBinary(catalog, results, v.tag) ?? (await fromImports(repo, v.tag, main));
    for (const c of catalog.components) {
      const use = uses[c.id];
      const mod = moduleOf(catalog, c.id);
      const inBinary = mod ? compiled?.modules.get(mod) : undefined;
      if (use === 'deploys' && v.bundles?.[c.id]) row.carried[c.id] = { version: v.bundles[c.id]!, use, from: 'the image its defaults deploy (the catalog)' };
      else if (use && inBinary) row.carried[c.id] = { version: inBinary, use: use === 'deploys' ? 'client' : use, from: compiled!.from };
    }
    for (const [key, text] of Object.entries(row.declared)) {
      const id = key as ComponentId;
      if (id === op.id) continue;
      const want = normalizeDeclared(text);
      const title = component(catalog, id).title;
      const carried = row.carried[id];
      if (era && !era.components.includes(id) && !era.optional.includes(id)) contradictions.push(`declares ${title} ${text}; the operator at ${v.tag} neither runs nor deploys it, and era ${era.id} installs none`);
      else if (uses[id] === 'runs' && compiled && !carried) contradictions.push(`declares ${title} ${text}; the operator at ${v.tag} does not compile it in (${compiled.from})`);
      else if (carried && carried.version !== want && carried.use !== 'client') contradictions.push(`declares ${title} ${text}; the operator at ${v.tag} ${carried.use === 'runs' ? 'runs' : 'deploys'} ${carried.version} (${carried.from})`);
      else if (carried && carried.version !== want) row.notes.push(`client skew: the operator at ${v.tag} compiles ${title}'s API at ${carried.version}, the row declares ${text} (${carried.from})`);
    }
    if (o.crdsAt) row.notes.push(...(await lostFields(repo, v.tag, compiled?.modules.get('sigs.k8s.io/controller-runtime'), row, catalog, o.crdsAt)));

    // What ran and passed, as `audit` judges this row against the results; without results, the record alone.
    const judged = results ? auditRow(declaredRow, results, catalog, o) : undefined;
    const record = recordProblems(declaredRow, catalog);
    // The tag's own reading above says what the operator runs and compiles; the cells' say it again
    // (their client skew notes), except what only a cell shows: fields a webhook removes.
    const fromCells = (judged?.contradictions ?? []).filter((c) => !/: the (operator binary runs|row declares .* neither runs)/.test(c));
    row.reasons.push(...new Set([...record.contradictions, ...contradictions, ...fromCells]));
    row.notes.push(...(judged ? judged.notes.filter((n) => !n.includes('client skew:')) : [...record.notes, ...forkNotes(declaredRow, catalog, undefined)]));
    row.notes = [...new Set(row.notes)];
    if (row.reasons.length) row.verdict = 'contradicted';
    else if (judged?.verdict === 'confirmed') row.verdict = 'confirmed';
    else row.reasons.push(...(judged ? judged.unverified : ['no results given']));
  }
  return rows.reverse(); // newest first
}

/**
 * Client skew that loses fields, read from the tag alone: its mutating webhooks (kubebuilder's
 * config/webhook/manifests.yaml) for a kind of a component whose API it compiles at another version
 * than the row declares, with controller-runtime before v0.20, remove the fields that version lacks
 * (lib/crd.ts); a cell of the row says the same from what it installed.
 */
async function lostFields(repo: string, tag: string, controllerRuntime: string | undefined, row: HistoryRow, catalog: Catalog, crdsAt: CrdsAt): Promise<string[]> {
  const cr = controllerRuntime?.split(' ').pop();
  if (!dropsUnknown(cr)) return [];
  const manifests = await show(repo, tag, 'config/webhook/manifests.yaml');
  if (!manifests) return [];
  const hooks = parseAllDocuments(manifests).map((d) => d.toJS() as { kind?: string; webhooks?: Hook[] }).filter((x) => x?.kind === 'MutatingWebhookConfiguration').flatMap((x) => x.webhooks ?? []);
  const out: string[] = [];
  for (const [key, carried] of Object.entries(row.carried)) {
    const id = key as ComponentId;
    const declared = row.declared[id];
    const want = declared && normalizeDeclared(declared);
    // a fork's module (a path beside the version) is no tree of the component's own
    if (!want || carried.use !== 'client' || carried.version === want || carried.version.includes(' ')) continue;
    const now = await crdsAt(id, want).catch(() => []);
    if (!admits(hooks, now)) continue;
    const title = component(catalog, id).title;
    for (const d of webhookDrops(hooks, now, await crdsAt(id, carried.version).catch(() => []))) {
      out.push(`client skew that loses fields: the operator at ${tag}'s mutating webhook ${d.webhook} re-encodes each ${d.kind} it admits with ${title}'s API at ${carried.version} (controller-runtime ${cr}): it removes what ${title} ${declared} added, ${d.fields.join(', ')}`);
    }
  }
  return out;
}
