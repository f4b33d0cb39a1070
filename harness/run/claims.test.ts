// Cells whose controllers bind the same fixed port run one after the other on a host; the rest of
// the queue goes on beside them. The ports come from the catalog, at each version.
import { test, expect } from '@playwright/test';
import { hostPorts } from '../components/install/common.js';
import { clash, nextCell, sharesNetwork, waitLines, type Claims } from './claims.js';
import { providerFor } from '../providers/index.js';
import { netnsSupport } from '../net/netns.js';

test('only cells whose processes share the host\'s network queue on fixed ports: local without namespaces of its own', () => {
  expect(sharesNetwork(providerFor('kind'))).toBe(false);
  expect(sharesNetwork(providerFor('existing'))).toBe(false);
  expect(sharesNetwork({ installMode: 'process', ownNetwork: false })).toBe(true);
  // here: as root a namespace per cell, so no queue; the reason is what doctor prints
  expect(sharesNetwork(providerFor('local')), netnsSupport().how).toBe(!netnsSupport().own);
  if (process.getuid?.() === 0 && !process.env.CODEFLARE_MATRIX_NETNS) expect(providerFor('local').ownNetwork, netnsSupport().how).toBe(true);
});

test('the catalog says which versions bind a port fixed: MCAD up to v1.33.0 its metrics adapter, the operator from v1.4.0 its webhooks, and what a release deploys by default', () => {
  expect([...hostPorts({ mcad: 'v1.33.0' })]).toEqual([[8080, 'mcad v1.33.0']]);
  expect(hostPorts({ mcad: 'v1.34.0' }).size).toBe(0);
  expect(hostPorts({ 'codeflare-operator': 'v1.4.0', kuberay: 'v1.1.0' }).get(9443)).toBe('codeflare-operator v1.4.0');
  expect(hostPorts({ 'codeflare-operator': 'v1.3.1' }).size).toBe(0);
  // era A: the MCAD operator v0.1.0 deploys (release-v1.33.0) when the cell names none
  expect(hostPorts({ 'codeflare-operator': 'v0.1.0' }).get(8080)).toBe('mcad v1.33.0');
  expect(hostPorts({ kubernetes: 'v1.25.3', 'codeflare-operator': 'v0.2.3', mcad: 'v1.34.1' }).size).toBe(0);
});

test('a lane takes a queued cell that claims no port a running cell holds, the head of the longest chain first, and says whom a cell waits for', () => {
  const claims: Record<string, Claims> = { a: new Map([[8080, 'mcad v1.33.0']]), b: new Map([[8080, 'mcad v1.32.0']]), c: new Map(), d: new Map([[9443, 'appwrapper v1.2.0']]) };
  const queue = ['b', 'c', 'd'].map((id) => ({ id }));
  const of = (c: { id: string }) => claims[c.id]!;
  // nothing running: b first (it shares 8080 with nothing queued, d shares 9443 with nothing: the queue's order)
  expect(nextCell(queue, of, new Map())).toBe(0);
  expect(nextCell(queue, of, new Map([['a', claims.a!]]))).toBe(1);
  // a chain of cells that must run one after the other starts before the free ones
  const chain = [{ id: 'c' }, { id: 'x' }, { id: 'y' }, { id: 'b' }];
  const more: Record<string, Claims> = { ...claims, x: new Map([[9443, 'codeflare-operator v1.8.0']]), y: new Map([[9443, 'codeflare-operator v1.9.0']]) };
  expect(nextCell(chain, (c) => more[c.id]!, new Map())).toBe(1);
  expect(nextCell([{ id: 'b' }, { id: 'd' }], of, new Map([['a', claims.a!], ['x', new Map([[9443, 'codeflare-operator v1.4.0']])]]))).toBe(-1);
  const holding = new Map([['a', claims.a!]]);
  expect(clash('c', claims.c!, holding)).toBeUndefined();
  expect(waitLines([clash('b', claims.b!, holding)!])).toEqual(['cell b waits for a: both bind port 8080 (mcad v1.32.0, fixed in its code)']);
  expect(waitLines([clash('b', claims.b!, holding)!, clash('e', new Map([[8080, 'mcad v1.31.0']]), holding)!])).toEqual([
    '2 cells wait for a, each for a port it holds: b binds 8080 (mcad v1.32.0, fixed in its code); e binds 8080 (mcad v1.31.0, fixed in its code)',
  ]);
});
