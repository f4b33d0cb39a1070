// A network of its own for a local cell: a network namespace the harness makes, joined to the host
// by a veth pair with a /30 of 10.233.0.0/16. The cell's processes run inside it (nsenter), so a
// port one cell's controller binds fixed (a webhook's 9443) never meets another cell's, nor another
// run's; the host reaches the cell at the namespace's address, which is the only address beyond
// loopback anything of the cell listens on. Builds and pip stay on the host (the namespace has no
// route out). Each veth carries its cluster's folder as its alias, so the janitor finds the ones a
// killed run left behind by that marker and never touches another home's.
import { existsSync } from 'node:fs';
import { run } from '../../lib/exec.js';

/** What a cluster records of its network (in its state, so destroy and the janitor remove it). */
export type CellNetwork = { netns: string; veth: string; address: string; hostAddress: string };

const PREFIX = 'cfm-cell-';
/** 10.233.0.0/16 cut into /30s: index i → 10.233.(i>>6).((i&63)*4); host .1, namespace .2. */
const SLOTS = 1 << 14;

/**
 * Whether this machine can give cells networks of their own, and why not. Root with iproute2 and
 * nsenter: yes. Unprivileged (user + network namespaces) a namespace can be made, but the host cannot
 * reach into it without a userspace network stack (slirp4netns, pasta), which is not here: cells
 * then share the host's network, and those whose controllers bind the same fixed port run one after
 * another. CODEFLARE_MATRIX_NETNS=0 asks for the shared network.
 */
export function netnsSupport(): { own: boolean; how: string } {
  if (process.env.CODEFLARE_MATRIX_NETNS === '0') return { own: false, how: 'shared host network (CODEFLARE_MATRIX_NETNS=0)' };
  if (!existsSync('/proc/self/ns/net')) return { own: false, how: 'shared host network: this kernel has no network namespaces' };
  if (process.getuid?.() !== 0) {
    return { own: false, how: 'shared host network: not root (an unprivileged network namespace cannot be reached from the host without slirp4netns or pasta); cells that bind the same fixed port run one after another' };
  }
  const tool = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some(existsSync) && ['/usr/bin/nsenter', '/bin/nsenter', '/usr/sbin/nsenter'].some(existsSync);
  if (!tool) return { own: false, how: 'shared host network: ip (iproute2) or nsenter (util-linux) missing; apt-get install -y iproute2 util-linux' };
  return { own: true, how: 'a network namespace per cell (root: ip netns + a veth pair in 10.233.0.0/16)' };
}

async function ip(args: string[]) {
  return run('ip', args, { timeout: 15_000 });
}

function slot(i: number) {
  const base = `10.233.${i >> 6}.${(i & 63) * 4}`;
  const [a, b, c, d] = base.split('.').map(Number) as [number, number, number, number];
  return { host: `${a}.${b}.${c}.${d + 1}`, cell: `${a}.${b}.${c}.${d + 2}` };
}

/** Runs `bin args` inside the namespace: nsenter joins it and execs the program (the same pid). */
export function inNetns(netns: string | undefined, bin: string, args: string[]): [string, string[]] {
  return netns ? ['nsenter', [`--net=/run/netns/${netns}`, bin, ...args]] : [bin, args];
}

/**
 * Makes a namespace with loopback up and a veth pair to the host. The slot is claimed by the
 * namespace's name (`ip netns add` fails when another run took it first), so two runs starting at
 * once never share an address. `owner` (the cluster's folder) goes into the veth's alias.
 */
export async function makeCellNetwork(owner: string): Promise<CellNetwork> {
  const taken = new Set((await ip(['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!));
  const addrs = (await ip(['-o', '-4', 'addr'])).stdout;
  for (let i = 0; i < SLOTS; i++) {
    const netns = `${PREFIX}${i}`;
    const { host, cell } = slot(i);
    if (taken.has(netns) || addrs.includes(` ${host}/`) || addrs.includes(` ${cell}/`)) continue;
    const add = await ip(['netns', 'add', netns]);
    if (!add.ok) {
      if (/exists/i.test(add.all)) continue; // another run claimed it in between
      throw new Error(`could not make network namespace ${netns}: ${add.all.trim()}`);
    }
    const net: CellNetwork = { netns, veth: `cfmc${i}`, address: cell, hostAddress: host };
    try {
      for (const args of [
        ['link', 'add', net.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns],
        ['link', 'set', net.veth, 'alias', owner],
        ['addr', 'add', `${host}/30`, 'dev', net.veth],
        ['link', 'set', net.veth, 'up'],
        ['-n', netns, 'addr', 'add', `${cell}/30`, 'dev', 'eth0'],
        ['-n', netns, 'link', 'set', 'eth0', 'up'],
        ['-n', netns, 'link', 'set', 'lo', 'up'],
      ]) {
        const r = await ip(args);
        if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.all.trim()}`);
      }
    } catch (e) {
      await removeCellNetwork(net);
      throw e;
    }
    return net;
  }
  throw new Error('no free address for a cell network in 10.233.0.0/16');
}

/** Removes the namespace and its veth pair; idempotent. Its processes must be stopped first. */
export async function removeCellNetwork(net: Pick<CellNetwork, 'netns' | 'veth'>): Promise<void> {
  await ip(['netns', 'delete', net.netns]); // takes the namespace's end, and so the pair, with it
  await ip(['link', 'delete', net.veth]); // gone already, unless the namespace lingered
}

/** Cell networks whose veth alias (the cluster's folder) lies under `prefix`: the janitor's markers. */
export async function cellNetworksUnder(prefix: string): Promise<(Pick<CellNetwork, 'netns' | 'veth'> & { owner: string })[]> {
  if (!netnsSupport().own) return [];
  const r = await ip(['-j', 'link', 'show', 'type', 'veth']);
  if (!r.ok) return [];
  const links = JSON.parse(r.stdout || '[]') as { ifname: string; ifalias?: string }[];
  const under = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return links
    .filter((l) => /^cfmc\d+$/.test(l.ifname) && l.ifalias?.startsWith(under))
    .map((l) => ({ netns: `${PREFIX}${l.ifname.slice(4)}`, veth: l.ifname, owner: l.ifalias! }));
}
