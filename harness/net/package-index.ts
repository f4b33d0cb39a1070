// A PEP 503 simple package index over the harness's wheelhouses, and the synthetic MNIST beside it:
// what upstream tests that `pip install` and download MNIST at run time reach instead of the
// internet (PIP_INDEX_URL, PIP_TRUSTED_HOST, MNIST_DATASET_URL). Only files a manifest lists are
// served, by name: nothing else of the disk. It binds 127.0.0.1 unless told an address (for kind, the
// host's address on the kind network: see kindHostAddress).
import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Wheelhouse } from '../toolchain/wheelhouse.js';

/**
 * The index by one name in every cluster it is served to, for pods no knob tells where it is (the
 * operator's PyTorch Job before v1.2.0 has none): a Service of the harness's own namespace, with no
 * selector and the index's address as its endpoint. The image made for those pods carries the name
 * (harness/providers/kind/workloads.ts). kind's cluster domain is cluster.local.
 */
export const IN_CLUSTER = { namespace: 'codeflare-matrix', service: 'package-index', host: 'package-index.codeflare-matrix.svc.cluster.local' } as const;

/** The Namespace, Service and EndpointSlice that name an index listening on `address`:`port` inside a cluster. */
export function inClusterObjects(address: string, port: number): object[] {
  const { namespace, service } = IN_CLUSTER;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: service, namespace }, spec: { ports: [{ name: 'http', port: 80, targetPort: port, protocol: 'TCP' }] } },
    {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: service, namespace, labels: { 'kubernetes.io/service-name': service } },
      addressType: address.includes(':') ? 'IPv6' : 'IPv4', endpoints: [{ addresses: [address] }], ports: [{ name: 'http', port, protocol: 'TCP' }],
    },
  ];
}

export type PackageIndex = {
  /** http://host:port/ */
  url: string;
  /** The address and port it listens on. */
  host: string;
  port: number;
  /** PIP_INDEX_URL: the simple index. */
  indexUrl: string;
  /** PIP_TRUSTED_HOST: plain HTTP, so pip must be told to trust it. */
  trustedHost: string;
  /** MNIST_DATASET_URL: ends with a slash (mnist.py appends the file name). */
  mnistUrl?: string;
  close: () => Promise<void>;
};

/** PEP 503 normalized project name. */
export const normalize = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** A distribution file's project: a wheel's first field, an sdist's name before its version. */
function projectOf(file: string): string {
  return normalize(file.endsWith('.whl') ? file.split('-')[0]! : file.replace(/-[^-]+\.(tar\.gz|zip|tar\.bz2)$/, ''));
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export async function servePackageIndex(o: { wheelhouses: Wheelhouse[]; mnist?: { dir: string; files: string[] }; host?: string; port?: number }): Promise<PackageIndex> {
  const files = new Map<string, { path: string; sha256: string }>();
  for (const w of o.wheelhouses) for (const f of w.manifest.files) files.set(f.file, { path: join(w.dir, 'files', f.file), sha256: f.sha256 });
  const projects = new Map<string, string[]>();
  for (const file of [...files.keys()].sort()) projects.set(projectOf(file), [...(projects.get(projectOf(file)) ?? []), file]);
  const mnist = new Map((o.mnist?.files ?? []).map((f) => [f, join(o.mnist!.dir, f)]));

  const page = (title: string, links: string[]) => `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0"><title>${esc(title)}</title></head><body>\n${links.join('\n')}\n</body></html>\n`;
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: string, type = 'text/plain') => res.writeHead(status, { 'Content-Type': type }).end(req.method === 'HEAD' ? undefined : body);
    const stream = (path: string, type: string) => {
      res.writeHead(200, { 'Content-Type': type });
      if (req.method === 'HEAD') return res.end();
      createReadStream(path).on('error', () => res.destroy()).pipe(res);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/simple/') return send(200, page('Simple index', [...projects.keys()].map((p) => `<a href="/simple/${esc(p)}/">${esc(p)}</a>`)), 'text/html');
    const simple = /^\/simple\/([^/]+)\/?$/.exec(path);
    if (simple) {
      const name = normalize(simple[1]!);
      const list = projects.get(name);
      if (!list) return send(404, `no project ${name}\n`);
      if (!path.endsWith('/') || simple[1] !== name) return res.writeHead(301, { Location: `/simple/${name}/` }).end();
      return send(200, page(`Links for ${name}`, list.map((f) => `<a href="/files/${esc(encodeURIComponent(f))}#sha256=${files.get(f)!.sha256}">${esc(f)}</a>`)), 'text/html');
    }
    const file = /^\/files\/([^/]+)$/.exec(path)?.[1];
    if (file && files.has(file)) return stream(files.get(file)!.path, 'application/octet-stream');
    const data = /^\/mnist\/([^/]+)$/.exec(path)?.[1];
    if (data && mnist.has(data)) return stream(mnist.get(data)!, data.endsWith('.gz') ? 'application/gzip' : 'application/octet-stream');
    return send(404, 'not found\n');
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostPort = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const url = `http://${hostPort}/`;
  return {
    url,
    host,
    port,
    indexUrl: `${url}simple/`,
    trustedHost: host,
    ...(o.mnist ? { mnistUrl: `${url}mnist/` } : {}),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** The environment an upstream test's pods take the index and the data from (codeflare-common support/environment.go). */
export function indexEnv(index: PackageIndex): Record<string, string> {
  return { PIP_INDEX_URL: index.indexUrl, PIP_TRUSTED_HOST: index.trustedHost, ...(index.mnistUrl ? { MNIST_DATASET_URL: index.mnistUrl } : {}) };
}
