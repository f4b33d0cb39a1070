// A kind cluster's registry mirror: its node's containerd reads registry hosts from a folder of the
// cluster's (mounted at /etc/containerd/certs.d, config_path set by kind's containerdConfigPatches),
// and an image the kubelet pulls again whatever the node holds (no tag or :latest: pull policy
// Always by default) is pushed to the cluster's local registry (harness/registry.ts), bound to the
// kind network's gateway, the host address the node reaches. Started on the first such image,
// stopped with the cluster.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../lib/exec.js';
import { dockerOk } from '../../docker.js';
import { alive, processesUnder, stopProcesses } from '../../processes.js';
import { parseImage, pushSaved, startRegistry, writeMirrorHosts, type Registry } from '../../registry.js';
import { clusterDir } from '../state.js';
import type { Log } from '../provider.js';

export const NODE_CERTS_DIR = '/etc/containerd/certs.d';
export const certsDir = (name: string): string => join(clusterDir(name), 'certs.d');

/** kind config: containerd takes registry hosts from the mounted folder (its hosts.toml files are read at every pull). */
export const containerdMirrorPatch = `[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${NODE_CERTS_DIR}"\n`;

/**
 * The kubelet pulls it again even when the node has it: a container's `imagePullPolicy: Always`, or
 * no policy and no tag or :latest (the API server's default), unless pinned by digest.
 */
export const pulledAlways = (image: string, policy?: string): boolean => !image.includes('@') && (policy ? policy === 'Always' : parseImage(image).tag === 'latest');

/** The kind network's gateway: the host's address on it, which every node reaches. */
export async function kindGateway(): Promise<string> {
  const out = await dockerOk(['network', 'inspect', 'kind', '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}']);
  const v4 = out.split(/\s+/).find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
  if (!v4) throw new Error(`the docker network kind has no IPv4 gateway (${out.trim() || 'none'})`);
  return v4;
}

const stateFile = (name: string) => join(clusterDir(name), 'registry', 'registry.json');

/** The cluster's registry: the running one its folder records, else one started now. */
async function registryOf(name: string, log: Log): Promise<Registry> {
  const file = stateFile(name);
  if (existsSync(file)) {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Registry;
    if (alive(r.pid, r.owner)) return r;
  }
  // owned by the cluster's folder, as its other processes: destroy and the janitor stop it by that marker
  const r = await startRegistry(join(clusterDir(name), 'registry'), { host: await kindGateway(), owner: clusterDir(name), log });
  writeFileSync(file, JSON.stringify(r, null, 2));
  return r;
}

/** Serves `image` (in the local Docker engine) to the cluster's node by its name: pushed to the cluster's registry, its registry host mirrored. */
export async function mirrorImage(name: string, image: string, log: Log = () => {}): Promise<{ repository: string; tag: string; digest: string; registry: string }> {
  const r = await registryOf(name, log);
  const tmp = mkdtempSync(join(r.dir, 'save-'));
  try {
    const tar = join(tmp, 'image.tar');
    await dockerOk(['save', '-o', tar, image], { timeout: 1_200_000 });
    mkdirSync(join(tmp, 'x'));
    const x = await run('tar', ['-xf', tar, '-C', join(tmp, 'x')]);
    if (!x.ok) throw new Error(`unpacking docker save of ${image}: ${x.stderr.trim()}`);
    const pushed = await pushSaved(r, join(tmp, 'x'), image);
    writeMirrorHosts(certsDir(name), [image], r.address);
    log(`${image}: served by the cluster's registry ${r.address} as ${pushed.repository}:${pushed.tag} (${pushed.digest.slice(0, 19)})`);
    return { ...pushed, registry: r.address };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Stops the cluster's registry (and whatever else its folder owns). */
export async function stopMirror(name: string): Promise<void> {
  const owner = clusterDir(name);
  await stopProcesses(processesUnder(owner).filter((p) => p.owner === owner).map((p) => p.pid), owner);
}
