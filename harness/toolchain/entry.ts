// Reading cache entries: the manifest, a cheap integrity check (sizes) on every lookup, and a full
// sha256 check on request.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { z } from 'zod';
import { UserError } from '../../lib/errors.js';
import { components, entryDir, toolchainHome, type Component } from './home.js';

export const Manifest = z.object({
  component: z.enum(components),
  version: z.string(),
  binaries: z.record(z.string(), z.object({ size: z.number().int(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  goVersion: z.string(),
  tags: z.array(z.string()).default([]),
  /** Modules the proxy served but the checksum database could not vouch for (GONOSUMDB), said openly. */
  unverified: z.array(z.string()).optional(),
  module: z.object({ path: z.string(), version: z.string(), sum: z.string(), gitCommit: z.string().optional() }),
  buildSeconds: z.number(),
  createdAt: z.string(),
});
export type Manifest = z.infer<typeof Manifest>;

export interface Entry {
  component: Component;
  version: string;
  dir: string;
  /** Binary name → absolute path. */
  bin: Record<string, string>;
  manifest: Manifest;
}

/** The entry is not in the cache (as opposed to broken). */
export class MissingEntryError extends UserError {}



const title: Record<Component, string> = {
  kubernetes: 'Kubernetes',
  'kubernetes-node': 'Kubernetes node binaries',
  etcd: 'etcd',
  kwok: 'kwok',
  helm: 'helm',
  kind: 'kind',
  crictl: 'crictl',
  coredns: 'CoreDNS',
  registry: 'the OCI registry (distribution)',
  traefik: 'the ingress controller (Traefik)',
};

/** The `toolchain build` command that (re)builds one entry. */
export function buildCommand(component: Component, version: string, force = false): string {
  const what = component === 'kubernetes' ? `--kubernetes ${version}` : component === 'kubernetes-node' ? `--node ${version}` : `--${component}`;
  return `npx codeflare-matrix toolchain build ${what}${force ? ' --force' : ''}`;
}

function corrupt(component: Component, version: string, why: string): UserError {
  return new UserError(`corrupt toolchain entry ${component} ${version}: ${why}`, entryDir(component, version), buildCommand(component, version, true));
}

/** The entry's paths; throws a UserError when it is missing or does not match its manifest. */
export function toolchainEntry(component: Component, version: string): Entry {
  const dir = entryDir(component, version);
  let text: string;
  try {
    text = readFileSync(join(dir, 'manifest.json'), 'utf8');
  } catch {
    throw new MissingEntryError(`no toolchain for ${title[component]} ${version}`, dir, buildCommand(component, version));
  }
  let manifest: Manifest;
  try {
    manifest = Manifest.parse(JSON.parse(text));
  } catch {
    throw corrupt(component, version, 'manifest.json is unreadable');
  }
  if (manifest.component !== component || manifest.version !== version) throw corrupt(component, version, 'manifest.json names another entry');
  const bin: Record<string, string> = {};
  for (const [name, want] of Object.entries(manifest.binaries)) {
    const path = join(dir, 'bin', name);
    const size = statSync(path, { throwIfNoEntry: false })?.size;
    if (size === undefined) throw corrupt(component, version, `bin/${name} is missing`);
    if (size !== want.size) throw corrupt(component, version, `bin/${name} has ${size} bytes, the manifest says ${want.size}`);
    bin[name] = path;
  }
  return { component, version, dir, bin, manifest };
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Full check: every binary's sha256. Throws like `toolchainEntry`. */
export async function verifyEntry(component: Component, version: string): Promise<Entry> {
  const e = toolchainEntry(component, version);
  for (const [name, path] of Object.entries(e.bin)) {
    if ((await sha256File(path)) !== e.manifest.binaries[name]!.sha256) throw corrupt(component, version, `bin/${name} does not match its sha256`);
  }
  return e;
}

export interface Listed {
  component: Component;
  version: string;
  dir: string;
  entry?: Entry;
  /** Why the entry is unusable, when it is. */
  problem?: string;
}

/** Every entry in the cache, usable or not, by component then version. */
export function listToolchain(): Listed[] {
  const out: Listed[] = [];
  for (const component of components) {
    let versions: string[] = [];
    try {
      // Dot-names are locks and half-built temp dirs.
      versions = readdirSync(join(toolchainHome(), component)).filter((v) => !v.startsWith('.'));
      versions.sort((a, b) => (semver.valid(a) && semver.valid(b) ? semver.compare(a, b) : a.localeCompare(b)));
    } catch {
      continue;
    }
    for (const version of versions) {
      const dir = entryDir(component, version);
      try {
        out.push({ component, version, dir, entry: toolchainEntry(component, version) });
      } catch (e) {
        out.push({ component, version, dir, problem: e instanceof UserError ? e.message : String(e) });
      }
    }
  }
  return out;
}
