// A local OCI registry (distribution's, built by the toolchain from its Go module) that a cluster's
// nodes mirror image names to: what a test or manifest pulls with Always or :latest is then served
// here with no registry on the internet. One per cluster, its data under the cluster's folder, its
// process owned by that folder (the janitor finds it by marker); images are pushed over the OCI
// distribution API from a `docker save` folder, under <registry host>/<repository> so names of two
// registries never meet.
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { stringify } from 'yaml';
import { startProcess, stopProcesses, tail } from './processes.js';
import { freePort } from './net/ports.js';
import { defaultVersions, ensureToolchain, toolchainEntry } from './toolchain/index.js';

export type Registry = { host: string; port: number; /** host:port */ address: string; dir: string; pid: number; owner: string; version: string };

/** Starts the registry on `host` (127.0.0.1, or an address of a network the harness's clusters sit on), data under `dir`. */
export async function startRegistry(dir: string, o: { host?: string; owner?: string; log?: (line: string) => void } = {}): Promise<Registry> {
  const host = o.host ?? '127.0.0.1';
  const owner = o.owner ?? dir;
  const version = defaultVersions().registry;
  // built on first need: a fresh machine's first cell whose pods pull Always has none yet
  await ensureToolchain({ kubernetes: [], tools: ['registry'], ...(o.log ? { log: o.log } : {}) });
  const bin = toolchainEntry('registry', version).bin.registry!;
  mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });
  // A free port on 127.0.0.1 is almost always free on another address too; a clash shows as an early exit, and the next port is tried.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'config.yml');
    writeFileSync(config, stringify({ version: 0.1, log: { level: 'info', formatter: 'text' }, storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } }, http: { addr: `${host}:${port}` } }), { mode: 0o600 });
    const p = startProcess(bin, ['serve', config], { log: join(dir, 'registry.log'), owner });
    const base = `http://${host}:${port}`;
    for (let i = 0; i < 200 && !p.exited(); i++) {
      const ok = await fetch(`${base}/v2/`).then((r) => r.status === 200, () => false);
      if (ok) return { host, port, address: `${host}:${port}`, dir, pid: p.pid, owner, version };
      await new Promise((r) => setTimeout(r, 100));
    }
    await stopProcesses([p.pid], owner);
    if (attempt === 3) throw new Error(`the registry (distribution ${version}) did not answer on ${base}; last lines of ${join(dir, 'registry.log')}:\n${tail(join(dir, 'registry.log'))}`);
  }
}

export async function stopRegistry(r: Registry): Promise<void> {
  await stopProcesses([r.pid], r.owner);
}

/** An image name as containerd resolves it: its registry host, its repository there, its tag. */
export function parseImage(name: string): { registry: string; repository: string; tag: string } {
  const at = name.indexOf('@');
  if (at >= 0) throw new Error(`${name}: an image pinned by digest cannot be served under its name by a registry here (its digest is the upstream image's)`);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const remote = first.includes('.') || first.includes(':') || first === 'localhost';
  const registry = remote ? first : 'docker.io';
  let rest = remote ? name.slice(slash + 1) : name;
  const colon = rest.lastIndexOf(':');
  const tag = colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : 'latest';
  if (colon > rest.lastIndexOf('/')) rest = rest.slice(0, colon);
  const repository = registry === 'docker.io' && !rest.includes('/') ? `library/${rest}` : rest;
  return { registry, repository, tag };
}

/** Where containerd asks for an upstream registry's images (hosts.toml override_path): under <registry host>/ here. */
export const mirroredRepository = (name: string): string => {
  const i = parseImage(name);
  return `${i.registry}/${i.repository}`;
};

/** The upstream server of a registry host, as containerd's hosts.toml names it. */
const serverOf = (registry: string): string => (registry === 'docker.io' ? 'https://registry-1.docker.io' : `https://${registry}`);

/**
 * containerd's hosts.toml for each registry host the images name (certs.d/<host>/hosts.toml): pulls
 * go to the local registry first, under /v2/<host>/ (override_path), then upstream.
 */
export function mirrorHosts(images: string[], endpoint: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const registry of new Set(images.map((n) => parseImage(n).registry))) {
    out[`${registry}/hosts.toml`] = [`server = "${serverOf(registry)}"`, '', `[host."http://${endpoint}/v2/${registry}"]`, '  capabilities = ["pull", "resolve"]', '  override_path = true', ''].join('\n');
  }
  return out;
}

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

async function ok(r: Response, what: string, want: number[]): Promise<Response> {
  if (!want.includes(r.status)) throw new Error(`registry: ${what} answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
  return r;
}

async function pushBlob(base: string, repository: string, path: string, digest: string): Promise<void> {
  if ((await fetch(`${base}/v2/${repository}/blobs/${digest}`, { method: 'HEAD' })).status === 200) return;
  const start = await ok(await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST' }), `starting the upload of ${digest}`, [202]);
  const location = new URL(start.headers.get('location')!, base);
  location.searchParams.set('digest', digest);
  const body = Readable.toWeb(createReadStream(path)) as unknown as BodyInit;
  await ok(await fetch(location, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream', 'content-length': String(statSync(path).size) }, duplex: 'half' } as RequestInit), `uploading ${digest}`, [201]);
}

/**
 * Pushes the image of a `docker save` folder (its manifest.json: the config and the layer tars, in
 * the legacy layout and in Docker 25's OCI one alike) to the registry under `name`'s mirrored
 * repository and tag, as an OCI image manifest. Returns the manifest's digest.
 */
export async function pushSaved(r: Registry, saved: string, name: string): Promise<{ repository: string; tag: string; digest: string }> {
  const base = `http://${r.address}`;
  const entries = JSON.parse(readFileSync(join(saved, 'manifest.json'), 'utf8')) as { Config: string; Layers: string[] }[];
  const entry = entries[0];
  if (!entry) throw new Error(`${saved}/manifest.json names no image`);
  const repository = mirroredRepository(name);
  const { tag } = parseImage(name);
  const config = { path: join(saved, entry.Config), digest: await sha256Of(join(saved, entry.Config)) };
  const layers = await Promise.all(entry.Layers.map(async (l) => ({ path: join(saved, l), digest: await sha256Of(join(saved, l)) })));
  for (const b of [config, ...layers]) await pushBlob(base, repository, b.path, b.digest);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: statSync(config.path).size },
    // docker save writes layers uncompressed (the digest is the layer's diff id, as the config lists it)
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: statSync(l.path).size })),
  });
  await ok(await fetch(`${base}/v2/${repository}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'content-type': MANIFEST } }), `putting the manifest of ${name}`, [201]);
  return { repository, tag, digest: `sha256:${createHash('sha256').update(manifest).digest('hex')}` };
}

/** Writes the hosts.toml files for `images` into a certs.d folder a node mounts (containerd reads them at each pull). */
export function writeMirrorHosts(certsDir: string, images: string[], endpoint: string): void {
  for (const [file, text] of Object.entries(mirrorHosts(images, endpoint))) {
    mkdirSync(join(certsDir, file, '..'), { recursive: true });
    writeFileSync(join(certsDir, file), text);
  }
}
