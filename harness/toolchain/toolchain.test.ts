// The toolchain builder: generated wrapper modules, the build lock, cache integrity, and (slow,
// once) real binaries in the real cache.
import { test, expect } from '@playwright/test';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { UserError } from '../../lib/errors.js';
import { component, loadCatalog } from '../../matrix/catalog/index.js';
import { resolveSelector } from '../../matrix/versions.js';
import { buildEntry, defaultVersions, testKubernetes, ensureToolchain, entryDir, listToolchain, resolveKubernetesVersion, toolchainEntry, toolchainHome, verifyEntry, withLock } from './index.js';
import { goLines, kubernetesGoMod, moduleInfo, parseGoMod, stagingModules } from './gomod.js';
import { pinnedModules } from './specs.js';
import { requiredGo } from './versions.js';
import { repoRoot } from '../../lib/paths.js';
import { toolchainCommand } from './cli.js';

// Taken at load time: the fast tests swap in a temporary home, the real-build test uses this one.
const realHome = process.env.CODEFLARE_MATRIX_HOME;
const setHome = (h: string | undefined): void => {
  if (h === undefined) delete process.env.CODEFLARE_MATRIX_HOME;
  else process.env.CODEFLARE_MATRIX_HOME = h;
};

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

test.describe('with a temporary CODEFLARE_MATRIX_HOME', () => {
  let home: string;
  test.beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'cfm-toolchain-'));
    setHome(home);
  });
  test.afterEach(() => {
    setHome(realHome);
    rmSync(home, { recursive: true, force: true });
  });

  for (const version of ['v1.27.16', 'v1.31.14']) {
    test(`wrapper go.mod for ${version} pins every staging module`, async () => {
      const info = await moduleInfo('k8s.io/kubernetes', version);
      const upstream = readFileSync(info.goModPath, 'utf8');
      const staging = stagingModules(upstream);
      expect(staging.length).toBeGreaterThan(25);
      expect(staging).toContain('k8s.io/client-go');

      const text = kubernetesGoMod(version, upstream);
      const generated = parseGoMod(text);
      expect(text).toContain(`require k8s.io/kubernetes ${version}`);
      expect(generated.go).toBe(parseGoMod(upstream).go);
      const patch = `v0.${version.split('.').slice(1).join('.')}`;
      expect(generated.replaces.map((r) => r.from).sort()).toEqual([...staging].sort());
      for (const r of generated.replaces) expect(r.to).toBe(`${r.from} ${patch}`);
    });
  }

  test('wrapper go.mod keeps the upstream godebug line (v1.37.2)', async () => {
    const upstream = readFileSync((await moduleInfo('k8s.io/kubernetes', 'v1.37.2')).goModPath, 'utf8');
    expect(parseGoMod(upstream).godebug.length).toBeGreaterThan(0);
    expect(parseGoMod(kubernetesGoMod('v1.37.2', upstream)).godebug).toEqual(parseGoMod(upstream).godebug);
  });

  test('two concurrent withLock callers run one after the other', async () => {
    const lock = join(toolchainHome(), 'x', '.v1.lock');
    const events: string[] = [];
    const logs: string[] = [];
    const job = (id: string) =>
      withLock(
        lock,
        async () => {
          events.push(`${id} start`);
          expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
          await sleep(300);
          events.push(`${id} end`);
        },
        { log: (l) => logs.push(l), what: 'test entry', pollMs: 50 },
      );
    await Promise.all([job('a'), job('b')]);
    // serialised, whichever got the lock first
    const [first, second] = [events[0]!.split(' ')[0], events[2]!.split(' ')[0]];
    expect(first).not.toBe(second);
    expect(events).toEqual([`${first} start`, `${first} end`, `${second} start`, `${second} end`]);
    expect(logs.join('\n')).toContain(`waiting for pid ${process.pid}`);
  });

  test('a stale lock whose pid is dead is taken over', async () => {
    const child = await execa('sh', ['-c', 'echo $$']);
    const dead = Number(child.stdout.trim());
    const lock = join(toolchainHome(), 'x', '.v1.lock');
    mkdirSync(join(toolchainHome(), 'x'), { recursive: true });
    writeFileSync(lock, String(dead));
    const logs: string[] = [];
    const r = await withLock(lock, async () => 'ran', { log: (l) => logs.push(l), pollMs: 50 });
    expect(r).toBe('ran');
    expect(logs.join('\n')).toContain(`pid ${dead} is gone`);
  });

  test('a missing entry is a UserError naming the build command', async () => {
    const e = await rejection(() => toolchainEntry('kubernetes', 'v1.31.14'));
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toBe('no toolchain for Kubernetes v1.31.14');
    expect((e as UserError).fix).toBe('npx codeflare-matrix toolchain build --kubernetes v1.31.14');
  });

  test('a corrupt entry is a UserError with --force as the fix, and ensure does not hide it', async () => {
    const dir = entryDir('kubernetes', 'v1.31.14');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'bin', 'kube-apiserver'), 'short');
    const manifest = {
      component: 'kubernetes',
      version: 'v1.31.14',
      binaries: { 'kube-apiserver': { size: 1000, sha256: '0'.repeat(64) } },
      goVersion: 'go1.26',
      module: { path: 'k8s.io/kubernetes', version: 'v1.31.14', sum: 'h1:x' },
      buildSeconds: 1,
      createdAt: new Date().toISOString(),
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const fix = 'npx codeflare-matrix toolchain build --kubernetes v1.31.14 --force';

    let e = await rejection(() => toolchainEntry('kubernetes', 'v1.31.14'));
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toMatch(/corrupt toolchain entry kubernetes v1\.31\.14: bin\/kube-apiserver has 5 bytes/);
    expect((e as UserError).fix).toBe(fix);

    writeFileSync(join(dir, 'manifest.json'), '{ not json');
    e = await rejection(() => toolchainEntry('kubernetes', 'v1.31.14'));
    expect((e as UserError).message).toMatch(/manifest\.json is unreadable/);
    expect((e as UserError).fix).toBe(fix);

    e = await rejection(ensureToolchain({ kubernetes: ['v1.31.14'] }));
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).fix).toBe(fix);
  });

  test('verifyEntry catches a same-size change that the cheap lookup cannot', async () => {
    const dir = entryDir('etcd', 'v3.6.16');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'bin', 'etcd'), 'original');
    const manifest = {
      component: 'etcd',
      version: 'v3.6.16',
      binaries: { etcd: { size: 8, sha256: createHash('sha256').update('original').digest('hex') } },
      goVersion: 'go1.26',
      module: { path: 'go.etcd.io/etcd/server/v3', version: 'v3.6.16', sum: 'h1:x' },
      buildSeconds: 1,
      createdAt: new Date().toISOString(),
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await verifyEntry('etcd', 'v3.6.16');
    writeFileSync(join(dir, 'bin', 'etcd'), 'tampered');
    expect(toolchainEntry('etcd', 'v3.6.16').bin.etcd).toBe(join(dir, 'bin', 'etcd'));
    const e = await rejection(verifyEntry('etcd', 'v3.6.16'));
    expect((e as UserError).message).toContain('does not match its sha256');
    expect((e as UserError).fix).toBe('npx codeflare-matrix toolchain build --etcd --force');
    expect(listToolchain().map((l) => [l.component, l.version, l.problem])).toEqual([['etcd', 'v3.6.16', undefined]]);
  });

  test('what is to be built is said before the first build, with estimates from earlier builds here, and each build as N of M', async () => {
    const realGo = (await execa('sh', ['-c', 'command -v go'])).stdout.trim();
    const fake = join(home, 'fakebin-n-of-m');
    mkdirSync(fake, { recursive: true });
    writeFileSync(join(fake, 'go'), `#!/bin/sh\nif [ "$1" = build ]; then echo "fake failure" >&2; exit 1; fi\nexec ${realGo} "$@"\n`, { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${fake}:${path}`;
    const logs: string[] = [];
    try {
      await rejection(ensureToolchain({ kubernetes: [], tools: ['kwok', 'helm'], log: (l) => logs.push(l) }));
    } finally {
      process.env.PATH = path;
    }
    const v = defaultVersions();
    expect(logs[0]).toBe(`toolchain: 2 to build from Go modules: kwok ${v.kwok} (no earlier build here to go by), helm ${v.helm} (no earlier build here to go by)`);
    expect(logs[1]).toBe(`toolchain: building 1 of 2: kwok ${v.kwok}`);
    expect(logs.some((l) => l.includes('building 2 of 2'))).toBe(false); // the first failed: the run stops there
  });

  test('a failing go build shows the last 30 lines of its log and names the entry', async () => {
    // A fake go that fails at `build` and passes everything else to the real one.
    const realGo = (await execa('sh', ['-c', 'command -v go'])).stdout.trim();
    const fake = join(home, 'fakebin');
    mkdirSync(fake);
    writeFileSync(join(fake, 'go'), `#!/bin/sh\nif [ "$1" = build ]; then for i in $(seq 1 40); do echo "fake error line $i" >&2; done; exit 1; fi\nexec ${realGo} "$@"\n`, { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${fake}:${path}`;
    const logs: string[] = [];
    try {
      const e = await rejection(buildEntry('etcd', defaultVersions().etcd, { log: (l) => logs.push(l) }));
      expect(e).toBeInstanceOf(Error);
      expect(e).not.toBeInstanceOf(UserError);
      expect((e as Error).message).toContain(`building etcd ${defaultVersions().etcd} failed`);
    } finally {
      process.env.PATH = path;
    }
    const text = logs.join('\n');
    expect(text).toContain('last 30 lines of');
    expect(text).toContain('fake error line 40');
    expect(text).not.toContain('fake error line 10\n');
    // Nothing half-built is left, and the lock is released.
    expect(readdirSync(join(toolchainHome(), 'etcd'))).toEqual([]);
  });

  test('a Kubernetes release that does not exist is a UserError', async () => {
    const e = await rejection(ensureToolchain({ kubernetes: ['v1.31.99'] }));
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toBe('k8s.io/kubernetes v1.31.99 is not on the Go module proxy');
  });

  test('Kubernetes versions resolve from a minor; unknown ones list the known', async () => {
    const pinned = defaultVersions().kubernetes;
    const v131 = pinned.find((v) => v.startsWith('v1.31.'))!;
    expect(resolveKubernetesVersion('1.31')).toBe(v131);
    expect(resolveKubernetesVersion('v1.31')).toBe(v131);
    expect(resolveKubernetesVersion('1.30.2')).toBe('v1.30.2');
    const e = await rejection(() => resolveKubernetesVersion('1.19'));
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).fix).toContain(pinned[0]!);
    expect(await rejection(() => resolveKubernetesVersion('latest'))).toBeInstanceOf(UserError);
  });

  test('a minor resolves to the release the plan resolves it to, on a fresh machine too (cluster up -k 1.33)', () => {
    const catalog = loadCatalog();
    const minors = new Set(component(catalog, 'kubernetes').versions.map((v) => v.tag.replace(/^v(\d+\.\d+)\..*$/, '$1')));
    expect(minors).toContain('1.33');
    for (const minor of minors) {
      const [planned] = resolveSelector(catalog, 'kubernetes', minor, 'kubernetes');
      expect(resolveKubernetesVersion(minor), minor).toBe(planned);
      expect(resolveKubernetesVersion(`v${minor}`), minor).toBe(planned);
    }
  });

  test('bad CLI arguments are UserErrors', async () => {
    const run = (...args: string[]) => toolchainCommand().exitOverride().parseAsync(args, { from: 'user' });
    expect(await rejection(() => run('path', 'kind'))).toBeInstanceOf(UserError);
    expect(await rejection(() => run('path', 'kubernetes'))).toBeInstanceOf(UserError);
    expect(await rejection(() => run('path', 'etcd', 'latest'))).toBeInstanceOf(UserError);
    expect(await rejection(() => run('build', '--kubernetes', 'one-thirty'))).toBeInstanceOf(UserError);
  });
});

test('real binaries: etcd and the first default Kubernetes (real cache; slow only the first time)', async () => {
  test.setTimeout(45 * 60_000);
  setHome(realHome);
  const version = testKubernetes();
  await ensureToolchain({ kubernetes: [version], tools: ['etcd'], log: (l) => console.log(l) });

  const k = toolchainEntry('kubernetes', version);
  expect(Object.keys(k.bin).sort()).toEqual(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl']);
  expect((await execa(k.bin['kube-apiserver']!, ['--version'])).stdout.trim()).toBe(`Kubernetes ${version}`);
  const e = toolchainEntry('etcd', defaultVersions().etcd);
  expect((await execa(e.bin.etcd!, ['--version'])).stdout.split('\n')[0]).toBe('etcd Version: 3.6.16');
});

test('the Go release versions.yaml names is the newest go line of the pinned modules\' go.mod files, and every place that tells users says it', async () => {
  const lines = await goLines(pinnedModules(defaultVersions()));
  expect(lines.length).toBe(8 + defaultVersions().kubernetes.length);
  const minor = (go: string) => go.split('.').slice(0, 2).join('.');
  const newest = lines.map((l) => minor(l.go)).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1])).at(-1)!;
  expect(newest, JSON.stringify(lines)).toBe(requiredGo());
  // GOTOOLCHAIN=local: the runner's Go must be that new; setup-go installs it in the Action and the workflow
  for (const file of ['action.yml', '.github/workflows/matrix.yml']) {
    const text = readFileSync(join(repoRoot, file), 'utf8');
    const versions = [...text.matchAll(/go-version: "([^"]+)"/g)].map((m) => m[1]);
    expect(versions.length, file).toBeGreaterThan(0);
    expect(new Set(versions), file).toEqual(new Set([requiredGo()]));
  }
  expect(readFileSync(join(repoRoot, 'README.md'), 'utf8')).toContain(`Go ≥ ${requiredGo()}`);
});
