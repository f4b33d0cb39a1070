// Playing a pod: a component's binary as a host process standing in for one pod of a Deployment —
// its arguments, environment and ServiceAccount — for installs (process mode) and the pod player.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { ComponentId, ProcessMode } from '../../../matrix/catalog/index.js';
import { RESTARTED, startProcess, stopOwned, tail } from '../../processes.js';
import { get, waitFor } from '../../net/http.js';
import { listening } from '../../net/ports.js';
import { clusterHost, type Cluster } from '../../providers/provider.js';
import { freePort } from '../../net/ports.js';
import type { InstallContext } from './context.js';
import { getFrom, type PodNetwork } from '../../net/podnet.js';

export const COMPONENT_LABEL = 'codeflare-matrix.io/component';

/**
 * Placeholders of the catalog's process data, for a controller's folder `dir`: {port:NAME} (a free
 * port, the same one each time), {host} (where the process serves: the cell's address, clusterHost, or
 * a played pod's own), {kubeconfig},
 * {config}, {certdir}, {namespace} (the Deployment's), {tmpdir} (the process's TMPDIR, where Go's
 * os.TempDir() points).
 */
export function placeholders(dir: string, namespace: string, certDir?: string, host = '127.0.0.1') {
  const ports: Record<string, number> = {};
  const tmpdir = join(dir, 'tmp');
  const paths = { kubeconfig: join(dir, 'kubeconfig'), config: join(dir, 'config.yaml'), certdir: certDir?.replace('{tmpdir}', tmpdir) ?? join(dir, 'certs'), namespace, tmpdir, host };
  mkdirSync(tmpdir, { recursive: true, mode: 0o700 });
  const fill = async (text: string): Promise<string> => {
    let out = text.replace(/\{(kubeconfig|config|certdir|namespace|tmpdir|host)\}/g, (_, k: keyof typeof paths) => paths[k]);
    for (const [, port] of text.matchAll(/\{port:(\w+)\}/g)) out = out.replace(`{port:${port}}`, String((ports[port!] ??= await freePort())));
    return out;
  };
  return { fill, ports, paths };
}

/** A kubeconfig that acts as the ServiceAccount: the admin identity impersonating it. */
function impersonating(cluster: Cluster, namespace: string, sa: string, path: string): string {
  const kc = parse(readFileSync(cluster.kubeconfig, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  for (const u of kc.users) {
    u.user.as = `system:serviceaccount:${namespace}:${sa}`;
    u.user['as-groups'] = ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
  }
  writeFileSync(path, stringify(kc), { mode: 0o600 });
  return path;
}

export type PodSpec = {
  serviceAccountName?: string;
  containers: { name?: string; args?: string[]; env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[]; envFrom?: { configMapRef?: { name: string } }[] }[];
};

/**
 * Plays a pod: the component's binary as a host process with the pod's arguments (the catalog's
 * flags in place of the same flags) and environment, under the pod's ServiceAccount (impersonated),
 * waited until its readiness endpoint answers. Shared by installs and by the pod player. With
 * `network` (a played pod's own, linked to the cell's namespace), it runs there, probed from the cell.
 */
export async function playPod(
  ctx: InstallContext,
  o: { id: ComponentId; version: string; binary: string; mode: ProcessMode; pod: PodSpec; namespace: string; dir: string; fill: (t: string) => Promise<string>; settings: Record<string, string>; cwd: string; envFrom?: Record<string, string>; network?: PodNetwork; /** webhook URLs that must answer (not 404) before it is ready */ hooks?: string[] },
): Promise<{ pid: number; log: string; args: string[]; serviceAccount: string }> {
  const { id, version, mode, pod, namespace, dir, fill, settings } = o;
  const sa = pod.serviceAccountName ?? 'default';
  const kubeconfig = impersonating(ctx.cluster, namespace, sa, await fill('{kubeconfig}'));
  const args: string[] = [];
  for (const a of mode.args) args.push(await fill(a));
  const flagOf = (a: string) => a.split('=')[0];
  // A sidecar may come first (kube-rbac-proxy, patched in by codeflare-operator@v0.0.4
  // config/default/manager_auth_proxy_patch.yaml): the catalog names the container where it matters.
  const container = (mode.container && pod.containers.find((c) => c.name === mode.container)) || pod.containers[0]!;
  const own = (container.args ?? []).filter((a) => !args.some((x) => flagOf(x) === flagOf(a)));
  const env: Record<string, string> = { ...o.envFrom, KUBECONFIG: kubeconfig };
  for (const [k, v] of Object.entries(mode.env)) settings[k] = env[k] = await fill(v);
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
  }
  const logFile = join(dir, `${id}.log`);
  ctx.log?.(`${id} ${version}: starting ${o.binary} as ${namespace}/${sa}`);
  const from = existsSync(logFile) ? statSync(logFile).size : 0; // what this start writes comes after
  // in a network namespace of its own (a played pod's) or its cell's, where the cell has one
  const netns = o.network?.netns ?? ctx.cluster.network?.netns;
  const started = startProcess(o.binary, [...own, ...args], { log: logFile, owner: dir, cwd: o.cwd, env, restart: true, netns });
  const restarted = () => RESTARTED.test(readFileSync(logFile, 'utf8').slice(from));
  const deadline = Date.now() + (ctx.timeoutMs ?? 120_000);
  if (mode.ready) {
    const host = o.network?.address ?? clusterHost(ctx.cluster);
    const url = `http://${host}:${await fill('{port:health}')}${mode.ready}`;
    // A pod's readiness gates the Service the apiserver calls its webhooks through; here the webhook
    // configurations point at the process, so ready also means its webhook server listens (some
    // start it after /readyz answers: codeflare-operator@v1.15.0 main.go sets the AppWrapper
    // webhooks up in a goroutine once the certificates are ready).
    const webhook = mode.webhooks ? Number(await fill('{port:webhook}')) : undefined;
    // A pod's own network is reached from its cell's namespace only: a probe process there (each a
    // node start, so a second apart, as a kubelet's probe period).
    const net = o.network;
    // A listening webhook server is not yet one that serves every path its configurations name:
    // kueue@v0.11.6 cmd/kueue/main.go answers /readyz once its certificates are ready and registers
    // the job integrations' webhooks after that, in a goroutine; until then a RayCluster's create
    // meets a 404. A POST of nothing gets 400 or a refusal from a registered path, 404 from another.
    const served = async () => {
      // (not the certificate's check: a rotator may have put its own CA in the configurations)
      for (const u of o.hooks ?? []) if ([0, 404].includes((await get(u, { rejectUnauthorized: false }, {})).status)) return false;
      return true;
    };
    const answers = async () => {
      if (!net) return (await get(url)).status === 200 && (!webhook || (await listening(webhook, host))) && (await served());
      const r = await getFrom(net.cell, url, webhook);
      return r.status === 200 && r.accepts;
    };
    const t0 = Date.now();
    try {
      await waitFor(answers, {
        intervalMs: net ? 1000 : 200,
        check: () => {
          if (started.exited() || restarted()) throw new Error(`${id} ${version} exited at start; last lines of ${logFile}:\n${tail(logFile)}`);
          if (Date.now() > deadline) throw new Error(`${id} ${version} not ready at ${url}${webhook ? ` with its webhook server on port ${webhook} serving ${o.hooks?.length ?? 0} webhook paths` : ''} in time; last lines of ${logFile}:\n${tail(logFile)}`);
        },
      });
    } catch (e) {
      await stopOwned(started.pid, dir, 1000);
      throw e;
    } finally {
      ctx.waited?.(Date.now() - t0);
    }
  }
  return { pid: started.pid, log: logFile, args: [...own, ...args], serviceAccount: sa };
}
