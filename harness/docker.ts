// A thin wrapper over the docker CLI (kind's provider does the same): argument arrays only, every
// failure an error that names the command and the engine's last words.
import { execa } from 'execa';
import { run, type RunResult } from '../lib/exec.js';
import { UserError } from '../lib/errors.js';
import { startTime } from './processes.js';

/** The label every container and image the harness makes carries (the janitor's handle). */
export const HARNESS_LABEL = 'codeflare-matrix.io/owner';

/** The pid (and its start time) of the process that made a build container: the janitor removes it once that process is gone. */
export const BUILDER_LABEL = 'codeflare-matrix.io/builder';

/** Labels for a container the harness runs while building an image. */
export function buildLabels(): string[] {
  return ['--label', `${HARNESS_LABEL}=codeflare-matrix`, '--label', `${BUILDER_LABEL}=${process.pid}:${startTime(process.pid) ?? ''}`];
}

/**
 * Build containers whose builder process is gone (a build killed mid-way). A label the container
 * only inherited from its image (`docker commit` keeps the build container's labels: every kind node
 * of a node image made here carries its builder's) says nothing of the container: not a stray.
 */
export async function strayBuildContainers(): Promise<string[]> {
  const r = await docker(['ps', '-a', '--filter', `label=${BUILDER_LABEL}`, '--format', `{{.Names}} {{.Image}} {{.Label "${BUILDER_LABEL}"}}`]);
  if (!r.ok) return [];
  const strays: string[] = [];
  for (const l of r.stdout.split('\n').filter(Boolean)) {
    const [name, image = '', builder = ''] = l.split(' ');
    const [pid, start] = builder.split(':');
    if (startTime(Number(pid)) === start) continue;
    const inherited = await docker(['image', 'inspect', '--format', `{{index .Config.Labels "${BUILDER_LABEL}"}}`, image]);
    if (inherited.ok && inherited.stdout.trim() === builder) continue;
    strays.push(name!);
  }
  return strays;
}

export async function docker(args: string[], opts: { input?: string; timeout?: number } = {}): Promise<RunResult> {
  return run('docker', args, { timeout: opts.timeout ?? 600_000, ...(opts.input !== undefined ? { input: opts.input } : {}) });
}

/** Like docker(), but a non-zero exit throws with the command and the tail of its output. */
export async function dockerOk(args: string[], opts: { input?: string; timeout?: number } = {}): Promise<string> {
  const r = await docker(args, opts);
  if (!r.ok) throw new Error(`docker ${args.slice(0, 3).join(' ')} failed: ${r.all.trim().split('\n').slice(-5).join(' | ')}`);
  return r.stdout;
}

/** `producer … | docker consumer…` without a shell (an image tar into `docker import` or `ctr import`). */
export async function pipeToDocker(producer: [string, string[]], args: string[]): Promise<void> {
  // buffer: false — a root filesystem is gigabytes; buffering it would hit execa's maxBuffer and kill the producer.
  const r = await execa(producer[0], producer[1], { reject: false, buffer: false }).pipe('docker', args, { reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`${producer[0]} | docker ${args.slice(0, 3).join(' ')} failed: ${String(r.all ?? '').trim().split('\n').slice(-5).join(' | ')}`);
}

/** The engine's version, or why there is none. */
export async function engine(): Promise<{ ok: true; version: string; cgroup: string } | { ok: false; why: string }> {
  const r = await run('docker', ['info', '--format', '{{.ServerVersion}} {{.CgroupVersion}}'], { timeout: 20_000 }).catch((e: Error) => ({ ok: false, stdout: '', stderr: e.message, all: e.message }) as RunResult);
  if (!r.ok || !r.stdout.trim()) {
    const why = /ENOENT|not found/.test(r.all) ? 'the docker CLI is not installed' : 'no Docker engine answers on its socket';
    return { ok: false, why };
  }
  const [version = '', cgroup = ''] = r.stdout.trim().split(' ');
  return { ok: true, version, cgroup };
}

/** Throws the one-line "start it like this" error when no engine answers. */
export async function requireEngine(what: string): Promise<void> {
  const e = await engine();
  if (!e.ok) throw new UserError(`${what} needs a Docker engine: ${e.why}`, 'docker', 'start one with bin/docker-up (installs Debian\'s docker.io and debootstrap if missing, starts dockerd)');
}

export async function imageLabel(image: string, label: string): Promise<string | undefined> {
  const r = await docker(['image', 'inspect', '--format', `{{index .Config.Labels "${label}"}}`, image]);
  return r.ok ? r.stdout.trim() : undefined;
}
