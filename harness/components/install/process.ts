// Install mode `process` (local provider): the component's own manifests at its version, rendered
// with kustomize and applied server-side — CRDs first, waited to Established — except the
// controller's Deployment, whose pod is played by the built binary running on the host under that
// Deployment's ServiceAccount (impersonated), so the component's shipped RBAC is what is tested.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { type ComponentId } from '../../../matrix/catalog/index.js';
import { stopOwned } from '../../processes.js';
import { makePki } from '../../net/pki.js';
import { portTaken } from '../../net/ports.js';
import { writeAtomic } from '../../../lib/files.js';
import type { Built } from '../types.js';
import { clusterHost } from '../../providers/provider.js';
import { setupObjects, startPlayer, stopPlayer } from './player.js';
import { COMPONENT_LABEL, placeholders, playPod, type PodSpec } from './pod.js';
import { applyOwned, kubectlIn, prepare, type Installed, type Obj } from './common.js';
import { processMode, type InstallContext } from './context.js';


/** Install mode `process` (see above). */
export async function installProcess(ctx: InstallContext, id: ComponentId, built: Built): Promise<Installed> {
  const log = ctx.log ?? (() => {});
  const { version, mode, dir, objs, deployment, named } = await prepare(ctx, id, built);
  const namespace = deployment.metadata.namespace ?? 'default';
  const host = clusterHost(ctx.cluster);
  const { fill, ports, paths } = placeholders(dir, namespace, mode.webhooks?.certDir, host);
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
  // each webhook's URL here and the resources it is for
  let webhooks: { url: string; rules: Webhook['rules'] }[] | undefined;
  if (mode.webhooks) {
    // The apiserver calls the process: a serving certificate for its address and URL client configs.
    const services = objs.filter((o) => o.kind === 'Service').flatMap((o) => [`${o.metadata.name}.${o.metadata.namespace}.svc`, `${o.metadata.name}.${o.metadata.namespace}.svc.cluster.local`]);
    const pki = await makePki(join(dir, 'webhook-pki'), [], services, { rsa: true, caName: mode.webhooks.caName, ips: host === '127.0.0.1' ? [] : [host] });
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
      // Where cells share the host's network, another cell with this component (-j 2) holds it: wait
      // for that cell to finish, as pods would not have to; fail only past the install's limit. A
      // cluster with a network of its own has the port to itself.
      const deadline = Date.now() + (ctx.timeoutMs ?? 900_000);
      let waited = false;
      while (!ctx.cluster.network && (await portTaken(mode.webhooks.port, true))) {
        if (Date.now() > deadline) throw new Error(`${id} ${version} serves its webhooks on port ${mode.webhooks.port} (fixed in its code) and that port stayed in use: another cell with ${id} on this host? run such cells one at a time (-j 1)`);
        if (!waited) log(`${id} ${version}: port ${mode.webhooks.port} (fixed in its code) is in use, by another cell on this host: waiting for it`);
        waited = true;
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    const base = `https://${host}:${await fill('{port:webhook}')}`;
    webhooks = [];
    for (const o of objs.filter((x) => x.kind === 'MutatingWebhookConfiguration' || x.kind === 'ValidatingWebhookConfiguration')) {
      for (const w of (o as unknown as { webhooks?: Webhook[] }).webhooks ?? []) {
        w.clientConfig = { url: `${base}${w.clientConfig.service?.path ?? '/'}`, caBundle: Buffer.from(pki.ca).toString('base64') };
        webhooks.push({ url: w.clientConfig.url!, rules: w.rules });
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
  const manifest = await applyOwned(ctx, dir, id, version, objs.filter((o) => o !== deployment && !skipped.includes(o)));
  const pod = deployment.spec.template.spec as PodSpec;
  // Ready means every webhook for a resource this server has answers; one for a kind not installed
  // (Kueue's for MPIJob, without Kubeflow) its controller never registers.
  const has = webhooks && (await resourcesServed(ctx));
  const hooks = webhooks?.filter((w) => forServed(w.rules, has!)).map((w) => w.url);
  const started = await playPod(ctx, { id, version, binary: built.binary, mode, pod, namespace, dir, fill, settings, cwd: mode.cwd === '{src}' ? built.source.dir : dir, hooks });
  const sa = started.serviceAccount;
  const installed: Installed = {
    component: id,
    version,
    mode: 'process',
    namespace,
    serviceAccount: sa,
    manifest,
    process: { pid: started.pid, log: started.log, ports, args: started.args },
    settings,
    provenance: built.provenance,
  };
  if (mode.plays.length) installed.player = startPlayer(ctx, dir, mode.plays);
  writeAtomic(join(dir, 'installed.json'), JSON.stringify(installed, null, 2) + '\n');
  if (mode.setup.length) await setupObjects(ctx, installed, mode, namespace);
  log(`${id} ${version}: ready (pid ${started.pid}${hooks ? `, ${hooks.length} webhooks answering` : ''})`);
  return installed;
}

type Webhook = { clientConfig: { service?: { path?: string }; url?: string; caBundle?: string }; rules?: { apiGroups: string[]; resources: string[] }[] };

/** Whether a webhook's rules name a resource the server has (`plural.group`, or `plural` for the core group). */
export function forServed(rules: Webhook['rules'], has: Set<string>): boolean {
  return (rules ?? []).some((r) => r.resources.some((res) => r.apiGroups.some((g) => res === '*' || g === '*' || has.has(g ? `${res.split('/')[0]}.${g}` : res.split('/')[0]!))));
}

/** The resources the apiserver serves, as `kubectl api-resources -o name` names them (plural.group). */
async function resourcesServed(ctx: InstallContext): Promise<Set<string>> {
  const r = await kubectlIn(ctx, ['api-resources', '-o', 'name']);
  // a discovery error for one group (an aggregated API not up) still lists the rest
  return new Set(r.stdout.split('\n').filter(Boolean));
}

/** Stops the controller's host process (an upgrade's old version). */
export async function stopProcess(ctx: InstallContext, installed: Installed): Promise<void> {
  if (installed.process) await stopOwned(installed.process.pid, join(ctx.cluster.dir, 'components', installed.component), 2000);
}

/** Uninstall's part in process mode: the pod player, the controller's process, and the links its install made. */
export async function uninstallProcess(ctx: InstallContext, installed: Installed): Promise<void> {
  const dir = join(ctx.cluster.dir, 'components', installed.component);
  if (installed.player) await stopPlayer(installed.player);
  await stopProcess(ctx, installed);
  const mode = processMode(installed.component, installed.version);
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
}

