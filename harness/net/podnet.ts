// A network of its own for a played pod (player.ts): a network namespace linked to its CELL's
// namespace — never the host's — by a veth pair made inside the cell's namespace, as a node's pods
// hang off the node. Each cell gives its pods /30s of 10.234.0.0/16 (the cell's end .1, the pod's
// .2 and its default route): the same range in every cell, since no cell's routes meet another's
// and the host's root namespace sees none of them. A pod reaches its cell's apiserver at the cell's
// address, which is the cell namespace's own (delivered there: the cell forwards nothing, its
// ip_forward is set off, as a namespace starts with the host's); the host does not
// reach the pod, so its readiness is probed from the cell's namespace, where a kubelet probes from.
// So a port a played controller binds fixed (MCAD ≤ v1.33.0's metrics adapter, :8080) is its own.
// The cell's end (cfmq<k>) carries the pod's folder as its alias, the marker destroy and stopPlayer
// remove by; the pod's namespace is cfm-pod-<cell slot>-<k>, its end eth0. A pod namespace with no
// veth (its cell removed under it) is no one's: the janitor removes it once a minute old.
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../lib/exec.js';
import { repoRoot } from '../../lib/paths.js';
import { inNetns } from './netns.js';

/** What a played pod records of its network (in its played entry: the cell state, the janitor's). */
export type PodNetwork = { netns: string; cell: string; veth: string; address: string; gateway: string };

const PREFIX = 'cfm-pod-';
const SLOTS = 1 << 14;

function slot(k: number) {
  const base = `10.234.${k >> 6}.${(k & 63) * 4}`;
  const [a, b, c, d] = base.split('.').map(Number) as [number, number, number, number];
  return { gateway: `${a}.${b}.${c}.${d + 1}`, address: `${a}.${b}.${c}.${d + 2}` };
}

type Link = { ifname: string; ifalias?: string };

/** The veths of a namespace ([] when it is gone). */
async function links(netns: string): Promise<Link[]> {
  const r = await run('ip', ['-n', netns, '-j', 'link', 'show', 'type', 'veth'], { timeout: 15_000 });
  return r.ok ? (JSON.parse(r.stdout || '[]') as Link[]) : [];
}

async function batch(args: string[], lines: string[][], what: string): Promise<void> {
  const r = await run('ip', [...args, '-batch', '-'], { timeout: 15_000, input: lines.map((l) => l.join(' ')).join('\n') + '\n' });
  if (!r.ok) throw new Error(`${what}: ${r.all.trim()}`);
}

/**
 * Makes a pod's namespace, linked to the cell's namespace `cell` (cfm-cell-<i>). The pod's index is
 * claimed by the cell end's name (`ip link add` fails when another player of the cell took it) and
 * at once marked with `owner` (the played pod's folder); a namespace of that name left by an earlier
 * cell of the slot is replaced (no one else can make it while we hold the index).
 */
export async function makePodNetwork(cell: string, owner: string): Promise<PodNetwork> {
  const i = cell.slice(cell.lastIndexOf('-') + 1);
  const held = new Set((await links(cell)).map((l) => l.ifname));
  for (let k = 0; k < SLOTS; k++) {
    const net: PodNetwork = { netns: `${PREFIX}${i}-${k}`, cell, veth: `cfmq${k}`, ...slot(k) };
    const peer = `cfmr${k}`;
    if (held.has(net.veth) || held.has(peer)) continue;
    const add = await run('ip', ['-n', cell, 'link', 'add', net.veth, 'type', 'veth', 'peer', 'name', peer], { timeout: 15_000 });
    if (!add.ok) {
      if (/exists/i.test(add.all)) continue; // another player of the cell claimed it in between
      throw new Error(`could not make a veth pair for a pod network in ${cell}: ${add.all.trim()}`);
    }
    try {
      const alias = await run('ip', ['-n', cell, 'link', 'set', net.veth, 'alias', owner], { timeout: 15_000 });
      if (!alias.ok) throw new Error(`ip -n ${cell} link set ${net.veth} alias: ${alias.all.trim()}`);
      const what = `making pod network ${net.netns}`;
      // /proc/sys/net is the writer's namespace's: tee (coreutils) inside the cell, so no sysctl (procps) is needed
      const off = await run('nsenter', [`--net=/run/netns/${cell}`, 'tee', '/proc/sys/net/ipv4/ip_forward'], { input: '0\n', timeout: 15_000 });
      if (!off.ok) throw new Error(`${what}: could not turn forwarding off in ${cell}: ${off.all.trim()}`);
      await batch([], [...(existsSync(`/run/netns/${net.netns}`) ? [['netns', 'delete', net.netns]] : []), ['netns', 'add', net.netns]], what);
      await batch(['-n', cell], [
        ['link', 'set', peer, 'netns', net.netns],
        ['addr', 'add', `${net.gateway}/30`, 'dev', net.veth],
        ['link', 'set', net.veth, 'up'],
      ], what);
      await batch(['-n', net.netns], [
        ['link', 'set', peer, 'name', 'eth0'],
        ['addr', 'add', `${net.address}/30`, 'dev', 'eth0'],
        ['link', 'set', 'eth0', 'up'],
        ['link', 'set', 'lo', 'up'],
        ['route', 'add', 'default', 'via', net.gateway],
      ], what);
    } catch (e) {
      await removePodNetwork(net, owner);
      throw e;
    }
    return net;
  }
  throw new Error(`no free address for a pod network in ${cell} (10.234.0.0/16)`);
}

/**
 * Removes a pod's namespace and its veth pair when the cell end is `owner`'s, or the cell holds no
 * such end and the pod's namespace no veth (a half-made one, or one whose cell is gone); idempotent.
 * Its processes must be stopped first. Returns once the cell end is gone (the index is free).
 */
export async function removePodNetwork(net: Pick<PodNetwork, 'netns' | 'cell' | 'veth'>, owner: string): Promise<void> {
  const link = (await links(net.cell)).find((l) => l.ifname === net.veth);
  if (link && link.ifalias !== owner) return; // the index is another pod's now
  if (!link && (await links(net.netns)).length) return; // linked to another cell of the slot
  await run('ip', ['netns', 'delete', net.netns], { timeout: 15_000 }); // its eth0, and so the pair, go with it
  if (link) await run('ip', ['-n', net.cell, 'link', 'delete', net.veth], { timeout: 15_000 });
  for (let n = 0; n < 50 && (await links(net.cell)).some((l) => l.ifname === net.veth); n++) await sleep(100);
}

/** The pod networks of a cell whose marker (the pod's folder) is `prefix` or lies under it. */
export async function podNetworksUnder(cell: string, prefix: string): Promise<(Pick<PodNetwork, 'netns' | 'cell' | 'veth'> & { owner: string })[]> {
  const i = cell.slice(cell.lastIndexOf('-') + 1);
  const under = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return (await links(cell))
    .filter((l) => /^cfmq\d+$/.test(l.ifname) && (l.ifalias === prefix || l.ifalias?.startsWith(under)))
    .map((l) => ({ netns: `${PREFIX}${i}-${l.ifname.slice(4)}`, cell, veth: l.ifname, owner: l.ifalias! }));
}

/** Removes every pod network of a cell under `prefix` (a player's folder, a cluster's). */
export async function removePodNetworksUnder(cell: string, prefix: string): Promise<void> {
  for (const n of await podNetworksUnder(cell, prefix)) await removePodNetwork(n, n.owner);
}

/**
 * Pod namespaces with no veth: their cell was removed under them (a run killed, a cell's network
 * removed before its pods'). Of no run, so any janitor may remove them; made over a minute ago, so
 * never one being made right now (between its namespace and its link).
 */
export async function vethlessPodNetworks(minAgeMs = 60_000): Promise<string[]> {
  const r = await run('ip', ['netns', 'list'], { timeout: 15_000 });
  const names = r.stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(PREFIX));
  const out: string[] = [];
  for (const n of names) {
    let age = 0;
    try {
      age = Date.now() - statSync(`/run/netns/${n}`).mtimeMs;
    } catch {
      continue;
    }
    if (age >= minAgeMs && !(await links(n)).length) out.push(n);
  }
  return out;
}

/**
 * A GET from inside a namespace (where the host does not reach a pod), and with `port` a connection
 * to it on the URL's host: the HTTP status (0: no answer) and whether the port took the connection.
 */
export async function getFrom(netns: string, url: string, port?: number): Promise<{ status: number; accepts: boolean }> {
  const [bin, args] = inNetns(netns, process.execPath, [join(repoRoot, 'harness', 'net', 'probe.mjs'), url, ...(port ? [String(port)] : [])]);
  const r = await run(bin, args, { timeout: 15_000 });
  return r.ok ? (JSON.parse(r.stdout) as { status: number; accepts: boolean }) : { status: 0, accepts: false };
}
