// Images made here, with no registry: Debian root filesystems from Debian's packages (debootstrap),
// and single-binary images (a binary the toolchain or an installer built, on an empty filesystem).
// Each carries a label with the hash of its inputs, so a changed input makes a new image and an
// unchanged one is reused.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from '../../../lib/exec.js';
import { home } from '../../../lib/paths.js';
import { docker, HARNESS_LABEL, imageLabel, pipeToDocker } from '../../docker.js';
import { withLock } from '../../toolchain/index.js';
import type { Log } from '../provider.js';

export const INPUTS_LABEL = 'codeflare-matrix.io/inputs';
export const DEBIAN_SUITE = 'bookworm';
const MIRROR = 'http://deb.debian.org/debian';

export function hashOf(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

export function workDir(...parts: string[]): string {
  return join(home(), 'kind', ...parts);
}

/** Image config for `docker import --change`. */
export type ImageConfig = { entrypoint?: string[]; cmd?: string[]; env?: Record<string, string>; user?: string; workdir?: string; labels?: Record<string, string> };

function changes(c: ImageConfig, inputs: string): string[] {
  const out: string[] = [];
  if (c.entrypoint) out.push(`ENTRYPOINT ${JSON.stringify(c.entrypoint)}`);
  if (c.cmd) out.push(`CMD ${JSON.stringify(c.cmd)}`);
  for (const [k, v] of Object.entries(c.env ?? {})) out.push(`ENV ${k}=${v}`);
  if (c.user) out.push(`USER ${c.user}`);
  if (c.workdir) out.push(`WORKDIR ${c.workdir}`);
  for (const [k, v] of Object.entries({ ...c.labels, [HARNESS_LABEL]: 'codeflare-matrix', [INPUTS_LABEL]: inputs })) out.push(`LABEL ${k}=${JSON.stringify(v)}`);
  return out.flatMap((c) => ['--change', c]);
}

/** `tar -C dir . | docker import` with the config. */
export async function importDir(dir: string, tag: string, config: ImageConfig, inputs: string): Promise<void> {
  await pipeToDocker(['tar', ['--numeric-owner', '-C', dir, '-c', '.']], ['import', ...changes(config, inputs), '-', tag]);
}

/** `docker commit` of a build container as `tag`, with the config and the inputs label (what cachedImage compares). */
export async function commitContainer(container: string, tag: string, config: ImageConfig, inputs: string): Promise<void> {
  const r = await docker(['commit', ...changes(config, inputs), container, tag]);
  if (r.exitCode !== 0) throw new Error(`docker commit ${container} as ${tag}: ${(r.stderr || r.stdout).trim()}`);
}

/** Runs `make` once per inputs hash: an image whose label matches is taken as is (under a lock, so parallel cells build it once). */
export async function cachedImage(tag: string, inputs: string, make: () => Promise<void>, log: Log): Promise<boolean> {
  if ((await imageLabel(tag, INPUTS_LABEL)) === inputs) return false;
  mkdirSync(workDir(), { recursive: true });
  return withLock(
    workDir(`.${tag.replace(/[^a-z0-9.-]/gi, '_')}.lock`),
    async () => {
      if ((await imageLabel(tag, INPUTS_LABEL)) === inputs) return false;
      const old = (await docker(['image', 'inspect', '--format', '{{.Id}}', tag])).stdout.trim();
      await make();
      // The image this one replaces is left untagged: remove it (a container still using it keeps it).
      if (old) await docker(['rmi', old]);
      return true;
    },
    { log, what: tag },
  );
}

/**
 * A Debian root filesystem with `packages`, from Debian's own mirror, as an image. `prepare` may add
 * files to the tree before it is imported.
 */
export async function debianImage(
  tag: string,
  packages: string[],
  config: ImageConfig,
  log: Log,
  prepare?: { key: string; fn: (rootfs: string) => Promise<void> },
): Promise<void> {
  const inputs = hashOf(DEBIAN_SUITE, packages, config, prepare?.key ?? '');
  await cachedImage(tag, inputs, async () => {
    const rootfs = workDir('rootfs', `${tag.replace(/[^a-z0-9.-]/gi, '_')}-${process.pid}`);
    rmSync(rootfs, { recursive: true, force: true });
    mkdirSync(dirname(rootfs), { recursive: true });
    try {
      log(`${tag}: debootstrap ${DEBIAN_SUITE} with ${packages.length} packages from ${MIRROR}`);
      const r = await run('debootstrap', ['--variant=minbase', `--include=${packages.join(',')}`, DEBIAN_SUITE, rootfs, MIRROR], { timeout: 1_800_000 });
      if (!r.ok) throw new Error(`debootstrap for ${tag} failed: ${r.all.trim().split('\n').slice(-5).join(' | ')}`);
      // apt's package lists and caches are not part of what runs.
      for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists']) rmSync(join(rootfs, d), { recursive: true, force: true });
      mkdirSync(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
      await prepare?.fn(rootfs);
      log(`${tag}: importing`);
      await importDir(rootfs, tag, config, inputs);
    } finally {
      rmSync(rootfs, { recursive: true, force: true });
    }
  }, log);
}

/**
 * An image holding only `files` (destination → source path), made executable, plus the few files
 * every process expects (/etc/passwd with root and nonroot 65532, /tmp).
 */
export async function filesImage(tag: string, files: Record<string, string>, config: ImageConfig, inputsOf: unknown[], log: Log): Promise<void> {
  const inputs = hashOf(files, config, ...inputsOf);
  await cachedImage(tag, inputs, async () => {
    const dir = workDir('files', `${tag.replace(/[^a-z0-9.-]/gi, '_')}-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    try {
      for (const [dest, src] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, dest)), { recursive: true });
        if (statSync(src).isDirectory()) {
          // a folder of the source tree (templates, data): readable by the image's user
          cpSync(src, join(dir, dest), { recursive: true });
          await run('chmod', ['-R', 'a+rX,u+w', join(dir, dest)]);
          continue;
        }
        copyFileSync(src, join(dir, dest));
        chmodSync(join(dir, dest), 0o755);
      }
      mkdirSync(join(dir, 'etc'), { recursive: true });
      mkdirSync(join(dir, 'tmp'), { recursive: true, mode: 0o1777 });
      chmodSync(join(dir, 'tmp'), 0o1777);
      writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n');
      writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnonroot:x:65532:\n');
      log(`${tag}: importing`);
      await importDir(dir, tag, config, inputs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, log);
}
