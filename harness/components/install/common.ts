// What every install mode shares: the install's context and record, and preparing the manifests —
// the component's own, at its version, rendered (kustomize or helm) and applied server-side, CRDs
// first. The modes (process.ts, image.ts) differ only in how the controller's Deployment runs.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadCatalog, component, withRole, type ComponentId, type ProcessMode } from '../../../matrix/catalog/index.js';
import { satisfies } from '../../../matrix/versions.js';
import { run } from '../../../lib/exec.js';
import { kept, parseObjects, writeObjects } from '../../../lib/objects.js';
import { defaultVersions, toolchainEntry } from '../../toolchain/index.js';
import type { Built, Provenance } from '../types.js';
import { processMode, type InstallContext } from './context.js';
import { COMPONENT_LABEL } from './pod.js';
import { embedded } from '../../../model/results.js';
import { resolveSource } from '../source.js';

/**
 * The host ports a stack's controllers bind fixed, in code, when they run as host processes (the
 * catalog's `webhooks.port` and `hostPorts`), with the component that binds each: with the versions
 * they carry (bundles), since a compiled-in or deployed component binds its ports too.
 */
export function hostPorts(versions: Partial<Record<string, string>>): Map<number, string> {
  const catalog = loadCatalog();
  const held = new Map<number, string>();
  const add = (id: ComponentId, v: string) => {
    const mode = catalog.components.some((c) => c.id === id) ? processMode(id, v) : undefined;
    for (const port of [...(mode?.webhooks?.port ? [mode.webhooks.port] : []), ...(mode?.hostPorts ?? [])]) if (!held.has(port)) held.set(port, `${id} ${v}`);
  };
  for (const [id, v] of Object.entries(versions)) {
    if (!v || id === withRole(catalog, 'cluster').id) continue;
    add(id as ComponentId, v);
    const carried = catalog.components.find((c) => c.id === id)?.versions.find((x) => x.tag === v)?.bundles ?? {};
    for (const [other, ov] of Object.entries(carried)) if (!(other in versions) && ov) add(other as ComponentId, ov);
  }
  return held;
}

export type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any };

/** The pod player watching a controller's Deployments (player.ts); `network`: the cell's network namespace, where the played pods' own networks hang (stopPlayer removes them). */
export type Player = { pid: number; log: string; state: string; dir: string; network?: string };

export type Installed = {
  component: ComponentId;
  version: string;
  mode: 'process' | 'image';
  namespace?: string;
  serviceAccount?: string;
  /** Every object applied, to uninstall exactly these. */
  manifest: string;
  process?: { pid: number; log: string; ports: Record<string, number>; args: string[] };
  /** The pod player this controller's Deployments are played by (catalog `plays`), see player.ts. */
  player?: Player;
  /** Image mode: the controller image the Deployment runs, and its local image id. */
  image?: { image: string; id: string };
  /** What the harness set beyond the shipped Deployment (catalog `process.env`), said openly. */
  settings: Record<string, string>;
  provenance: Provenance;
};

export const kubectlIn = (ctx: InstallContext, args: string[]) => run(ctx.kubectl, ['--kubeconfig', ctx.cluster.kubeconfig, ...args], { timeout: 300_000 });

/** The component's install manifests at its version, rendered by kustomize (kubectl's own) or helm (its chart, CRDs included). */
export async function render(ctx: InstallContext, id: ComponentId, built: Built): Promise<Obj[]> {
  const catalog = loadCatalog();
  const c = component(catalog, id);
  const layout = c.layouts.find((l) => satisfies(catalog, id, built.source.requested, l.range));
  if (!layout?.install) throw new Error(`the catalog has no install layout for ${id} ${built.source.requested}`);
  const install = layout.install;
  const renderer = layout.renderer === 'helm' ? toolchainEntry('helm', defaultVersions().helm).bin.helm! : ctx.kubectl;
  // A tree at a fixed version (a module zip, a commit) renders alike every time with the same tool:
  // kept, since rendering and parsing KubeRay's 3 MB of CRDs takes seconds of every install.
  // A tree that vendors another component's manifests is copied and rewritten per install: not kept.
  const fixed = !built.source.dirty && (built.source.sum || built.source.commit) && !Object.keys(layout.vendor).length;
  const make = async () => {
    const chart = join(await vendored(ctx, id, built, layout.vendor), install);
    const r =
      layout.renderer === 'helm'
        ? await run(renderer, ['template', id, chart, '--include-crds', '--namespace', layout.namespace ?? 'default'])
        : await run(renderer, ['kustomize', ...(Object.keys(layout.vendor).length ? ['--load-restrictor', 'LoadRestrictionsNone'] : []), chart]);
    if (!r.ok) throw new Error(`rendering ${id} ${built.source.requested} (${layout.install}) failed: ${r.stderr.split('\n').filter((l) => !l.startsWith('# Warning')).slice(-5).join(' | ')}`);
    return parseObjects<Obj>(r.stdout);
  };
  return fixed ? kept(id, [built.source.resolved, built.source.sum, built.source.commit, built.source.dir, layout.install, layout.namespace, renderer], make) : make();
}

/**
 * The tree to render: the source itself, or, where the layout vendors another component's
 * manifests, a writable copy whose kustomizations point at that component's tree at the version
 * the binary carries (its go.mod's, read from the binary), as the release step would write them.
 */
async function vendored(ctx: InstallContext, id: ComponentId, built: Built, vendor: Record<string, { component: string; path: string; makeVar?: string }>): Promise<string> {
  if (!Object.keys(vendor).length) return built.source.dir;
  const copy = join(ctx.cluster.dir, 'components', id, 'render');
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copy, { recursive: true, mode: 0o700 });
  const cp = await run('cp', ['-r', `${built.source.dir}/.`, copy]);
  if (!cp.ok) throw new Error(`copying ${id}'s tree to render it: ${cp.stderr.trim()}`);
  await run('chmod', ['-R', 'u+w', copy]);
  const catalog = loadCatalog();
  for (const [at, v] of Object.entries(vendor)) {
    const other = v.component as ComponentId;
    const src = component(catalog, other).source;
    const named = (src.kind === 'go' && embedded(built.provenance, src.module)) || component(catalog, id).versions.find((x) => x.tag === built.source.tag)?.bundles?.[other] || (v.makeVar && makeVariable(built.source.dir, v.makeVar));
    // else the ref the kustomization itself names (a commit before the release step set it from the Makefile)
    const ref = named ? undefined : remoteRef(join(built.source.dir, at));
    const version = named || (ref && `ref:${ref}`);
    if (!version) throw new Error(`${id} ${built.source.requested}: ${at} names ${other}'s manifests, and neither its binary, the catalog${v.makeVar ? `, its Makefile's ${v.makeVar}` : ''} nor a ref in the kustomization says which version`);
    const tree = await resolveSource(other, version, ctx.sources ?? {}, { gitRef: true });
    // kustomize takes no absolute root: relative to the kustomization, outside the tree (LoadRestrictionsNone)
    writeFileSync(join(copy, at, 'kustomization.yaml'), stringify({ resources: [relative(join(copy, at), join(tree.dir, v.path))] }));
    ctx.log?.(`${id} ${built.source.requested}: ${at} → ${other} ${version} ${v.path} (as its release step writes it)`);
  }
  return copy;
}

/** A variable's default in a tree's Makefile (`MCAD_VERSION ?= v1.31.0`), if it sets one to a plain value. */
export function makeVariable(dir: string, name: string): string | undefined {
  const file = join(dir, 'Makefile');
  if (!existsSync(file)) return undefined;
  return new RegExp(`^${name}\\s*[?:]?=\\s*([^\\s$#]+)\\s*(#.*)?$`, 'm').exec(readFileSync(file, 'utf8'))?.[1];
}

/** The git ref a kustomization's remote resource names (`…/config/crd?ref=release-v1.31.0`), if one does. */
export function remoteRef(dir: string): string | undefined {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) return undefined;
  const resources = (parse(readFileSync(file, 'utf8')) as { resources?: unknown } | null)?.resources;
  return (Array.isArray(resources) ? resources : []).map((r) => /[?&]ref=([^&\s#]+)/.exec(String(r))?.[1]).find(Boolean);
}

/** Server-side apply; CRDs first and waited to Established, since everything else may need them. */
export async function apply(ctx: InstallContext, dir: string, objs: Obj[], name: string): Promise<void> {
  const crds = objs.filter((o) => o.kind === 'CustomResourceDefinition');
  const rest = objs.filter((o) => o.kind !== 'CustomResourceDefinition');
  for (const [part, list] of [['crds', crds], ['objects', rest]] as const) {
    if (list.length === 0) continue;
    const file = join(dir, `${name}-${part}.yaml`);
    writeObjects(file, list);
    const r = await kubectlIn(ctx, ['apply', '--server-side', '--force-conflicts', '--field-manager=codeflare-matrix', '-f', file]);
    if (!r.ok) throw new Error(`the API server rejected ${name} ${part}: ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    if (part === 'crds') {
      let w = await kubectlIn(ctx, ['wait', '--for=condition=Established', '--timeout=60s', ...list.map((o) => `crd/${o.metadata.name}`)]);
      // A CRD read before the apiserver first wrote its status has no conditions, and kubectl (1.31)
      // then fails at once ("accessor error") instead of waiting: ask again.
      for (let i = 0; i < 20 && !w.ok && /accessor error/.test(w.stderr); i++) {
        await new Promise((r) => setTimeout(r, 250));
        w = await kubectlIn(ctx, ['wait', '--for=condition=Established', '--timeout=60s', ...list.map((o) => `crd/${o.metadata.name}`)]);
      }
      if (!w.ok) throw new Error(`CRDs of ${name} not Established: ${w.stderr.trim()}`);
    }
  }
}


/**
 * What both modes start from: how the version runs (the catalog's `process`, which names the
 * controller's Deployment), the component's folder, its manifests rendered and labelled as its
 * own, and that Deployment among them.
 */
export async function prepare(ctx: InstallContext, id: ComponentId, built: Built): Promise<{ version: string; mode: ProcessMode; dir: string; objs: Obj[]; deployment: Obj; named: (kind: string, name: string) => Obj | undefined }> {
  const version = built.source.requested;
  const mode = processMode(id, version);
  if (!mode) throw new Error(`the catalog does not say how ${id} ${version} runs (its process: the controller's Deployment)`);
  const dir = join(ctx.cluster.dir, 'components', id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const objs: Obj[] = (await render(ctx, id, built)).map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [COMPONENT_LABEL]: id } } }));
  const named = (kind: string, name: string) => objs.find((o) => o.kind === kind && (o.metadata.name === name || o.metadata.name.endsWith(`-${name}`)));
  const deployment = named('Deployment', mode.deployment);
  if (!deployment) throw new Error(`${id} ${version}: no Deployment ${mode.deployment} in its install manifests`);
  return { version, mode, dir, objs, deployment, named };
}

/**
 * Applies the install's objects, having first written what it owns, to uninstall exactly these:
 * every one but the namespaces that were there before (default, say), which are shared.
 * Returns the file of what it owns.
 */
export async function applyOwned(ctx: InstallContext, dir: string, id: ComponentId, version: string, objs: Obj[]): Promise<string> {
  const before = (await kubectlIn(ctx, ['get', 'namespaces', '-o', 'name'])).stdout.split('\n').map((l) => l.replace('namespace/', ''));
  const owned = objs.filter((o) => !(o.kind === 'Namespace' && before.includes(o.metadata.name)));
  const manifest = join(dir, `${id}-owned.yaml`);
  writeObjects(manifest, owned);
  ctx.log?.(`${id} ${version}: applying ${objs.length} objects from its own manifests`);
  await apply(ctx, dir, objs, id);
  return manifest;
}
