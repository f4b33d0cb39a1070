// Minimal HTTP(S) GET for health checks, and a poll loop that stops early on a fault.
import http from 'node:http';
import https from 'node:https';

export type Tls = { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };

/** GET url; a refused or reset connection is status 0 (not up yet), never a throw. */
export function get(url: string, tls: Tls = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, { ...tls, timeout: 2000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** Polls `ready` until true; `check` throws to stop early (a process died, a deadline passed). */
export async function waitFor(ready: () => Promise<boolean>, o: { check: () => void; intervalMs: number }): Promise<void> {
  for (;;) {
    o.check();
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}
