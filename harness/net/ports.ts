// Ports on this host: a free one to bind, and whether one is taken. Servers the harness starts
// bind 127.0.0.1; a component that binds a fixed port binds it on every interface.
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** The kernel's ephemeral range: outgoing connections take their source ports from it, in every namespace. */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

const handedOut = new Set<number>();

/**
 * A free port for a server to bind, below the kernel's ephemeral range: a port from that range can be
 * taken between the pick and the bind by any outgoing connection — in a cell's own network namespace
 * the host's pick says nothing of it (a controller's connection to its apiserver held one). Free on
 * 127.0.0.1 here, and never handed out twice by this process.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow() - 1;
  const low = Math.max(1024, high - 12_000);
  for (let i = 0; i < 200; i++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    handedOut.add(port); // before the check, so concurrent picks never meet
    if (!(await portTaken(port))) return port;
  }
  throw new Error(`no free port in ${low}-${high} on 127.0.0.1 after 200 tries`);
}

/** Something listens on the port: on 127.0.0.1, or with `anyInterface` on any (as binding ':port' needs). */
export function portTaken(port: number, anyInterface = false): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(true));
    const done = () => s.close(() => resolve(false));
    if (anyInterface) s.listen(port, done);
    else s.listen(port, '127.0.0.1', done);
  });
}

/** A server accepts connections on host:port (127.0.0.1, or a cell's namespace address). */
export function listening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ port, host });
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
}
