// Minimal HTTP(S) GET (and POST) for health checks, and a poll loop that stops early on a fault.
import http from 'node:http';
import https from 'node:https';

export type Tls = { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };

/** GET url (or POST `body` as JSON); a refused or reset connection is status 0 (not up yet), never a throw. */
export function get(url: string, tls: Tls = {}, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const lib = url.startsWith('https:') ? https : http;
    const method = body === undefined ? 'GET' : 'POST';
    const req = lib.request(url, { ...tls, method, timeout: 2000, agent: false, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body === undefined ? undefined : JSON.stringify(body));
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
