// The local OCI registry (distribution, built by the toolchain from its Go module): started on
// 127.0.0.1 with its data in a folder of the test's, a tiny image made here in `docker save`'s
// layout pushed under its mirrored name, pulled back over the OCI distribution API as containerd
// asks for it through a hosts.toml mirror (override_path), byte for byte; stopped, no process left.
import { test, expect } from '@playwright/test';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { execa } from 'execa';
import { ownerOf } from './processes.js';
import { mirrorHosts, parseImage, pushSaved, startRegistry, stopRegistry } from './registry.js';
import { kindConfig } from './providers/kind/provision.js';
import { containerdMirrorPatch, pulledAlways } from './providers/kind/mirror.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('image names as containerd resolves them, the hosts.toml that mirrors their registries, and a kind node that reads them', () => {
  expect(parseImage('busybox')).toEqual({ registry: 'docker.io', repository: 'library/busybox', tag: 'latest' });
  expect(parseImage('rayproject/ray:2.9.0')).toEqual({ registry: 'docker.io', repository: 'rayproject/ray', tag: '2.9.0' });
  expect(parseImage('quay.io/project-codeflare/busybox:1.36')).toEqual({ registry: 'quay.io', repository: 'project-codeflare/busybox', tag: '1.36' });
  expect(parseImage('localhost:5000/x/y')).toEqual({ registry: 'localhost:5000', repository: 'x/y', tag: 'latest' });
  expect(() => parseImage('quay.io/modh/ray@sha256:abc')).toThrow(/pinned by digest/);
  expect(pulledAlways('quay.io/x/y')).toBe(true);
  expect(pulledAlways('quay.io/x/y:latest')).toBe(true);
  expect(pulledAlways('quay.io/x/y:1.0')).toBe(false);
  // a container's policy decides where it says one: era A's operator-made Deployments pull v-tags with Always
  expect(pulledAlways('quay.io/project-codeflare/mcad-controller:release-v1.29.40', 'Always')).toBe(true);
  expect(pulledAlways('quay.io/x/y:latest', 'IfNotPresent')).toBe(false);
  expect(pulledAlways('quay.io/x/y@sha256:abc', 'Always')).toBe(false);
  const hosts = mirrorHosts(['busybox:latest', 'quay.io/a/b:latest', 'quay.io/c/d'], '172.18.0.1:5000');
  expect(Object.keys(hosts).sort()).toEqual(['docker.io/hosts.toml', 'quay.io/hosts.toml']);
  expect(hosts['quay.io/hosts.toml']).toBe('server = "https://quay.io"\n\n[host."http://172.18.0.1:5000/v2/quay.io"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n');
  expect(hosts['docker.io/hosts.toml']).toContain('server = "https://registry-1.docker.io"');
  const cfg = parse(kindConfig({ name: 'x', kubernetes: 'v1.31.0' }, undefined, '/cells/x/certs.d')) as { nodes: { extraMounts: unknown[] }[]; containerdConfigPatches: string[] };
  expect(cfg.nodes[0]!.extraMounts).toEqual([{ hostPath: '/cells/x/certs.d', containerPath: '/etc/containerd/certs.d', readOnly: true }]);
  expect(cfg.containerdConfigPatches).toEqual([containerdMirrorPatch]);
  expect(containerdMirrorPatch).toContain('config_path = "/etc/containerd/certs.d"');
  expect(parse(kindConfig({ name: 'x', kubernetes: 'v1.31.0' }, undefined))).not.toHaveProperty('containerdConfigPatches');
});

test.describe('a registry of the harness', () => {
  test.describe.configure({ timeout: 30 * 60_000 });
  let dir: string | undefined;
  test.afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('started on 127.0.0.1 with its data under the folder it is given; an image pushed and pulled back byte for byte; stopped with no process left', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cfm-registry-'));
    // a tiny image as `docker save` writes it: manifest.json, the config, one uncompressed layer tar
    const saved = join(dir, 'saved');
    mkdirSync(join(saved, 'files'), { recursive: true });
    mkdirSync(join(saved, 'layer'));
    writeFileSync(join(saved, 'files', 'hello.txt'), 'served here\n');
    await execa('tar', ['-cf', join(saved, 'layer', 'layer.tar'), '-C', join(saved, 'files'), 'hello.txt']);
    const layer = readFileSync(join(saved, 'layer', 'layer.tar'));
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/cat', '/hello.txt'] }, rootfs: { type: 'layers', diff_ids: [sha(layer)] } });
    writeFileSync(join(saved, 'config.json'), config);
    writeFileSync(join(saved, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: ['quay.io/example/tiny:latest'], Layers: ['layer/layer.tar'] }]));

    const r = await startRegistry(join(dir, 'registry'), { log: (l) => console.log(l) }); // builds distribution on first need
    try {
      expect(r.host).toBe('127.0.0.1');
      expect(ownerOf(r.pid)).toBe(join(dir, 'registry'));
      const pushed = await pushSaved(r, saved, 'quay.io/example/tiny');
      expect(pushed).toMatchObject({ repository: 'quay.io/example/tiny', tag: 'latest' });
      // as containerd asks through the mirror: /v2/<registry host>/<repository>/manifests/<tag>
      const base = `http://${r.address}/v2/quay.io/example/tiny`;
      const m = await fetch(`${base}/manifests/latest`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      expect(m.status).toBe(200);
      expect(m.headers.get('docker-content-digest')).toBe(pushed.digest);
      const manifest = (await m.json()) as { config: { digest: string; size: number }; layers: { digest: string; size: number }[] };
      expect(manifest.config).toMatchObject({ digest: sha(config), size: config.length });
      expect(manifest.layers).toEqual([{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }]);
      for (const [digest, bytes] of [[sha(layer), layer], [sha(config), Buffer.from(config)]] as const) {
        const b = Buffer.from(await (await fetch(`${base}/blobs/${digest}`)).arrayBuffer());
        expect(b.equals(bytes), digest).toBe(true);
      }
      // a second push of the same image uploads nothing new and names the same manifest
      expect((await pushSaved(r, saved, 'quay.io/example/tiny:latest')).digest).toBe(pushed.digest);
      // an unknown tag is no image
      expect((await fetch(`${base}/manifests/nope`)).status).toBe(404);
      expect(existsSync(join(dir, 'registry', 'data', 'docker', 'registry', 'v2', 'repositories', 'quay.io', 'example', 'tiny'))).toBe(true);
      console.log(`registry distribution ${r.version} on ${r.address}: pushed and pulled ${layer.length + config.length} bytes`);
    } finally {
      await stopRegistry(r);
    }
    expect(ownerOf(r.pid)).toBeUndefined();
    expect(await fetch(`http://${r.address}/v2/`).then(() => 'answered', () => 'gone')).toBe('gone');
  });
});
