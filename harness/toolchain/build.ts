// Building one cache entry: wrapper module → download → one `go build` for all mains → version
// check → manifest, assembled in a temp dir and renamed into place so readers never see half an entry.
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { entryDir, lockPath, workDir, type Component } from './home.js';
import { publishDir } from '../../lib/files.js';
import { withLock } from './lock.js';
import { go as runGo } from './go.js';
import { goEnv, roomForBuild } from './gomod.js';
import { buildSpec, type BuildSpec } from './specs.js';
import { sha256File, toolchainEntry, type Manifest } from './entry.js';

export type Log = (line: string) => void;

/** 2m40s */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Runs one step, saying when it starts and every 20 s while it runs. */
async function step<T>(log: Log, name: string, label: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  log(`${name}: ${label}`);
  const tick = setInterval(() => log(`… still ${label} ${name} (${duration(Date.now() - start)})`), 20_000);
  try {
    return await fn();
  } finally {
    clearInterval(tick);
  }
}

/**
 * Runs go with its output appended to the build log; on failure shows the log's tail and throws.
 * A module the checksum database lacks (it answers 404; the proxy serves it) is retried without
 * that check and returned among the `unverified`, which the manifest records.
 */
async function go(args: string[], cwd: string, logFile: string, log: Log, name: string, quiet: boolean, unverified: string[]): Promise<string[]> {
  if (args[0] === 'build') {
    const trimmed = await roomForBuild();
    if (trimmed) log(`${name}: ${trimmed}`);
  }
  const r = await runGo(args, { cwd, log: logFile, quiet, unverified });
  if (r.ok) return r.unverified;
  const tail = (await readFile(logFile, 'utf8')).trimEnd().split('\n').slice(-30);
  log(`last ${tail.length} lines of ${logFile}:`);
  for (const l of tail) log(`  ${l}`);
  // the usual cause here: a module the proxy does not serve (a Kubernetes patch whose staging modules it lacks)
  const refused = tail.map((l) => /reading https?:\/\/\S+?\/([^@\s]+)\/@v\/(\S+?)\.(?:mod|zip|info): (?:403|404|410)/.exec(l)).find(Boolean);
  const why = refused ? `the Go module proxy refuses ${refused[1]!.replace(/!([a-z])/g, (_, c: string) => c.toUpperCase())}@${refused[2]}; take a version whose modules it serves` : `go ${args[0]} exited with ${r.exitCode ?? 'a signal'}`;
  throw new Error(`building ${name} failed: ${why} (log: ${logFile})`);
}

async function writeWrapper(spec: BuildSpec, work: string): Promise<void> {
  await mkdir(work, { recursive: true });
  // go.mod is regenerated every time; go.sum stays, so a rebuild needs no new checksum lookups.
  await writeFile(join(work, 'go.mod'), spec.goMod);
  for (const [rel, text] of Object.entries(spec.files)) {
    await mkdir(dirname(join(work, rel)), { recursive: true });
    await writeFile(join(work, rel), text);
  }
}

async function writeManifest(spec: BuildSpec, binDir: string, goVersion: string, ms: number): Promise<Manifest> {
  const binaries: Manifest['binaries'] = {};
  for (const name of Object.keys(spec.binaries)) {
    const path = join(binDir, name);
    binaries[name] = { size: (await stat(path)).size, sha256: await sha256File(path) };
  }
  const { path, version, sum, gitCommit } = spec.module;
  return {
    component: spec.component,
    version: spec.version,
    binaries,
    goVersion,
    tags: spec.tags,
    ...(spec.unverified ? { unverified: spec.unverified } : {}),
    module: { path, version, sum, ...(gitCommit ? { gitCommit } : {}) },
    buildSeconds: Math.round(ms / 100) / 10,
    createdAt: new Date().toISOString(),
  };
}

/**
 * Builds the entry under its lock. Without `force`, an entry another process finished while we
 * waited is taken as is.
 */
export async function buildEntry(component: Component, version: string, opts: { force?: boolean; log?: Log } = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  const name = `${component} ${version}`;
  const final = entryDir(component, version);
  await withLock(
    lockPath(component, version),
    async () => {
      if (!opts.force) {
        try {
          toolchainEntry(component, version);
          log(`${name}: built meanwhile by another process (${final})`);
          return;
        } catch {
          // not there (or broken): build it
        }
      }
      const parent = dirname(final);
      // Leftovers of builds that were killed; we hold the lock, so nobody else is using them.
      for (const f of await readdir(parent)) {
        if (f.startsWith(`.tmp-${version}-`) || f.startsWith(`.old-${version}-`)) await rm(join(parent, f), { recursive: true, force: true });
      }
      const tmp = join(parent, `.tmp-${version}-${process.pid}`);
      const work = workDir(component, version);
      const logFile = join(work, 'build.log');
      const start = Date.now();
      try {
        const spec = await step(log, name, 'resolving', () => buildSpec(component, version));
        await writeWrapper(spec, work);
        await writeFile(logFile, `# ${name}, ${new Date().toISOString()}\n`);
        log(`${name}: go output goes to ${logFile}`);
        const pkgs = Object.values(spec.binaries);
        const tags = spec.tags.length ? ['-tags', spec.tags.join(',')] : [];
        // `go list -deps` resolves and downloads exactly the modules the mains need, and fills go.sum.
        let unverified = spec.unverified ?? [];
        unverified = await step(log, name, 'downloading modules', () => go(['list', ...tags, '-deps', ...pkgs], work, logFile, log, name, true, unverified));
        await mkdir(join(tmp, 'bin'), { recursive: true });
        const ldflags = ['-s', '-w', ...spec.ldflags].join(' ');
        // One go build for all mains, so shared packages compile once.
        unverified = await step(log, name, 'compiling', () => go(['build', '-trimpath', ...tags, '-ldflags', ldflags, '-o', join(tmp, 'bin') + '/', ...pkgs], work, logFile, log, name, false, unverified));
        if (unverified.length) spec.unverified = unverified;
        const goVersion = (await execa('go', ['env', 'GOVERSION'], { env: goEnv() })).stdout.trim();
        const manifest = await step(log, name, 'verifying', async () => {
          const { binary, args, expect } = spec.check;
          const r = await execa(join(tmp, 'bin', binary), args, { reject: false, all: true });
          const out = (r.all ?? '').trim();
          if (!expect.test(out)) throw new Error(`building ${name} failed: \`${binary} ${args.join(' ')}\` printed "${out}", expected ${expect}`);
          return writeManifest(spec, join(tmp, 'bin'), goVersion, Date.now() - start);
        });
        for (const [dest, src] of Object.entries(spec.assets ?? {})) {
          await mkdir(dirname(join(tmp, dest)), { recursive: true });
          await cp(join(spec.module.dir, src), join(tmp, dest), { recursive: true });
        }
        await publishDir(tmp, final, manifest);
        const size = Object.values(manifest.binaries).reduce((a, b) => a + b.size, 0);
        log(`${name}: built in ${duration(Date.now() - start)} → ${final} (${(size / 2 ** 20).toFixed(0)} MiB)`);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
    { log, what: name },
  );
}
