// The audit of the published history: the support-matrix block of the operator's README at every
// release tag (read from its git source), each declared version put beside what the operator at that
// tag carries (the catalog's record of what it compiles in or deploys, and its go.mod after
// `replace`), whether that version exists, and what ran and passed (results). Each row is
// confirmed, contradicted (and by what), or unverified (and why).
import { run } from '../lib/exec.js';
import { UserError } from '../lib/errors.js';
import { component, normalizeDeclared, type Catalog, type ComponentId } from '../matrix/catalog/index.js';
import { eraOf } from '../matrix/cell.js';
import { audit } from './audit.js';
import { END, HEADING, START } from './markdown.js';
import { parseBlock } from './readme.js';
import type { Results } from '../model/results.js';

export type Verdict = 'confirmed' | 'contradicted' | 'unverified';

export type HistoryRow = {
  release: string;
  date?: string;
  era?: string;
  /** What the README at the tag declares, per component. */
  declared: Partial<Record<ComponentId, string>>;
  /** What the operator at the tag carries, per component it compiles in or deploys, and where that is recorded. */
  carried: Partial<Record<ComponentId, { version: string; from: string }>>;
  verdict: Verdict;
  reasons: string[];
};

/** `require` and `replace` of a go.mod: module path → the version built (after a replace, with where it points). */
export function goModVersions(text: string): Map<string, { version: string; replacedBy?: string }> {
  const out = new Map<string, { version: string; replacedBy?: string }>();
  const lines = text.split('\n').map((l) => l.replace(/\/\/.*$/, '').trim());
  let block = '';
  for (const line of lines) {
    if (/^(require|replace)\s*\($/.test(line)) {
      block = line.split(/\s/)[0]!;
      continue;
    }
    if (line === ')') {
      block = '';
      continue;
    }
    const [kind, rest] = block ? [block, line] : [line.split(/\s+/)[0], line.replace(/^\S+\s+/, '')];
    if (kind === 'require') {
      const [path, version] = rest!.split(/\s+/);
      if (path && version && !out.get(path)?.replacedBy) out.set(path, { version });
    } else if (kind === 'replace') {
      const m = /^(\S+)(?:\s+\S+)?\s+=>\s+(\S+)(?:\s+(\S+))?$/.exec(rest!);
      if (m && m[3]) out.set(m[1]!, { version: m[3], ...(m[2] !== m[1] ? { replacedBy: m[2] } : {}) });
    }
  }
  return out;
}

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

export async function auditHistory(repo: string, catalog: Catalog, results: Results | undefined, o: { allowFlaky: boolean }): Promise<HistoryRow[]> {
  const tags = await run('git', ['-C', repo, 'tag', '--list']);
  if (!tags.ok) throw new UserError('not a git repository', repo, 'name a clone or mirror of project-codeflare/codeflare-operator (--git, or sources: codeflare-operator)');
  const have = new Set(tags.stdout.split('\n').map((t) => t.trim()));
  const op = component(catalog, 'codeflare-operator');
  const rows: HistoryRow[] = [];
  for (const v of op.versions) {
    const era = eraOf(catalog, { 'codeflare-operator': v.tag })?.id;
    const row: HistoryRow = { release: v.tag, ...(v.date ? { date: v.date } : {}), ...(era ? { era } : {}), declared: {}, carried: {}, verdict: 'unverified', reasons: [] };
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
    for (const [id, e] of Object.entries(parsed[0]!.versions)) row.declared[id as ComponentId] = e!.text;
    const contradictions: string[] = [];
    // (c) the version exists: a release the catalog knows (a README typo for a tag is named as such)
    for (const [key, text] of Object.entries(row.declared)) {
      const id = key as ComponentId;
      const c = component(catalog, id);
      const tag = normalizeDeclared(text);
      if (!c.versions.some((x) => x.tag === tag)) contradictions.push(`${c.title} ${text} is not a release of ${c.repo}`);
      else if (tag !== text) contradictions.push(`${c.title} "${text}" is no tag (a typo for ${tag})`);
    }
    // (a) what the operator at the tag carries: the catalog's record (compiled in or deployed), else its go.mod
    const mod = goModVersions((await show(repo, v.tag, 'go.mod')) ?? '');
    for (const c of catalog.components) {
      if (c.id === 'codeflare-operator' || c.source.kind !== 'go') continue;
      const bundled = v.bundles?.[c.id];
      const required = mod.get(c.source.module);
      if (bundled) row.carried[c.id] = { version: bundled, from: 'the catalog (what it compiles in or deploys)' };
      else if (required && !required.replacedBy) row.carried[c.id] = { version: required.version, from: `go.mod at ${v.tag}` };
      else if (required) row.carried[c.id] = { version: `${required.replacedBy} ${required.version}`, from: `go.mod at ${v.tag} (replace)` };
    }
    for (const [key, text] of Object.entries(row.declared)) {
      const id = key as ComponentId;
      const carried = row.carried[id];
      if (carried && carried.version !== normalizeDeclared(text)) contradictions.push(`declares ${component(catalog, id).title} ${text}; the operator at ${v.tag} ${carried.from.startsWith('go.mod') ? 'is built against' : 'carries'} ${carried.version} (${carried.from})`);
    }
    // (b) what ran and passed, as `audit` judges this README against the results
    let ran: ReturnType<typeof audit> | undefined;
    if (results) ran = audit(readme, `${v.tag}:README.md`, results, catalog, o);
    const failed = ran?.findings.filter((f) => f.startsWith('failed:') || f.startsWith('mismatch:')) ?? [];
    const untested = ran?.findings.filter((f) => f.startsWith('untested:')) ?? [];
    row.reasons.push(...new Set([...contradictions, ...failed.map((f) => f.replace(/^(failed|mismatch): [^:]+: /, ''))]));
    if (contradictions.length || failed.length) row.verdict = 'contradicted';
    else if (ran && ran.verified > 0 && !untested.length) row.verdict = 'confirmed';
    else row.reasons.push(...(results ? untested.map((f) => f.replace(/^untested: [^:]+: /, '')) : ['no results given']));
  }
  return rows.reverse(); // newest first
}
