// Ports the harness hands to servers: below the kernel's ephemeral range (an outgoing connection
// never holds one), free where they are checked, and never the same twice.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort, portTaken } from './ports.js';

test('free ports lie below the ephemeral range, are free, and are not handed out twice', async () => {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
  expect(new Set(ports).size).toBe(ports.length);
  for (const p of ports) expect(p).toBeLessThan(low);
  // and each can be bound where it was checked
  const s = createServer();
  await new Promise<void>((res) => s.listen(ports[0], '127.0.0.1', res));
  expect(await portTaken(ports[0]!)).toBe(true);
  await new Promise<void>((res) => s.close(() => res()));
});
