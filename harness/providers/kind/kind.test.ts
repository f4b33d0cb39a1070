// The kind provider, for real: the node image assembled here boots, reports the Kubernetes version
// it was built from and runs real containers; the janitor removes a kind cluster a killed run left;
// one matrix cell runs end to end with its controllers and Ray in real pods.
// Needs a Docker engine (bin/docker-up starts one; .ci/run calls it). Without one these tests are
// skipped, and say so.
import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api, KubeConfig, NetworkingV1Api, VersionApi } from '@kubernetes/client-node';
import { get } from 'node:http';
import { run } from '../../../lib/exec.js';
import { BUILDER_LABEL, docker, dockerOk, engine, strayBuildContainers } from '../../docker.js';
import { repoRoot } from '../../../lib/paths.js';
import { clusterDir, clusterNames, clustersDir, readState } from '../state.js';
import { processesUnder } from '../../processes.js';
import { certsDir } from './mirror.js';
import { janitor } from '../janitor.js';
import { readResults } from '../../../model/results.js';
import { until } from '../../testing.js';
import { workloadImages } from '../../../fixtures/objects.js';
import { workloadImage } from './workloads.js';
import { buildNodeImage } from './nodeimage.js';
import { KindProvider } from './provider.js';
import { kindName } from './provision.js';
import { IN_CLUSTER, servePackageIndex } from '../../net/package-index.js';
import { nameInCluster } from '../../suites/served.js';
import { kubectlFor } from '../../toolchain/index.js';

test.describe.configure({ mode: 'serial', timeout: 30 * 60_000 });

const KUBERNETES = 'v1.27.16';
const kindNodes = async (name: string) => (await docker(['ps', '-a', '--filter', `label=io.x-k8s.kind.cluster=${kindName(name)}`, '--format', '{{.Names}}'])).stdout.trim();

test.beforeAll(async () => {
  const e = await engine();
  test.skip(!e.ok, `kind needs a Docker engine and none answers here (${e.ok ? '' : e.why}); start one with bin/docker-up`);
});

test('the node image built offline boots as a control plane and a worker, reports its Kubernetes version, runs real containers that reach each other across nodes', async () => {
  const log: string[] = [];
  const image = await buildNodeImage(KUBERNETES, (l) => log.push(l));
  expect(image.tag).toBe(`codeflare-matrix/kind-node:${KUBERNETES}`);
  expect(image.images).toContain(`registry.k8s.io/kube-apiserver:${KUBERNETES}`);
  // pause under the name containerd's sandbox_image says (the engine keeps one per Kubernetes version): pods below run only if it is there
  expect(image.images.filter((i) => i.includes('pause'))).toEqual([expect.stringMatching(/^registry\.k8s\.io\/pause:\d+\.\d+$/)]);
  const kind = new KindProvider();
  const name = `kt-${process.pid}`;
  try {
    // a worker beside the control plane, as an upstream suite's own kind cluster has (AppWrapper's: 2)
    const cluster = await kind.create({ name, kubernetes: KUBERNETES, workers: 1, nodes: [{ name: 'n', cpu: '2', memory: '8Gi', gpu: 0, labels: { 'codeflare-matrix.io/pool': 'test' } }] });
    expect(readFileSync(cluster.kubeconfig, 'utf8')).toMatch(/server: https:\/\/127\.0\.0\.1:\d+/);
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    expect((await kc.makeApiClient(VersionApi).getCode()).gitVersion).toBe(KUBERNETES);
    const core = kc.makeApiClient(CoreV1Api);
    const nodes = (await core.listNode()).items;
    expect(nodes).toHaveLength(2);
    for (const node of nodes) {
      expect(node.status?.nodeInfo?.kubeletVersion).toBe(KUBERNETES);
      expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\/1\./);
      expect(node.metadata?.labels?.['codeflare-matrix.io/pool']).toBe('test');
      await until('node Ready', async () => (await core.readNode({ name: node.metadata!.name! })).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', 120_000);
    }
    // A container that really runs: busybox (Debian's busybox-static) loaded, a Job that must echo and exit 0.
    await workloadImage(workloadImages.busybox, () => {});
    await kind.loadImage(name, workloadImages.busybox);
    await core.createNamespace({ body: { metadata: { name: 'real' } } });
    await until('default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace: 'real' }));
    const batch = kc.makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({
      namespace: 'real',
      body: { metadata: { name: 'echo' }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: workloadImages.busybox, command: ['sh', '-c', 'echo ran-in-a-real-container'] }] } } } },
    });
    await until('Job complete', async () => (await batch.readNamespacedJob({ name: 'echo', namespace: 'real' })).status?.succeeded === 1, 180_000);
    const pod = (await core.listNamespacedPod({ namespace: 'real', labelSelector: 'job-name=echo' })).items[0]!;
    expect(await core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: 'real' })).toContain('ran-in-a-real-container');
    // Across nodes: a server on the control plane, a client on the worker, by pod address (each node
    // has its own pod subnet, routed through the other's address on kind's network).
    const [cp, worker] = [nodes.find((n) => n.metadata?.labels?.['node-role.kubernetes.io/control-plane'] !== undefined)!, nodes.find((n) => n.metadata?.labels?.['node-role.kubernetes.io/control-plane'] === undefined)!];
    const tolerate = [{ operator: 'Exists' }];
    await core.createNamespacedPod({ namespace: 'real', body: { metadata: { name: 'srv', labels: { app: 'srv' } }, spec: { nodeName: cp.metadata!.name!, tolerations: tolerate, containers: [{ name: 'c', image: workloadImages.busybox, command: ['sh', '-c', 'mkdir -p /w && echo served-across-nodes > /w/index.html && httpd -f -p 8080 -h /w'] }] } } });
    await until('server Running', async () => (await core.readNamespacedPod({ name: 'srv', namespace: 'real' })).status?.phase === 'Running', 120_000);
    const srvIp = (await core.readNamespacedPod({ name: 'srv', namespace: 'real' })).status!.podIP!;
    await core.createNamespacedPod({ namespace: 'real', body: { metadata: { name: 'client' }, spec: { nodeName: worker.metadata!.name!, restartPolicy: 'Never', containers: [{ name: 'c', image: workloadImages.busybox, command: ['sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 10 ${srvIp} 8080`] }] } } });
    await until('client done', async () => ['Succeeded', 'Failed'].includes((await core.readNamespacedPod({ name: 'client', namespace: 'real' })).status?.phase ?? ''), 120_000);
    expect(await core.readNamespacedPodLog({ name: 'client', namespace: 'real' })).toContain('served-across-nodes');
    // The harness's package index by its name inside the cluster (what the PyTorch image carries for
    // tags whose Job has no index knob): a Service whose endpoint is the host's address on kind's network.
    const index = await servePackageIndex({ wheelhouses: [], host: await kind.images.hostAddress() });
    const unname = await nameInCluster(index, { kubeconfig: cluster.kubeconfig, kubectl: kubectlFor(KUBERNETES) });
    try {
      await core.createNamespacedPod({ namespace: 'real', body: { metadata: { name: 'index' }, spec: { nodeName: worker.metadata!.name!, restartPolicy: 'Never', containers: [{ name: 'c', image: workloadImages.busybox, command: ['sh', '-c', `wget -q -O - http://${IN_CLUSTER.host}/simple/`] }] } } });
      await until('index client done', async () => ['Succeeded', 'Failed'].includes((await core.readNamespacedPod({ name: 'index', namespace: 'real' })).status?.phase ?? ''), 120_000);
      expect(await core.readNamespacedPodLog({ name: 'index', namespace: 'real' })).toContain('<title>Simple index</title>');
    } finally {
      await unname();
      await index.close();
    }
    // An Ingress with no class, as the operator makes its Ray dashboard's: the cluster's ingress
    // controller (Traefik, built here) gives it the node's address and routes its host, which the host
    // reaches with the controller as its HTTP proxy (what a suite gets as HTTP_PROXY).
    await core.createNamespacedService({ namespace: 'real', body: { metadata: { name: 'srv' }, spec: { selector: { app: 'srv' }, ports: [{ port: 80, targetPort: 8080 }] } } });
    const networking = kc.makeApiClient(NetworkingV1Api);
    await networking.createNamespacedIngress({ namespace: 'real', body: { metadata: { name: 'srv' }, spec: { rules: [{ host: 'srv-real.kind', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'srv', port: { number: 80 } } } }] } }] } } });
    const ingress = await kind.ingress(name, (l) => log.push(l));
    expect(ingress.controller).toMatchObject({ name: 'traefik', module: 'github.com/traefik/traefik/v3', image: expect.stringMatching(/^codeflare-matrix\/traefik:v\d+\.\d+\.\d+$/), digest: expect.stringMatching(/^sha256:/) });
    const proxy = new URL(ingress.proxy);
    const cpAddress = cp.status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    expect(proxy.hostname).toBe(cpAddress);
    await until('the Ingress has the node\'s address', async () => (await networking.readNamespacedIngress({ name: 'srv', namespace: 'real' })).status?.loadBalancer?.ingress?.[0]?.ip === cpAddress, 60_000);
    // absolute-form, as Go's http.Client sends through HTTP_PROXY
    const viaProxy = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        get({ host: proxy.hostname, port: Number(proxy.port), path: `http://${host}/`, headers: { host }, timeout: 10_000 }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });
    expect((await until('the Ingress host answers through the proxy', async () => { const r = await viaProxy('srv-real.kind').catch(() => undefined); return r?.status === 200 && r; }, 60_000)).body).toContain('served-across-nodes');
    // a host no Ingress names is not routed
    expect((await viaProxy('nothing-here.kind')).status).toBe(404);
    // asked again, the same controller (not a second install)
    expect((await kind.ingress(name)).proxy).toBe(ingress.proxy);
    // An image pulled with Always (:latest) cannot be satisfied by a loaded image: the cluster's own
    // registry serves it by its name, through the node's containerd mirror (hosts.toml in certs.d).
    const latest = 'quay.io/codeflare-matrix-test/tiny:latest';
    await docker(['tag', workloadImages.busybox, latest]);
    await kind.loadImage(name, latest);
    expect(readFileSync(join(certsDir(name), 'quay.io', 'hosts.toml'), 'utf8')).toMatch(/\[host\."http:\/\/[\d.]+:\d+/);
    await core.createNamespacedPod({
      namespace: 'real',
      body: { metadata: { name: 'always' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: latest, imagePullPolicy: 'Always', command: ['sh', '-c', 'echo pulled-from-the-mirror'] }] } },
    });
    await until('pod pulled with Always succeeded', async () => (await core.readNamespacedPod({ name: 'always', namespace: 'real' })).status?.phase === 'Succeeded', 180_000);
    expect(await core.readNamespacedPodLog({ name: 'always', namespace: 'real' })).toContain('pulled-from-the-mirror');
    // A version tag pulled with Always (era A's operator deploys MCAD so): served the same way when the load says so.
    const pinned = 'quay.io/codeflare-matrix-test/tiny:v0.0.1';
    await docker(['tag', workloadImages.busybox, pinned]);
    await kind.loadImage(name, pinned, 'Always');
    await core.createNamespacedPod({
      namespace: 'real',
      body: { metadata: { name: 'always-pinned' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: pinned, imagePullPolicy: 'Always', command: ['sh', '-c', 'echo pinned-from-the-mirror'] }] } },
    });
    await until('pod of a version tag pulled with Always succeeded', async () => (await core.readNamespacedPod({ name: 'always-pinned', namespace: 'real' })).status?.phase === 'Succeeded', 180_000);
    const registry = processesUnder(clusterDir(name)).map((p) => p.pid);
    expect(registry.length).toBeGreaterThan(0);
    // Logs come out with kind's own exporter: the node's journal, kubelet and containerd.
    const out = mkdtempSync(join(tmpdir(), 'cfm-kind-logs-'));
    const files = await kind.exportLogs(name, out);
    expect(files.some((f) => f.endsWith('kubelet.log'))).toBe(true);
    rmSync(out, { recursive: true, force: true });
  } finally {
    await kind.destroy(name);
  }
  expect(await kindNodes(name)).toBe('');
  expect(clusterNames()).not.toContain(name);
  // the cluster's registry went with it
  expect(processesUnder(clustersDir()).filter((p) => p.owner.startsWith(clusterDir(name)))).toEqual([]);
  await docker(['rmi', 'quay.io/codeflare-matrix-test/tiny:latest', 'quay.io/codeflare-matrix-test/tiny:v0.0.1']);
});

test('the janitor removes a kind cluster whose run was killed, with or without its folder', async () => {
  const kind = new KindProvider();
  // The run that owns them: alive while they are made, then killed.
  const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
  const owner = sleeper.pid!;
  const a = `kj-a-${process.pid}`;
  const b = `kj-b-${process.pid}`;
  await kind.create({ name: a, kubernetes: KUBERNETES, owner });
  await kind.create({ name: b, kubernetes: KUBERNETES, owner });
  // b's folder is gone too, as if the run died between `kind create` and writing its state.
  rmSync(clusterDir(b), { recursive: true, force: true });
  expect(readState(a)?.owner).toBe(owner);
  sleeper.kill('SIGKILL');
  await until('the owner gone', async () => sleeper.exitCode !== null || sleeper.signalCode !== null);
  const removed = await janitor();
  expect(removed).toEqual(expect.arrayContaining([a, kindName(b)]));
  expect(await kindNodes(a)).toBe('');
  expect(await kindNodes(b)).toBe('');
});

test('a stray build container is one whose own builder label names a process gone, never one that inherited the label from its image', async () => {
  // docker commit keeps the build container's labels: every container of an image made here carries its builder's.
  const node = (await dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=codeflare-matrix/kind-node'])).trim().split('\n')[0]!;
  const gone = '999999999:0';
  const build = `cfm-probebuild-${process.pid}`;
  const image = `codeflare-matrix/janitor-probe:${process.pid}`;
  const child = `cfm-probe-${process.pid}`;
  try {
    await dockerOk(['create', '--name', build, '--label', `${BUILDER_LABEL}=${gone}`, node]);
    await dockerOk(['commit', build, image]);
    await dockerOk(['create', '--name', child, image]);
    const strays = await strayBuildContainers();
    expect(strays).toContain(build);
    expect(strays).not.toContain(child);
  } finally {
    await docker(['rm', '-f', build, child]);
    await docker(['rmi', '-f', image]);
  }
});

test('one matrix cell end to end on kind: controllers and Ray in real pods, the dashboard answers', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cfm-kind-run-'));
  const r = await run('node', [join(repoRoot, 'bin/codeflare-matrix.js'), 'run', '-c', join(repoRoot, 'matrix-kind.yaml'), '-o', out], { cwd: repoRoot, timeout: 40 * 60_000 });
  const results = readResults(join(out, 'results.json'));
  const cell = results.cells[0]!;
  expect(r.exitCode, `${r.all.split('\n').slice(-40).join('\n')}`).toBe(0);
  expect(cell.status).toBe('passed');
  expect(cell.serverVersion).toBe(KUBERNETES);
  // The controllers ran from images made of the binaries built at their versions.
  for (const id of ['kuberay', 'kueue']) {
    const p = cell.provenance.find((x) => x.component === id)!;
    expect(p.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // the image under the release's name, made here: said to be a stand-in
    expect(p.differences.join('\n')).toMatch(/ made here from the binary built at v\S+ \(a stand-in for the release image under its name\)/);
  }
  const kuberay = cell.suites.find((s) => s.name === 'kuberay')!;
  // On kind the real-pods test applies and passes: Ray started in the head pod and its dashboard answered.
  expect(kuberay.tests.find((t) => t.tags.includes('@real-pods'))?.status).toBe('passed');
  expect(kuberay.tests.every((t) => t.status === 'passed')).toBe(true);
  expect(cell.suites.find((s) => s.name === 'kueue')?.status).toBe('passed');
  // kind's own log export ran in teardown, pass or fail.
  const logs = readdirSync(join(out, 'cells', cell.id, 'logs'), { recursive: true }).map(String);
  expect(logs.some((f) => f.endsWith('kubelet.log'))).toBe(true);
  rmSync(out, { recursive: true, force: true });
});
