// Ports on this host: one the kernel picks, and whether one is taken. Servers the harness starts
// bind 127.0.0.1; a component that binds a fixed port binds it on every interface.
import { connect, createServer } from 'node:net';

/** A free port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
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
