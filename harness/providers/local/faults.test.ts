// Faults of the local provider, through the CLI as a user meets them: a clear message, exit 2 for
// what the user can fix, and nothing left behind (no process, no folder).
import { test, expect } from '@playwright/test';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { run } from '../../../lib/exec.js';
import { repoRoot } from '../../../lib/paths.js';
import { processesUnder } from '../../processes.js';
import { cellNetworksUnder } from '../../net/netns.js';
import { defaultVersions, testKubernetes, toolchainEntry } from '../../toolchain/index.js';
import { scratchDir } from '../../testing.js';

test.describe.configure({ timeout: 120_000 });
const k = testKubernetes();

/** A toolchain home whose entries link to the real binaries, except the ones replaced by `scripts` (or truncated). */
function fakeHome(scripts: Record<string, string> = {}, truncate?: string): string {
  const home = scratchDir('cfm-fault');
  const pinned = defaultVersions();
  for (const [component, version] of [['kubernetes', k], ['etcd', pinned.etcd], ['kwok', pinned.kwok]] as const) {
    const real = toolchainEntry(component, version);
    const dir = join(home, 'toolchain', component, version);
    mkdirSync(join(dir, 'bin'), { recursive: true });
    for (const f of readdirSync(real.dir)) if (f !== 'bin' && f !== 'manifest.json') cpSync(join(real.dir, f), join(dir, f), { recursive: true });
    const manifest = { ...real.manifest, binaries: { ...real.manifest.binaries } };
    for (const [bin, path] of Object.entries(real.bin)) {
      const target = join(dir, 'bin', bin);
      if (scripts[bin] !== undefined) {
        writeFileSync(target, `#!/bin/sh\n${scripts[bin]}\n`, { mode: 0o755 });
        const body = readFileSync(target);
        manifest.binaries[bin] = { size: body.length, sha256: createHash('sha256').update(body).digest('hex') };
      } else if (bin === truncate) {
        writeFileSync(target, 'not the binary', { mode: 0o755 });
      } else symlinkSync(path, target);
    }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  }
  return home;
}

const cli = (home: string, ...args: string[]) =>
  run('node', [join(repoRoot, 'bin/codeflare-matrix.js'), ...args], { cwd: repoRoot, env: { CODEFLARE_MATRIX_HOME: home, CODEFLARE_MATRIX_START_TIMEOUT: '4', ...shared } });
/** The host's network for the cluster (CODEFLARE_MATRIX_NETNS=0), where a port can be taken; set by the test that needs it. */
let shared: Record<string, string> = {};

async function nothingLeft(home: string, cluster: string) {
  expect(existsSync(join(home, 'clusters', cluster))).toBe(false);
  expect(processesUnder(join(home, 'clusters'))).toHaveLength(0);
  expect(await cellNetworksUnder(join(home, 'clusters'))).toEqual([]); // no network namespace, no veth
}

test('a Kubernetes version with no toolchain names the command that builds it', async () => {
  const home = fakeHome();
  const r = await cli(home, 'cluster', 'up', 'x', '-k', 'v1.29.15');
  expect(r.exitCode, r.all).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/no toolchain for Kubernetes v1\.29\.15.*fix: npx codeflare-matrix toolchain build --kubernetes v1\.29\.15/);
  await nothingLeft(home, 'x');
  const minor = await cli(home, 'cluster', 'up', 'x', '-k', '1.19');
  expect(minor.exitCode).toBe(2);
  expect(minor.stderr).toMatch(/1\.19/);
});

test('a port already taken (on the host\'s network: a cluster in a namespace of its own has every port to itself)', async () => {
  const home = fakeHome();
  shared = { CODEFLARE_MATRIX_NETNS: '0' };
  test.info().annotations.push({ type: 'network', description: 'CODEFLARE_MATRIX_NETNS=0: the shared host network, as without root' });
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as { port: number }).port;
  const r = await cli(home, 'cluster', 'up', 'x', '--port', String(port));
  server.close();
  shared = {};
  expect(r.exitCode, r.all).toBe(2);
  expect(r.stderr).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is taken`));
  await nothingLeft(home, 'x');
});

test('a binary that exits at start shows its last log lines', async () => {
  const home = fakeHome({ 'kube-apiserver': 'echo "Error: unknown flag: --endpoint-reconciler-type" >&2; exit 1' });
  const r = await cli(home, 'cluster', 'up', 'x');
  expect(r.exitCode, r.all).toBe(1);
  expect(r.stderr).toMatch(/kube-apiserver exited at start/);
  expect(r.stderr).toMatch(/unknown flag: --endpoint-reconciler-type/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  await nothingLeft(home, 'x');
});

test('a start that times out', async () => {
  const home = fakeHome({ 'kube-apiserver': 'echo "waiting forever"; exec sleep 600' });
  const r = await cli(home, 'cluster', 'up', 'x');
  expect(r.exitCode, r.all).toBe(1);
  expect(r.stderr).toMatch(/did not become ready within 4s/);
  expect(r.stderr).toMatch(/waiting forever/);
  await nothingLeft(home, 'x');
});

test('a corrupt cache entry names the rebuild', async () => {
  const home = fakeHome({}, 'kube-scheduler');
  const r = await cli(home, 'cluster', 'up', 'x');
  expect(r.exitCode, r.all).toBe(2);
  expect(r.stderr).toMatch(/corrupt toolchain entry kubernetes .*--force/);
  await nothingLeft(home, 'x');
  rmSync(home, { recursive: true, force: true });
});

test('bad cluster arguments', async () => {
  const home = fakeHome();
  for (const args of [['cluster', 'up', 'Bad_Name'], ['cluster', 'up', 'x', '--port', 'http'], ['cluster', 'up', 'x', '--nodes', '-1'], ['cluster', 'down'], ['cluster', 'down', 'nope'], ['cluster', 'logs', 'nope'], ['cluster', 'up', 'x', '--provider', 'docker']]) {
    const r = await cli(home, ...args);
    expect(r.exitCode, `${args.join(' ')}: ${r.all}`).toBe(2);
    expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
  }
  await nothingLeft(home, 'x');
});

test('SIGINT or SIGTERM while `cluster up` starts: the half-built cluster is removed', async () => {
  const { execa } = await import('execa');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const home = scratchDir('cfm-signal');
    for (const c of ['kubernetes', 'etcd', 'kwok'] as const) {
      const e = c === 'kubernetes' ? toolchainEntry(c, k) : toolchainEntry(c, defaultVersions()[c]);
      mkdirSync(join(home, 'toolchain', c), { recursive: true });
      symlinkSync(e.dir, join(home, 'toolchain', c, e.version));
    }
    const child = execa('node', [join(repoRoot, 'bin/codeflare-matrix.js'), 'cluster', 'up', 'x'], { cwd: repoRoot, env: { CODEFLARE_MATRIX_HOME: home }, reject: false, all: true });
    // wait until its processes run, then interrupt
    const dir = join(home, 'clusters', 'x');
    for (let i = 0; i < 200 && processesUnder(dir).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(processesUnder(dir).length, signal).toBeGreaterThanOrEqual(2);
    child.kill(signal);
    const r = await child;
    expect(r.exitCode, `${signal}: ${r.all}`).toBe(signal === 'SIGINT' ? 130 : 143);
    await nothingLeft(home, 'x');
  }
});
