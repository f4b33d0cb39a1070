// The pod player. An operator of operators (codeflare-operator v0.0.4–v0.2.3) deploys other
// components as Deployments of its own, naming their images (codeflare-operator@v0.2.3
// controllers/defaults.go: mcad-controller:release-v1.34.1, instascale-controller:v0.0.8). Where no
// pod runs a process (the local provider's fake nodes), each such Deployment is played: the
// component the image names (the catalog's image repositories and tag prefixes), built at the
// image's version — from the Go module proxy or a git source — runs as a host process with the
// pod's arguments and environment, under the pod's ServiceAccount, and, where the cell has a network
// namespace, in a network of its own linked to the cell's (podnet.ts), as a pod has. One watcher per
// controller whose catalog process mode `plays` components; it is a process of its own (it outlives
// the setup that starts it), stopped with the controller, and writes what it played to a state file.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { component, loadCatalog, type ComponentId, type ProcessMode } from '../../../matrix/catalog/index.js';
import { run } from '../../../lib/exec.js';
import { writeAtomic } from '../../../lib/files.js';
import { readObjects, writeObjects } from '../../../lib/objects.js';
import { compiled, repoRoot } from '../../../lib/paths.js';
import { startProcess, stopProcesses, processesUnder, tail } from '../../processes.js';
import { apply, type Installed, type Obj, type Player } from './common.js';
import { buildComponent } from '../build.js';
import { resolveSource } from '../source.js';
import type { Built, Provenance } from '../types.js';
import { providerFor } from '../../providers/index.js';
import { standInImage } from './stand-in.js';
import { clusterHost } from '../../providers/provider.js';
import { processMode, type InstallContext } from './context.js';
import { COMPONENT_LABEL, placeholders, playPod, type PodSpec } from './pod.js';
import { makePodNetwork, removePodNetwork, removePodNetworksUnder, type PodNetwork } from '../../net/podnet.js';

/** One Deployment the player saw, and what it did with it. */
/** How long a played pod may take to answer its readiness endpoint. */
const READY_MS = 120_000;

export type Played = {
  deployment: string;
  uid: string;
  image: string;
  component: ComponentId;
  version: string;
  phase: 'building' | 'running' | 'failed' | 'stopped';
  pid?: number;
  log?: string;
  error?: string;
  /**
   * The pod's own network (a namespace linked to the cell's), where the cell has a namespace: every
   * port is its own there, as in a pod.
   */
  network?: PodNetwork;
  /**
   * The address the process could not bind because another process holds it: where the cell has
   * no network namespace (not root), played pods share the host's network, so a port a version
   * binds fixed (MCAD ≤ v1.33.0's metrics adapter, :8080) lets only one of them run there.
   */
  hostPort?: string;
  provenance?: Provenance;
};

/** The component and version an image reference names, among `ids` (repository, then tag prefix + version). */
export function imageComponent(image: string, ids: string[]): { id: ComponentId; version: string } | undefined {
  const at = image.lastIndexOf(':');
  if (at < 0 || image.slice(at).includes('/')) return undefined;
  const repository = image.slice(0, at);
  const tag = image.slice(at + 1);
  for (const c of loadCatalog().components) {
    if (!ids.includes(c.id) || c.image?.repository !== repository) continue;
    const prefix = c.image.tagPrefix;
    if (tag.startsWith(prefix) && /^v\d+\.\d+\.\d+/.test(tag.slice(prefix.length))) return { id: c.id, version: tag.slice(prefix.length) };
  }
  return undefined;
}

export function readPlayed(p: Player): Played[] {
  try {
    return JSON.parse(readFileSync(p.state, 'utf8')) as Played[];
  } catch {
    return [];
  }
}

/** Starts the watcher for the Deployments a controller makes; `dir` is the controller's folder. */
export function startPlayer(ctx: InstallContext, dir: string, plays: string[]): Player {
  const home = join(dir, 'played');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const args = join(home, 'player.json');
  const { log: _l, ...rest } = ctx;
  writeAtomic(args, JSON.stringify({ ctx: rest, plays, home }) + '\n', 0o600);
  const log = join(home, 'player.log');
  const me = fileURLToPath(import.meta.url);
  // compiled (dist/) it runs as is; from a checkout's sources through tsx
  const started = startProcess(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), me, args], { log, owner: home, cwd: repoRoot });
  ctx.log?.(`pod player started (pid ${started.pid}): Deployments with images of ${plays.join(', ')} are played by their binaries`);
  return { pid: started.pid, log, state: join(home, 'played.json'), dir: home, ...(ctx.cluster.network ? { network: ctx.cluster.network.netns } : {}) };
}

/** Stops the watcher, then every process it started, then their networks (by their marker: one made as it was killed too). */
export async function stopPlayer(p: Player): Promise<void> {
  await stopProcesses([p.pid], p.dir, 2000);
  await Promise.all(processesUnder(p.dir).map((x) => stopProcesses([x.pid], x.owner, 2000)));
  if (p.network) await removePodNetworksUnder(p.network, p.dir);
}

type DeploymentObj = { metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string> }; spec: { selector: { matchLabels: Record<string, string> }; template: { spec: PodSpec & { containers: { image: string; imagePullPolicy?: string }[] } } } };

async function main(argsFile: string): Promise<void> {
  const { ctx, plays, home } = JSON.parse(readFileSync(argsFile, 'utf8')) as { ctx: InstallContext; plays: string[]; home: string };
  const c: InstallContext = { ...ctx, log: (l) => console.log(`${new Date().toISOString()} ${l}`) };
  const kubectl = (args: string[]) => run(c.kubectl, ['--kubeconfig', c.cluster.kubeconfig, ...args], { timeout: 60_000 });
  const played = new Map<string, Played>();
  const save = () => writeAtomic(join(home, 'played.json'), JSON.stringify([...played.values()], null, 2) + '\n');
  save();
  for (;;) {
    const r = await kubectl(['get', 'deployments', '--all-namespaces', '-o', 'json']);
    const items = r.ok ? (JSON.parse(r.stdout) as { items: DeploymentObj[] }).items : [];
    const seen = new Set<string>();
    for (const d of items) {
      if (d.metadata.labels?.[COMPONENT_LABEL]) continue; // installed by the harness itself
      const image = d.spec.template.spec.containers[0]?.image ?? '';
      const named = imageComponent(image, plays);
      if (!named) continue;
      const key = `${d.metadata.namespace}/${d.metadata.name}`;
      seen.add(d.metadata.uid);
      if (played.get(key)?.uid === d.metadata.uid) continue;
      const entry: Played = { deployment: key, uid: d.metadata.uid, image, component: named.id, version: named.version, phase: 'building' };
      played.set(key, entry);
      save();
      try {
        entry.provenance = await play(c, d, entry, join(home, `${d.metadata.namespace}-${d.metadata.name}`), kubectl);
        entry.phase = 'running';
      } catch (e) {
        entry.phase = 'failed';
        entry.error = (e as Error).message;
        const held = /listen tcp (\S*:\d+): bind: address already in use/.exec(entry.error)?.[1];
        if (held) entry.hostPort = held;
        c.log?.(`${key}: ${entry.error}`);
      }
      save();
    }
    // A Deployment gone (its custom resource deleted): its process goes too.
    for (const p of played.values()) {
      if (p.phase !== 'running' || seen.has(p.uid) || !r.ok) continue;
      const dir = join(home, p.deployment.replace('/', '-'));
      await Promise.all(processesUnder(dir).map((x) => stopProcesses([x.pid], x.owner, 2000)));
      if (p.network) await removePodNetwork(p.network, dir);
      p.phase = 'stopped';
      c.log?.(`${p.deployment}: gone, its ${p.component} process stopped`);
      save();
    }
    await new Promise((res) => setTimeout(res, 1000));
  }
}

/** Builds the component the Deployment's image names and runs it as the Deployment's pod would. */
async function play(ctx: InstallContext, d: DeploymentObj, entry: Played, dir: string, kubectl: (a: string[]) => ReturnType<typeof run>): Promise<Provenance> {
  const { component: id, version } = entry;
  const images = !!providerFor(ctx.cluster.provider).images;
  const mode = processMode(id, version);
  if (!mode && !images) throw new Error(`${id} ${version} (image ${entry.image}): the catalog does not say how it runs as a process`);
  ctx.log?.(`${entry.deployment}: image ${entry.image} is ${id} ${version}: building`);
  const built = await buildComponent(await resolveSource(id, version, ctx.sources ?? {}), { sources: ctx.sources ?? {}, log: (l) => ctx.log?.(l) });
  if (images) return servedImage(ctx, d, entry, built, kubectl);
  if (!mode) throw new Error('unreachable');
  const namespace = d.metadata.namespace;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The pod's environment from ConfigMaps (envFrom), as the kubelet would give it.
  const envFrom: Record<string, string> = {};
  for (const ref of d.spec.template.spec.containers[0]?.envFrom ?? []) {
    if (!ref.configMapRef) continue;
    const cm = await kubectl(['get', 'configmap', '-n', namespace, ref.configMapRef.name, '-o', 'json']);
    if (cm.ok) Object.assign(envFrom, (JSON.parse(cm.stdout) as { data?: Record<string, string> }).data ?? {});
  }
  const settings: Record<string, string> = {};
  // A pod has a network of its own: where the cell has a namespace, so does the played pod, linked
  // to it; its address is where it serves ({host}).
  const cell = ctx.cluster.network?.netns;
  const network = cell ? (entry.network = await makePodNetwork(cell, dir)) : undefined;
  let started;
  try {
    const { fill } = placeholders(dir, namespace, undefined, network?.address ?? clusterHost(ctx.cluster));
    // Ready within two minutes, as a pod's readiness probe would have it; the install's own limit
    // (minutes, for builds) is not the pod's.
    started = await playPod({ ...ctx, timeoutMs: READY_MS }, { id, version, binary: built.binary, mode, pod: d.spec.template.spec, namespace, dir, fill, settings, cwd: dir, envFrom, network });
  } catch (e) {
    if (network) await removePodNetwork(network, dir); // playPod stopped the process, if it started it
    throw e;
  }
  entry.pid = started.pid;
  entry.log = started.log;
  ctx.log?.(`${entry.deployment}: ${id} ${version} running (pid ${started.pid}${network ? `, network namespace ${network.netns} at ${network.address}` : ''}, args ${started.args.join(' ')})`);
  const where = network
    ? ` with a network of its own, as a pod has (namespace ${network.netns} at ${network.address}, linked to the cell's ${network.cell})`
    : ' on the host\'s network, shared with the cell\'s other processes (no network namespaces here)';
  return { ...built.provenance, differences: [...built.provenance.differences, `played for Deployment ${entry.deployment} (image ${entry.image}) by the binary built here, as a host process${where}`] };
}

/**
 * Where pods run (kind): the image the Deployment names, made here from the binary built at the
 * version it names, laid out as the release image's Dockerfile has it (the catalog's image.binary),
 * loaded into the nodes under that name (served by the cluster's registry where it is pulled with
 * Always); its pods are replaced so the kubelet takes it at once rather than after a pull backoff.
 */
async function servedImage(ctx: InstallContext, d: DeploymentObj, entry: Played, built: Built, kubectl: (a: string[]) => ReturnType<typeof run>): Promise<Provenance> {
  const container = d.spec.template.spec.containers[0]!;
  const { id, standIn } = await standInImage(ctx, entry.component, built, { ...container, image: entry.image }, `Deployment ${entry.deployment}`);
  const { namespace, name } = d.metadata;
  const selector = Object.entries(d.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
  await kubectl(['delete', 'pods', '-n', namespace, '-l', selector, '--wait=false']);
  const r = await run(ctx.kubectl, ['--kubeconfig', ctx.cluster.kubeconfig, '-n', namespace, 'rollout', 'status', `deployment/${name}`, `--timeout=${READY_MS / 1000}s`], { timeout: READY_MS + 30_000 });
  if (!r.ok) {
    const pods = await kubectl(['describe', 'pods', '-n', namespace, '-l', selector]);
    throw new Error(`Deployment ${namespace}/${name} (${entry.image}) not available in ${READY_MS / 1000}s: ${pods.stdout.split('Events:').pop()?.trim().split('\n').slice(-4).join(' | ')}`);
  }
  ctx.log?.(`${entry.deployment}: ${entry.component} ${entry.version} running in its pod (image ${entry.image}, ${id.slice(7, 19)})`);
  return {
    ...built.provenance,
    imageDigest: id,
    differences: [...built.provenance.differences, standIn],
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && existsSync(process.argv[2] ?? '')) {
  main(process.argv[2]!).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

/** What the component's e2e setup applies once it runs; with a player, waited until the controllers those objects make run. */
export async function setupObjects(ctx: InstallContext, installed: Installed, mode: ProcessMode, namespace: string): Promise<void> {
  const cluster = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition'];
  const objs = mode.setup.map((o) => ({ ...o, metadata: { ...o.metadata, ...(cluster.includes(o.kind) ? {} : { namespace: o.metadata.namespace ?? namespace }), labels: { [COMPONENT_LABEL]: installed.component } } }) as Obj);
  const dir = join(ctx.cluster.dir, 'components', installed.component);
  await apply(ctx, dir, objs, `${installed.component}-setup`);
  installed.settings.setup = objs.map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`).join(', ');
  // uninstalled with everything else the install made
  writeObjects(installed.manifest, [...readObjects<Obj>(installed.manifest), ...objs.filter((o) => o.kind !== 'Namespace' || !o.metadata.namespace)]);
  const player = installed.player;
  const expected = objs.filter((o) => !cluster.includes(o.kind) && o.apiVersion !== 'v1').length;
  if (!player) return;
  const t0 = Date.now();
  const deadline = t0 + (ctx.timeoutMs ?? 600_000);
  for (;;) {
    const played = readPlayed(player);
    const settled = played.filter((p) => p.phase !== 'building');
    if (settled.length >= expected && settled.length === played.length) {
      const failed = played.filter((p) => p.phase === 'failed');
      if (failed.length) throw new Error(`${installed.component} ${installed.version} deployed ${failed.map((p) => `${p.component} ${p.version} (${p.deployment})`).join(', ')}, which did not run: ${failed[0]!.error?.split('\n')[0]}`);
      ctx.waited?.(Date.now() - t0);
      ctx.log?.(`${installed.component} ${installed.version}: its controllers run: ${played.map((p) => `${p.component} ${p.version} (${p.deployment}, pid ${p.pid})`).join(', ')}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`${installed.component} ${installed.version}: the controllers its ${installed.settings.setup} deploy did not run in time (player log ${player.log}: ${tail(player.log, 3)})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
