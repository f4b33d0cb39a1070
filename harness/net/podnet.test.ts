// Played pods' networks, for real (root: ip netns, veth pairs): each hangs off its cell's namespace,
// two bind the same fixed port and answer at their own addresses, each reaches the cell's address,
// the host's root namespace gains nothing, and removal — the player's, or the janitor's once the
// cell is gone — leaves no namespace and no veth.
import { test, expect } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../lib/exec.js';
import { processesUnder, startProcess, stopProcesses } from '../processes.js';
import { until, scratchDir } from '../testing.js';
import { clustersDir } from '../providers/state.js';
import { LocalProvider } from '../providers/local/provider.js';
import { makeCellNetwork, netnsSupport, removeCellNetwork, type CellNetwork } from './netns.js';
import { getFrom, makePodNetwork, podNetworksUnder, removePodNetwork, vethlessPodNetworks, type PodNetwork } from './podnet.js';

test.describe.configure({ timeout: 120_000 });
test.skip(!netnsSupport().own, `no network namespaces here: ${netnsSupport().how}`);

const namespaces = async () => (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]);
const vethsIn = async (netns: string) => (await run('ip', ['-n', netns, '-br', 'link', 'show', 'type', 'veth'])).stdout.split('\n').filter(Boolean).map((l) => l.split(/[\s@]/)[0]);

const stop = (dir: string) => stopProcesses(processesUnder(dir).map((p) => p.pid), dir, 1000);

/** A server on `port` (every address of its namespace) answering with `name`. */
function serve(dir: string, name: string, port: number, host: string | undefined, netns: string) {
  mkdirSync(dir, { recursive: true });
  const code = `require('http').createServer((q, s) => s.end(process.env.NAME)).listen(${port}${host ? `, ${JSON.stringify(host)}` : ''})`;
  return startProcess(process.execPath, ['-e', code], { log: join(dir, 'serve.log'), owner: dir, env: { NAME: name }, netns });
}

test('two played pods bind the same fixed port in networks of their own, linked to their cell\'s; the host\'s namespace gains nothing', async () => {
  const home = scratchDir('cfm-podnet');
  const cellOwner = join(home, 'clusters', 'c');
  const cell = await makeCellNetwork(cellOwner);
  const pods: { net: PodNetwork; dir: string }[] = [];
  try {
    for (const n of ['a', 'b']) {
      const dir = join(cellOwner, 'components', 'op', 'played', `ns-${n}`);
      pods.push({ net: await makePodNetwork(cell.netns, dir), dir });
    }
    const [a, b] = pods as [(typeof pods)[0], (typeof pods)[0]];
    expect(a.net.netns).not.toBe(b.net.netns);
    expect(a.net.address).not.toBe(b.net.address);
    expect(a.net.address).toMatch(/^10\.234\.\d+\.\d+$/);
    // the cell answers on its own address; MCAD ≤ v1.33.0 binds :8080 in each pod
    serve(join(cellOwner, 'cell-server'), 'cell', 7000, cell.address, cell.netns);
    for (const p of pods) serve(p.dir, p.net.netns, 8080, undefined, p.net.netns);
    for (const p of pods) {
      await until(`${p.net.netns} answers on :8080 at its address, from the cell`, async () => (await getFrom(cell.netns, `http://${p.net.address}:8080/`)).status === 200, 30_000);
      // its own listener in its own namespace: the pod's process
      const ss = await run('nsenter', [`--net=/run/netns/${p.net.netns}`, 'ss', '-ltnH', 'sport = :8080']);
      expect(ss.stdout.trim().split('\n')).toHaveLength(1);
      // the pod reaches its cell's address (where the apiserver listens) by its default route
      expect((await getFrom(p.net.netns, `http://${cell.address}:7000/`)).status).toBe(200);
    }
    // nothing of the pods on the host's root namespace: no link, no address, no route; the cell forwards nothing
    const root = (await run('ip', ['-o', 'link'])).stdout + (await run('ip', ['-o', 'addr'])).stdout + (await run('ip', ['route'])).stdout;
    expect(root).not.toMatch(/cfmq|cfmr|10\.234\./);
    expect((await run('nsenter', [`--net=/run/netns/${cell.netns}`, 'sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('0');
    expect((await podNetworksUnder(cell.netns, join(cellOwner, 'components'))).map((n) => n.netns).sort()).toEqual(pods.map((p) => p.net.netns).sort());

    // removed by its own marker, never another pod's
    await removePodNetwork(a.net, b.dir);
    expect(await namespaces()).toContain(a.net.netns);
    await stop(a.dir);
    await removePodNetwork(a.net, a.dir);
    expect(await namespaces()).not.toContain(a.net.netns);
    expect((await vethsIn(cell.netns)).sort()).toEqual([cell.veth.replace('cfmc', 'cfmp'), b.net.veth].sort());
    expect((await getFrom(cell.netns, `http://${b.net.address}:8080/`)).status).toBe(200);
  } finally {
    for (const p of pods) await stop(p.dir);
    await stop(join(cellOwner, 'cell-server'));
    for (const p of pods) await removePodNetwork(p.net, p.dir);
    await removeCellNetwork(cell, cellOwner);
  }
  expect((await namespaces()).filter((n) => [cell.netns, ...pods.map((p) => p.net.netns)].includes(n!))).toEqual([]);
});

test('the janitor: a gone cluster\'s cell network goes with its pods\'; a pod namespace whose cell is gone goes once a minute old', async () => {
  // a cell network of this home whose cluster folder is gone (a run killed), with a played pod's network
  const gone = join(clustersDir(), `t-podnet-gone-${process.pid}`);
  let cell: CellNetwork | undefined = await makeCellNetwork(gone);
  const pod = await makePodNetwork(cell.netns, join(gone, 'components', 'op', 'played', 'ns-x'));
  // a cell network removed under its pod (a destroy interrupted), elsewhere
  const other = join(scratchDir('cfm-podnet'), 'clusters', 'y');
  const lone = await makeCellNetwork(other);
  const orphan = await makePodNetwork(lone.netns, join(other, 'components', 'op', 'played', 'ns-y'));
  try {
    // only this test's own: the janitor would take every orphan of the home
    const mine = (await new LocalProvider().orphans()).find((o) => o.name === cell!.netns);
    // another test's janitor (tests run side by side in one home) may take it first: what counts is that it is gone
    await mine?.remove();
    expect(await namespaces()).not.toContain(cell.netns);
    expect(await namespaces()).not.toContain(pod.netns);
    cell = undefined;

    await removeCellNetwork(lone, other);
    expect(await vethsIn(orphan.netns)).toEqual([]); // its eth0 went with the cell's end
    expect(await vethlessPodNetworks()).not.toContain(orphan.netns); // it might be being made right now
    expect(await vethlessPodNetworks(0)).toContain(orphan.netns);
    await removePodNetwork(orphan, 'not its owner'); // no cell end to check: a namespace no veth holds is no one's
    expect(await namespaces()).not.toContain(orphan.netns);
  } finally {
    await removePodNetwork(pod, join(gone, 'components', 'op', 'played', 'ns-x'));
    if (cell) await removeCellNetwork(cell, gone);
    await removePodNetwork(orphan, join(other, 'components', 'op', 'played', 'ns-y'));
    await removeCellNetwork(lone, other);
  }
});
