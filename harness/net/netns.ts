// A network of its own for a local cell: a network namespace the harness makes, joined to the host
// by a veth pair with a /30 of 10.233.0.0/16. The cell's processes run inside it (nsenter), so a
// port one cell's controller binds fixed (a webhook's 9443) never meets another cell's, nor another
// run's; the host reaches the cell at the namespace's address, which is the only address beyond
// loopback anything of the cell listens on. Builds and pip stay on the host (the namespace has no
// route out). Each veth carries its cluster's folder as its alias, so the janitor finds the ones a
// killed run left behind by that marker and never touches another home's. The namespace's end of
// the pair is cfmp<slot>, the host's cfmc<slot>, the namespace cfm-cell-<slot>.
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { run } from '../../lib/exec.js';

/** What a cluster records of its network (in its state, so destroy and the janitor remove it). */
export type CellNetwork = { netns: string; veth: string; address: string; hostAddress: string };

const PREFIX = 'cfm-cell-';
/** 10.233.0.0/16 cut into /30s: index i → 10.233.(i>>6).((i&63)*4); host .1, namespace .2. */
const SLOTS = 1 << 14;

let support: { own: boolean; how: string } | undefined;

/**
 * Whether this machine can give cells networks of their own, and why not (once a process). Root
 * with iproute2 and nsenter, where making a network namespace works (tried: `unshare --net true`,
 * which leaves nothing): yes. Unprivileged (user + network namespaces) a namespace can be made, but
 * the host cannot reach into it without a userspace network stack (slirp4netns, pasta), which is not
 * here. Otherwise — and on a kernel without network namespaces — cells share the host's network, and
 * those whose controllers bind the same fixed port run one after another (harness/run/claims.ts).
 * CODEFLARE_MATRIX_NETNS=0 asks for the shared network.
 */
export function netnsSupport(): { own: boolean; how: string } {
  return (support ??= probe());
}

function probe(): { own: boolean; how: string } {
  const shared = 'cells share the host\'s network (those binding the same fixed port run one after another)';
  if (process.env.CODEFLARE_MATRIX_NETNS === '0') return { own: false, how: `${shared}: CODEFLARE_MATRIX_NETNS=0` };
  if (!existsSync('/proc/self/ns/net')) return { own: false, how: `${shared}: this kernel has no network namespaces` };
  if (process.getuid?.() !== 0) {
    const users = readNumber('/proc/sys/user/max_user_namespaces');
    return { own: false, how: `${shared}: not root; unprivileged user namespaces ${users ? 'are allowed here, but a namespace of them cannot be reached from the host without slirp4netns or pasta' : 'are off in this kernel'}` };
  }
  if (nestedUserNamespace()) return { own: false, how: `${shared}: root only of a user namespace (no veth can join the host's network from it)` };
  const tool = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some(existsSync) && ['/usr/bin/nsenter', '/bin/nsenter', '/usr/sbin/nsenter'].some(existsSync);
  if (!tool) return { own: false, how: `${shared}: ip (iproute2) or nsenter (util-linux) missing; apt-get install -y iproute2 util-linux` };
  const tried = spawnSync('unshare', ['--net', 'true'], { timeout: 10_000, encoding: 'utf8' });
  if (tried.status !== 0) return { own: false, how: `${shared}: a network namespace cannot be made here (unshare --net: ${(tried.stderr || tried.error?.message || '').trim().split('\n')[0]})` };
  return { own: true, how: 'a network namespace per cell (root: ip netns, a veth pair in 10.233.0.0/16)' };
}

/**
 * This process is in a user namespace other than init's (root there is not root of the host): only
 * the initial namespace maps every id (uid_map `0 0 4294967295`); a nested one maps a range, and
 * cannot read init's namespace link either.
 */
export function nestedUserNamespace(uidMap = readText('/proc/self/uid_map')): boolean {
  if (uidMap === undefined) return false; // no user namespaces in this kernel
  return uidMap.trim().split(/\s+/).join(' ') !== '0 0 4294967295';
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readNumber(path: string): number | undefined {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined;
  }
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

type Link = { ifname: string; ifalias?: string };

async function links(): Promise<Link[]> {
  const r = await ip(['-j', 'link', 'show', 'type', 'veth']);
  return r.ok ? (JSON.parse(r.stdout || '[]') as Link[]) : [];
}

/**
 * Makes a namespace with loopback up and a veth pair to the host. The slot is claimed by the host
 * end's name (`ip link add` fails when another run took it first), so two runs starting at once
 * never share an address, and at once marked with `owner` (the cluster's folder) as its alias;
 * `claimed` is told before the namespace is made, so a harness killed from then on leaves a record.
 * A namespace of the slot with no veth is a leftover of a claimant killed half-way: replaced.
 */
export async function makeCellNetwork(owner: string, claimed: (n: CellNetwork) => void = () => {}): Promise<CellNetwork> {
  const held = new Set((await links()).map((l) => l.ifname));
  const addrs = (await ip(['-o', '-4', 'addr'])).stdout;
  for (let i = 0; i < SLOTS; i++) {
    const { host, cell } = slot(i);
    const net: CellNetwork = { netns: `${PREFIX}${i}`, veth: `cfmc${i}`, address: cell, hostAddress: host };
    if (held.has(net.veth) || addrs.includes(` ${host}/`) || addrs.includes(` ${cell}/`)) continue;
    const peer = `cfmp${i}`;
    const add = await ip(['link', 'add', net.veth, 'type', 'veth', 'peer', 'name', peer]);
    if (!add.ok) {
      if (/exists/i.test(add.all)) continue; // another run claimed it in between
      throw new Error(`could not make a veth pair for a cell network: ${add.all.trim()}`);
    }
    try {
      const alias = await ip(['link', 'set', net.veth, 'alias', owner]);
      if (!alias.ok) throw new Error(`ip link set ${net.veth} alias: ${alias.all.trim()}`);
      claimed(net);
      // one ip process a namespace (several, one by one, take seconds on a loaded machine)
      const batch = async (args: string[], lines: string[][]) => {
        const r = await run('ip', [...args, '-batch', '-'], { timeout: 15_000, input: lines.map((l) => l.join(' ')).join('\n') + '\n' });
        if (!r.ok) throw new Error(`making cell network ${net.netns}: ${r.all.trim()}`);
      };
      await batch([], [
        ...(existsSync(`/run/netns/${net.netns}`) ? [['netns', 'delete', net.netns]] : []),
        ['netns', 'add', net.netns],
        ['link', 'set', peer, 'netns', net.netns],
        ['addr', 'add', `${host}/30`, 'dev', net.veth],
        ['link', 'set', net.veth, 'up'],
      ]);
      await batch(['-n', net.netns], [
        ['addr', 'add', `${cell}/30`, 'dev', peer],
        ['link', 'set', peer, 'up'],
        ['link', 'set', 'lo', 'up'],
      ]);
    } catch (e) {
      await removeCellNetwork(net, owner);
      throw e;
    }
    return net;
  }
  throw new Error('no free address for a cell network in 10.233.0.0/16');
}

/**
 * Removes the namespace and its veth pair when they are `owner`'s (the veth's alias) or the slot is
 * held by no one (no veth); idempotent. Its processes must be stopped first.
 */
export async function removeCellNetwork(net: Pick<CellNetwork, 'netns' | 'veth'>, owner: string): Promise<void> {
  const link = (await links()).find((l) => l.ifname === net.veth);
  if (link && link.ifalias !== owner) return; // the slot is another cluster's now
  await ip(['netns', 'delete', net.netns]); // takes the namespace's end, and so the pair, with it
  if (link) await ip(['link', 'delete', net.veth]); // still there when the namespace had none of it
  // The kernel tears a namespace down in the background: the slot is free once its veth is gone.
  for (let i = 0; i < 50 && (await links()).some((l) => l.ifname === net.veth); i++) await sleep(100);
}

/** Cell networks whose veth alias (the cluster's folder) lies under `prefix`: the janitor's markers. */
export async function cellNetworksUnder(prefix: string): Promise<(Pick<CellNetwork, 'netns' | 'veth'> & { owner: string })[]> {
  if (!netnsSupport().own) return [];
  const under = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return (await links())
    .filter((l) => /^cfmc\d+$/.test(l.ifname) && l.ifalias?.startsWith(under))
    .map((l) => ({ netns: `${PREFIX}${l.ifname.slice(4)}`, veth: l.ifname, owner: l.ifalias! }));
}

/**
 * Cell namespaces whose slot no veth holds: a claimant killed between making its veth and its
 * namespace, or whose veth went. Of no run (a live cell's namespace always has its veth), so any
 * janitor may remove them; made over a minute ago, so never one being made right now.
 */
export async function vethlessNetworks(minAgeMs = 60_000): Promise<string[]> {
  if (!netnsSupport().own) return [];
  const held = new Set((await links()).map((l) => l.ifname));
  const names = (await ip(['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(PREFIX));
  return names.filter((n) => {
    if (held.has(`cfmc${n.slice(PREFIX.length)}`)) return false;
    try {
      return Date.now() - statSync(`/run/netns/${n}`).mtimeMs >= minAgeMs;
    } catch {
      return false;
    }
  });
}

/** Removes a namespace vethlessNetworks found. */
export async function removeNetns(netns: string): Promise<void> {
  await ip(['netns', 'delete', netns]);
}
