// Brings up a local cluster: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
// kwok as processes on the cluster's address (its network namespace's, or 127.0.0.1 where cells
// share the host's network), with the cluster's own PKI. Order: etcd and the apiserver
// together, then controller-manager, scheduler and kwok together, then fake nodes.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { UserError } from '../../../lib/errors.js';
import { startProcess, tail, type Started } from '../../processes.js';
import { toolchainEntry, defaultVersions } from '../../toolchain/index.js';
import { clusterHost, defaultNodes, type ClusterSpec, type Log } from '../provider.js';
import { saveState, type State } from '../state.js';
import { makePki, type Pki } from '../../net/pki.js';
import { freePort, portTaken } from '../../net/ports.js';
import { get, waitFor } from '../../net/http.js';
import { createNodes, waitNodesReady } from './nodes.js';
import { makeCellNetwork } from '../../net/netns.js';


function kubeconfig(pki: Pki, user: string, server: string): string {
  const pair = pki.client(user);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority-data': b64(pki.ca) } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(pair.cert), 'client-key-data': b64(pair.key) } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user } }],
    'current-context': 'local',
  });
}

/** kwok's stages (node-initialize, heartbeat, pod ready/complete/delete), shipped in the kwok module and kept with the toolchain. */
function kwokStages(dir: string): string {
  const stages = join(dir, 'stages');
  if (!existsSync(stages)) {
    throw new UserError('the kwok toolchain entry has no stages', dir, 'npx codeflare-matrix toolchain build --kwok --force');
  }
  return readdirSync(stages)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(join(stages, f), 'utf8').trim())
    .join('\n---\n');
}

export type Timing = Record<string, number>;

/** Starts every process of the cluster and waits until it serves pods on its fake nodes. */
export async function provision(state: State, spec: ClusterSpec, o: { log: Log; timeoutMs: number; ownNetwork?: boolean }): Promise<Timing> {
  let t0 = Date.now();
  const timing: Timing = {};
  const mark = (what: string) => (timing[what] = Date.now() - t0);
  const kube = toolchainEntry('kubernetes', spec.kubernetes);
  const pinned = defaultVersions();
  const etcd = toolchainEntry('etcd', pinned.etcd);
  const kwok = toolchainEntry('kwok', pinned.kwok);
  let deadline = t0 + o.timeoutMs;
  const dir = state.dir;
  const logs = join(dir, 'logs');

  if (o.ownNetwork) {
    // recorded as soon as its slot is claimed: destroy (on a signal, too) removes what the state names
    state.network = await makeCellNetwork(dir, (n) => saveState({ ...state, network: n }));
    saveState(state);
    // the start's clock runs from here: making the network is not the processes' start
    mark('network');
    t0 = Date.now();
    deadline = t0 + o.timeoutMs;
  } else if (spec.port !== undefined && (await portTaken(spec.port))) {
    throw new UserError(`port ${spec.port} on 127.0.0.1 is taken`, `cluster ${spec.name}`, 'pick another --port, or leave it out for a free one');
  }
  const host = clusterHost(state);
  const netns = state.network?.netns;
  const [etcdPort, peerPort, apiPort, kcmPort, schedPort, kwokPort] = [
    await freePort(), await freePort(), spec.port ?? (await freePort()), await freePort(), await freePort(), await freePort(),
  ];
  const pki = await makePki(join(dir, 'pki'), [
    { name: 'admin', cn: 'codeflare-matrix-admin', groups: ['system:masters'] },
    { name: 'kcm', cn: 'system:kube-controller-manager', groups: [] },
    { name: 'scheduler', cn: 'system:kube-scheduler', groups: [] },
    { name: 'kwok', cn: 'kwok-controller', groups: ['system:masters'] },
  ], [], { ips: host === '127.0.0.1' ? [] : [host] });
  const server = `https://${host}:${apiPort}`;
  const kc = (user: string) => {
    const p = join(dir, user === 'admin' ? 'kubeconfig' : `${user}.kubeconfig`);
    writeFileSync(p, kubeconfig(pki, user, server), { mode: 0o600 });
    return p;
  };
  const adminKc = kc('admin');
  const stages = join(dir, 'kwok.yaml');
  writeFileSync(stages, kwokStages(kwok.dir));
  const p = (f: string) => join(pki.dir, f);

  const started: Started[] = [];
  const start = (component: string, bin: string, args: string[], port?: number, env?: Record<string, string>) => {
    const s = startProcess(bin, args, { log: join(logs, `${component}.log`), owner: dir, cwd: dir, netns, ...(env ? { env } : {}) });
    started.push(s);
    state.processes.push({ component, pid: s.pid, log: s.log, port });
    saveState(state); // at once: a harness killed now still leaves the pid for the janitor
  };
  /** Fails fast with the component's last log lines when one of ours has exited. */
  const check = () => {
    state.processes.forEach((pr, i) => {
      if (started[i]!.exited()) throw new Error(`${pr.component} exited at start; last lines of ${pr.log}:\n${tail(pr.log)}`);
    });
    if (Date.now() > deadline) throw new Error(`the cluster did not become ready within ${o.timeoutMs / 1000}s`);
  };
  const wait = async (what: string, ready: () => Promise<boolean>) => {
    try {
      await waitFor(ready, { check, intervalMs: 100 });
    } catch (e) {
      const err = e as Error;
      if (!err.message.includes('within')) throw new Error(`${what}: ${err.message}`);
      // A timeout: which process is stuck is not always the one waited for (etcd slow under load,
      // say), so show the last lines of each.
      const tails = state.processes.map((x) => `--- ${x.component} (${x.log}):\n${tail(x.log, 8)}`).join('\n');
      throw new Error(`${what}: ${err.message}; last lines of each process:\n${tails}`);
    }
    mark(what);
  };

  o.log(`starting etcd ${pinned.etcd} and Kubernetes ${spec.kubernetes} on ${host}${netns ? ` (network namespace ${netns})` : ''} (apiserver port ${apiPort})`);
  start('etcd', etcd.bin.etcd!, [
    '--name=node0',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=http://${host}:${etcdPort}`,
    `--advertise-client-urls=http://${host}:${etcdPort}`,
    `--listen-peer-urls=http://${host}:${peerPort}`,
    `--initial-advertise-peer-urls=http://${host}:${peerPort}`,
    `--initial-cluster=node0=http://${host}:${peerPort}`,
    '--unsafe-no-fsync=true', // a test cluster: durability is not worth the latency
    '--auto-compaction-retention=1',
    '--log-level=warn',
  ], etcdPort);
  // The apiserver starts alongside etcd: it retries its etcd connection, and the overlap saves a second.
  start('kube-apiserver', kube.bin['kube-apiserver']!, [
    `--bind-address=${host}`,
    `--advertise-address=${host}`, // no default route needed (controller-runtime#1749)
    `--secure-port=${apiPort}`,
    `--etcd-servers=http://${host}:${etcdPort}`,
    `--tls-cert-file=${p('serving.crt')}`,
    `--tls-private-key-file=${p('serving.key')}`,
    `--client-ca-file=${p('ca.crt')}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${p('sa.pub')}`,
    `--service-account-signing-key-file=${p('sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--authorization-mode=Node,RBAC',
    '--allow-privileged=true',
    '--endpoint-reconciler-type=none', // Endpoints refuse 127.0.0.1; nothing here needs the kubernetes Service endpoints
    '--profiling=false',
    // A test cluster trades memory for CPU: installing a stack's CRDs (KubeRay's are 1 MB of schema)
    // is mostly the API server's garbage collection; at GOGC=400 it takes ~25% less CPU for ~30% more
    // memory (13.7 → 10.3 s, 520 → 680 MB, one era E cell, median of 3: docs/providers.md)
  ], apiPort, { GOGC: '400' });
  const tls = { ca: pki.ca, cert: pki.client('admin').cert, key: pki.client('admin').key };
  await wait('etcd ready', async () => (await get(`http://${host}:${etcdPort}/health`)).status === 200);
  await wait('kube-apiserver ready', async () => (await get(`${server}/readyz`, tls)).status === 200);
  // The controllers start once the apiserver has bootstrapped RBAC: before that their delegated
  // authentication lookup is refused and they exit (a kubelet would restart them; here nothing does).
  const controllerArgs = (user: string, port: number) => [
    `--kubeconfig=${kc(user)}`,
    `--authentication-kubeconfig=${join(dir, `${user}.kubeconfig`)}`,
    `--authorization-kubeconfig=${join(dir, `${user}.kubeconfig`)}`,
    `--bind-address=${host}`,
    `--secure-port=${port}`,
    '--leader-elect=false',
    '--authorization-always-allow-paths=/healthz,/readyz,/livez',
    // The default client rate limit (20 qps) spaces out the controller-manager's start by ~150 ms a
    // controller, and its informers only start after the last one: a test cluster has no one to protect.
    '--kube-api-qps=200',
    '--kube-api-burst=400',
  ];
  start('kube-controller-manager', kube.bin['kube-controller-manager']!, [
    ...controllerArgs('kcm', kcmPort),
    `--root-ca-file=${p('ca.crt')}`,
    `--service-account-private-key-file=${p('sa.key')}`,
    '--use-service-account-credentials=true',
    '--cluster-name=local',
  ], kcmPort);
  start('kube-scheduler', kube.bin['kube-scheduler']!, controllerArgs('scheduler', schedPort), schedPort);
  start('kwok', kwok.bin.kwok!, [
    `--kubeconfig=${kc('kwok')}`,
    `--config=${stages}`,
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    `--server-address=${host}:${kwokPort}`,
    '--node-lease-duration-seconds=40',
  ], kwokPort);

  o.log(`apiserver ready in ${((Date.now() - t0) / 1000).toFixed(1)}s; creating ${(spec.nodes ?? defaultNodes).length} fake node(s)`);
  await createNodes(adminKc, spec.nodes ?? defaultNodes);
  const local = { rejectUnauthorized: false }; // controllers serve self-signed health endpoints
  await Promise.all([
    wait('kube-controller-manager healthy', async () => (await get(`https://${host}:${kcmPort}/healthz`, local)).status === 200),
    wait('kube-scheduler healthy', async () => (await get(`https://${host}:${schedPort}/healthz`, local)).status === 200),
    wait('kwok healthy', async () => (await get(`http://${host}:${kwokPort}/healthz`)).status === 200),
  ]);
  // Ready for pods: nodes Ready (kwok) and the default ServiceAccount made (the controller-manager works).
  await wait('nodes ready', () => waitNodesReady(adminKc, (spec.nodes ?? defaultNodes).length));
  await wait('kube-controller-manager serviceaccounts', async () => (await get(`${server}/api/v1/namespaces/default/serviceaccounts/default`, tls)).status === 200);
  return timing;
}
