// Install mode `process` (local provider): the component's own manifests at its version, rendered
// with kustomize and applied server-side — CRDs first, waited to Established — except the
// controller's Deployment, whose pod is played by the built binary running on the host under that
// Deployment's ServiceAccount (impersonated), so the component's shipped RBAC is what is tested.
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments, parseDocument, stringify } from 'yaml';
import { loadCatalog, component, type ComponentId } from '../../../matrix/catalog/index.js';
import { satisfies } from '../../../matrix/versions.js';
import { run } from '../../exec.js';
import { stopOwned, tail } from '../../processes.js';
import { makePki } from '../../providers/local/pki.js';
import type { Cluster, Log } from '../../providers/provider.js';
import { providerFor } from '../../providers/index.js';
import { writeAtomic } from '../../files.js';
import { defaultVersions, toolchainEntry } from '../../toolchain/index.js';
import type { Built, Provenance } from '../types.js';
import type { Sources } from '../git.js';
import { readPlayed, startPlayer, stopPlayer, type Player } from './player.js';
import type { ProcessMode } from '../../../matrix/catalog/index.js';
import { COMPONENT_LABEL, placeholders, playPod, type PodSpec } from './pod.js';
import { embedded } from '../provenance.js';
import { resolveSource } from '../source.js';

export { COMPONENT_LABEL } from './pod.js';

export type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any };

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

export type InstallContext = {
  cluster: Cluster;
  kubectl: string;
  log?: Log;
  timeoutMs?: number;
  /** Git sources, for components built while installing (played pods). */
  sources?: Sources;
  /** Components the cell names itself (an axis, a chain's dev), for the catalog's `config.when`. */
  chosen?: ComponentId[];
};

/** Fails with `why` when something listens on the port (on any interface, as a component binding ':port' would need). */
function portFree(port: number, why: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', () => reject(new Error(why)));
    s.listen(port, () => s.close(() => resolve()));
  });
}

const kubectlIn = (ctx: InstallContext, args: string[]) => run(ctx.kubectl, ['--kubeconfig', ctx.cluster.kubeconfig, ...args], { timeout: 300_000 });

/** The component's install manifests at its version, rendered by kustomize (kubectl's own) or helm (its chart, CRDs included). */
export async function render(ctx: InstallContext, id: ComponentId, built: Built): Promise<Obj[]> {
  const c = component(loadCatalog(), id);
  const layout = c.layouts.find((l) => satisfies(loadCatalog(), id, built.source.requested, l.range));
  if (!layout?.install) throw new Error(`the catalog has no install layout for ${id} ${built.source.requested}`);
  const chart = join(await vendored(ctx, id, built, layout.vendor), layout.install);
  const r =
    layout.renderer === 'helm'
      ? await run(toolchainEntry('helm', defaultVersions().helm).bin.helm!, ['template', id, chart, '--include-crds', '--namespace', layout.namespace ?? 'default'])
      : await run(ctx.kubectl, ['kustomize', ...(Object.keys(layout.vendor).length ? ['--load-restrictor', 'LoadRestrictionsNone'] : []), chart]);
  if (!r.ok) throw new Error(`rendering ${id} ${built.source.requested} (${layout.install}) failed: ${r.stderr.split('\n').filter((l) => !l.startsWith('# Warning')).slice(-5).join(' | ')}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj).filter((o) => o?.kind);
}

/**
 * The tree to render: the source itself, or, where the layout vendors another component's
 * manifests, a writable copy whose kustomizations point at that component's tree at the version
 * the binary carries (its go.mod's, read from the binary), as the release step would write them.
 */
async function vendored(ctx: InstallContext, id: ComponentId, built: Built, vendor: Record<string, { component: string; path: string }>): Promise<string> {
  if (!Object.keys(vendor).length) return built.source.dir;
  const copy = join(ctx.cluster.dir, 'components', id, 'render');
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copy, { recursive: true, mode: 0o700 });
  const cp = await run('cp', ['-r', `${built.source.dir}/.`, copy]);
  if (!cp.ok) throw new Error(`copying ${id}'s tree to render it: ${cp.stderr.trim()}`);
  await run('chmod', ['-R', 'u+w', copy]);
  for (const [at, v] of Object.entries(vendor)) {
    const other = v.component as ComponentId;
    const src = component(loadCatalog(), other).source;
    const version = (src.kind === 'go' && embedded(built.provenance, src.module)) || component(loadCatalog(), id).versions.find((x) => x.tag === built.source.tag)?.bundles?.[other];
    if (!version) throw new Error(`${id} ${built.source.requested}: ${at} names ${other}'s manifests, and neither its binary nor the catalog says which version`);
    const tree = await resolveSource(other, version, ctx.sources ?? {}, { gitRef: true });
    // kustomize takes no absolute root: relative to the kustomization, outside the tree (LoadRestrictionsNone)
    writeFileSync(join(copy, at, 'kustomization.yaml'), stringify({ resources: [relative(join(copy, at), join(tree.dir, v.path))] }));
    ctx.log?.(`${id} ${built.source.requested}: ${at} → ${other} ${version} ${v.path} (as its release step writes it)`);
  }
  return copy;
}

/** Server-side apply; CRDs first and waited to Established, since everything else may need them. */
export async function apply(ctx: InstallContext, dir: string, objs: Obj[], name: string): Promise<void> {
  const crds = objs.filter((o) => o.kind === 'CustomResourceDefinition');
  const rest = objs.filter((o) => o.kind !== 'CustomResourceDefinition');
  for (const [part, list] of [['crds', crds], ['objects', rest]] as const) {
    if (list.length === 0) continue;
    const file = join(dir, `${name}-${part}.yaml`);
    writeFileSync(file, list.map((o) => stringify(o)).join('---\n'));
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


export async function installProcess(ctx: InstallContext, id: ComponentId, built: Built): Promise<Installed> {
  const log = ctx.log ?? (() => {});
  const catalog = loadCatalog();
  const version = built.source.requested;
  const mode = component(catalog, id).process.find((p) => satisfies(catalog, id, version, p.range));
  if (!mode) throw new Error(`the catalog does not say how ${id} ${version} runs as a process`);
  const dir = join(ctx.cluster.dir, 'components', id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const objs: Obj[] = (await render(ctx, id, built)).map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [COMPONENT_LABEL]: id } } }));
  const named = (kind: string, name: string) => objs.find((o) => o.kind === kind && (o.metadata.name === name || o.metadata.name.endsWith(`-${name}`)));
  const deployment = named('Deployment', mode.deployment);
  if (!deployment) throw new Error(`${id} ${version}: no Deployment ${mode.deployment} in its install manifests`);

  const namespace = deployment.metadata.namespace ?? 'default';
  const { fill, ports, paths } = placeholders(dir, namespace, mode.webhooks?.certDir);
  // What the harness set beyond the shipped Deployment, said openly in what `installed` records.
  const settings: Record<string, string> = {};
  if (mode.config) {
    if (mode.config.create && !named('ConfigMap', mode.config.configMap)) {
      objs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: mode.config.configMap, namespace, labels: { [COMPONENT_LABEL]: id } }, data: { [mode.config.key]: '{}\n' } } as Obj);
      settings[`ConfigMap ${mode.config.configMap}`] = `made by the harness (${id} ${version} ships none; it would make one with its defaults)`;
    }
    const cm = named('ConfigMap', mode.config.configMap) as (Obj & { data?: Record<string, string> }) | undefined;
    const text = cm?.data?.[mode.config.key];
    if (!text) throw new Error(`${id} ${version}: no ConfigMap ${mode.config.configMap} with ${mode.config.key} in its install manifests`);
    const doc = parseDocument(text);
    const chosen = Object.entries(mode.config.when).filter(([other]) => ctx.chosen?.includes(other as ComponentId));
    for (const [other] of chosen) settings[`${other} named by the cell`] = Object.keys(mode.config.when[other]!).join(', ');
    for (const [path, value] of Object.entries({ ...mode.config.set, ...Object.assign({}, ...chosen.map(([, set]) => set)) })) {
      const filled = typeof value === 'string' ? await fill(value) : value;
      doc.setIn(path.split('.'), typeof filled === 'string' && /^\d+$/.test(filled) ? Number(filled) : filled);
      settings[`${cm!.metadata.name}: ${path}`] = String(filled);
    }
    if (mode.config.inCluster) cm!.data![mode.config.key] = doc.toString();
    else writeFileSync(paths.config, doc.toString(), { mode: 0o600 });
  }
  if (mode.webhooks) {
    // The apiserver calls the host process: a serving certificate for 127.0.0.1 and URL client configs.
    const services = objs.filter((o) => o.kind === 'Service').flatMap((o) => [`${o.metadata.name}.${o.metadata.namespace}.svc`, `${o.metadata.name}.${o.metadata.namespace}.svc.cluster.local`]);
    const pki = await makePki(join(dir, 'webhook-pki'), [], services, { rsa: true, caName: mode.webhooks.caName });
    mkdirSync(paths.certdir, { recursive: true, mode: 0o700 });
    // What a pod finds where its Deployment mounts the webhook Secret.
    writeFileSync(join(paths.certdir, 'ca.crt'), pki.ca);
    writeFileSync(join(paths.certdir, 'tls.crt'), pki.serving.cert);
    writeFileSync(join(paths.certdir, 'tls.key'), pki.serving.key, { mode: 0o600 });
    const secret = mode.webhooks.secret && named('Secret', mode.webhooks.secret);
    if (secret) {
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      const caKey = readFileSync(join(dir, 'webhook-pki', 'ca.key'), 'utf8');
      Object.assign(secret, { type: 'Opaque', data: { 'ca.crt': b64(pki.ca), 'ca.key': b64(caKey), 'tls.crt': b64(pki.serving.cert), 'tls.key': b64(pki.serving.key) } });
    }
    if (mode.webhooks.port) {
      ports.webhook = mode.webhooks.port;
      settings['webhook port'] = `${mode.webhooks.port} (fixed by ${id}'s code, on every interface)`;
      await portFree(mode.webhooks.port, `${id} ${version} serves its webhooks on port ${mode.webhooks.port} (fixed in its code) and that port is in use: another cell with ${id} on this host? run such cells one at a time (-j 1)`);
    }
    const base = `https://127.0.0.1:${await fill('{port:webhook}')}`;
    for (const o of objs.filter((x) => x.kind === 'MutatingWebhookConfiguration' || x.kind === 'ValidatingWebhookConfiguration')) {
      for (const w of (o as unknown as { webhooks?: { clientConfig: { service?: { path?: string }; url?: string; caBundle?: string } }[] }).webhooks ?? []) {
        w.clientConfig = { url: `${base}${w.clientConfig.service?.path ?? '/'}`, caBundle: Buffer.from(pki.ca).toString('base64') };
      }
    }
  }
  for (const [at, target] of Object.entries(mode.links)) {
    // Only where nothing valid is: another cluster's component may have made it (same role, any
    // valid file); a link whose cluster is gone is replaced.
    if (!existsSync(at)) {
      mkdirSync(dirname(at), { recursive: true });
      rmSync(at, { force: true });
      try {
        symlinkSync(await fill(target), at);
      } catch (e) {
        // Another cluster's install (cells run side by side) made it in between: any valid one serves.
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }
  const skipped = objs.filter((o) => mode.skip.includes(o.kind));
  if (skipped.length) log(`${id} ${version}: not applied out of cluster: ${skipped.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  const applied = objs.filter((o) => o !== deployment && !skipped.includes(o));
  // Namespaces that were there before (default, say) are shared: uninstall must not delete them.
  const before = (await kubectlIn(ctx, ['get', 'namespaces', '-o', 'name'])).stdout.split('\n').map((l) => l.replace('namespace/', ''));
  const owned = applied.filter((o) => !(o.kind === 'Namespace' && before.includes(o.metadata.name)));
  writeFileSync(join(dir, `${id}-owned.yaml`), owned.map((o) => stringify(o)).join('---\n'));
  log(`${id} ${version}: applying ${applied.length} objects from its own manifests`);
  await apply(ctx, dir, applied, id);
  const pod = deployment.spec.template.spec as PodSpec;
  const started = await playPod(ctx, { id, version, binary: built.binary, mode, pod, namespace, dir, fill, settings, cwd: mode.cwd === '{src}' ? built.source.dir : dir });
  const sa = started.serviceAccount;
  const installed: Installed = {
    component: id,
    version,
    mode: 'process',
    namespace,
    serviceAccount: sa,
    manifest: join(dir, `${id}-owned.yaml`),
    process: { pid: started.pid, log: started.log, ports, args: started.args },
    settings,
    provenance: built.provenance,
  };
  if (mode.plays.length) installed.player = startPlayer(ctx, dir, mode.plays);
  writeAtomic(join(dir, 'installed.json'), JSON.stringify(installed, null, 2) + '\n');
  if (mode.setup.length) await setupObjects(ctx, installed, mode, namespace);
  log(`${id} ${version}: ready (pid ${started.pid})`);
  return installed;
}


/** What the component's e2e setup applies once it runs; with a player, waited until the controllers those objects make run. */
async function setupObjects(ctx: InstallContext, installed: Installed, mode: ProcessMode, namespace: string): Promise<void> {
  const cluster = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition'];
  const objs = mode.setup.map((o) => ({ ...o, metadata: { ...o.metadata, ...(cluster.includes(o.kind) ? {} : { namespace: o.metadata.namespace ?? namespace }), labels: { [COMPONENT_LABEL]: installed.component } } }) as Obj);
  const dir = join(ctx.cluster.dir, 'components', installed.component);
  await apply(ctx, dir, objs, `${installed.component}-setup`);
  installed.settings.setup = objs.map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`).join(', ');
  // uninstalled with everything else the install made
  writeFileSync(installed.manifest, [readFileSync(installed.manifest, 'utf8'), ...objs.filter((o) => o.kind !== 'Namespace' || !o.metadata.namespace).map((o) => stringify(o))].join('---\n'));
  const player = installed.player;
  const expected = objs.filter((o) => !cluster.includes(o.kind) && o.apiVersion !== 'v1').length;
  if (!player) return;
  const deadline = Date.now() + (ctx.timeoutMs ?? 600_000);
  for (;;) {
    const played = readPlayed(player);
    const settled = played.filter((p) => p.phase !== 'building');
    if (settled.length >= expected && settled.length === played.length) {
      const failed = played.filter((p) => p.phase === 'failed');
      if (failed.length) throw new Error(`${installed.component} ${installed.version} deployed ${failed.map((p) => `${p.component} ${p.version} (${p.deployment})`).join(', ')}, which did not run: ${failed[0]!.error?.split('\n')[0]}`);
      ctx.log?.(`${installed.component} ${installed.version}: its controllers run: ${played.map((p) => `${p.component} ${p.version} (${p.deployment}, pid ${p.pid})`).join(', ')}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`${installed.component} ${installed.version}: the controllers its ${installed.settings.setup} deploy did not run in time (player log ${player.log}: ${tail(player.log, 3)})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Removes what the install made, in the order a controller needs: its custom resources while it
 * still runs (it removes their finalizers), then its webhook configurations, then the process,
 * then every other object (CRDs, RBAC, namespaces it created).
 */
export async function uninstall(ctx: InstallContext, installed: Installed): Promise<void> {
  const dir = join(ctx.cluster.dir, 'components', installed.component);
  const owned = parseAllDocuments(readFileSync(join(dir, `${installed.component}-owned.yaml`), 'utf8')).map((d) => d.toJS() as Obj).filter((o) => o?.kind);
  const step = async (what: string, args: string[]) => {
    const r = await kubectlIn(ctx, ['delete', '--ignore-not-found', '--wait=true', '--timeout=120s', ...args]);
    if (!r.ok) throw new Error(`uninstalling ${installed.component} ${installed.version}: ${what} left behind: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  };
  const crds = owned.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name);
  if (crds.length) await step('custom resources', [crds.join(','), '--all', '--all-namespaces']);
  const hooks = owned.filter((o) => o.kind.endsWith('WebhookConfiguration')).map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`);
  if (hooks.length) await step('webhook configurations', hooks);
  if (installed.player) await stopPlayer(installed.player);
  if (installed.process) await stopOwned(installed.process.pid, dir, 2000);
  const mode = component(loadCatalog(), installed.component).process.find((p) => satisfies(loadCatalog(), installed.component, installed.version, p.range));
  for (const at of Object.keys(mode?.links ?? {})) {
    try {
      if (readlinkSync(at).startsWith(`${dir}/`)) {
        rmSync(at); // ours: remove it (and the folders made for it, once empty); another cluster's: leave it
        for (let d = dirname(at); d !== '/' && readdirSync(d).length === 0; d = dirname(d)) rmdirSync(d);
      }
    } catch {
      /* not a link, or gone */
    }
  }
  await step('objects', ['-f', join(dir, `${installed.component}-owned.yaml`)]);
}

const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * Upgrade in place from an installed version to another build of the same component: the new
 * CRDs first (existing custom resources must survive them), then the old controller stops, the new
 * one is installed and started, and objects of the old version the new one no longer ships (a
 * namespace it moved from, say) are removed. Custom resources stay and are reconciled by the new one.
 */
export async function upgradeProcess(ctx: InstallContext, from: Installed, built: Built): Promise<Installed> {
  const id = from.component;
  const dir = join(ctx.cluster.dir, 'components', id);
  const old = parseAllDocuments(readFileSync(join(dir, `${id}-owned.yaml`), 'utf8')).map((d) => d.toJS() as Obj).filter((o) => o?.kind);
  const crds = (await render(ctx, id, built)).filter((o) => o.kind === 'CustomResourceDefinition');
  ctx.log?.(`${id}: upgrading ${from.version} → ${built.source.requested}, CRDs first`);
  await apply(ctx, dir, crds.map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [COMPONENT_LABEL]: id } } })), `${id}-upgrade`);
  if (from.process) await stopOwned(from.process.pid, dir, 2000);
  const next = await installComponent(ctx, id, built);
  const now = new Set(parseAllDocuments(readFileSync(join(dir, `${id}-owned.yaml`), 'utf8')).map((d) => d.toJS() as Obj).filter((o) => o?.kind).map(key));
  const stale = old.filter((o) => !now.has(key(o)) && o.kind !== 'CustomResourceDefinition');
  if (stale.length) {
    const file = join(dir, `${id}-stale.yaml`);
    writeFileSync(file, stale.map((o) => stringify(o)).join('---\n'));
    ctx.log?.(`${id}: removing ${stale.length} objects ${from.version} shipped and ${built.source.requested} does not`);
    await kubectlIn(ctx, ['delete', '--ignore-not-found', '--wait=true', '--timeout=120s', '-f', file]);
  }
  return next;
}

/**
 * Controllers run in pods where the provider loads images made here (kind: what runs is the binary
 * built and recorded) or where the cluster pulls release images (existing: its apiserver cannot
 * call webhooks on this host); on the local provider they run as host processes.
 */
export async function installComponent(ctx: InstallContext, id: ComponentId, built: Built): Promise<Installed> {
  const caps: readonly string[] = providerFor(ctx.cluster.provider).capabilities;
  if (caps.includes('load-images') || caps.includes('pull-images')) return (await import('./image.js')).installImage(ctx, id, built);
  return installProcess(ctx, id, built);
}

/**
 * Installs a stack: the given components in the catalog's install order (KubeRay before Kueue, so
 * Kueue activates its Ray integration), each from its own build. Returns what was installed, in order.
 */
export async function installStack(ctx: InstallContext, builds: Partial<Record<ComponentId, Built>>): Promise<Installed[]> {
  const order = loadCatalog().installOrder.filter((id) => builds[id]);
  const done: Installed[] = [];
  for (const id of order) done.push(await installComponent(ctx, id, builds[id]!));
  return done;
}

/** Uninstalls a stack in reverse install order. */
export async function uninstallStack(ctx: InstallContext, stack: Installed[]): Promise<void> {
  for (const installed of [...stack].reverse()) await uninstall(ctx, installed);
}
