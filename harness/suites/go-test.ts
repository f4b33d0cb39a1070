// The go-test kind: `go test -c` of the suite's package in a copy of the component's own tree (the
// module from the proxy, or the git tree at the cell's commit: the Source its build used), cached by
// that tree, the package and the Go version; tests listed by the binary (-test.list), run through
// `go tool test2json` with the knobs in the environment, in the package's folder of the tree.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheKey, copyTree, refusedRequirement } from '../components/build.js';
import { go, type GoRun } from '../toolchain/go.js';
import { moduleFromGit } from '../components/git.js';
import { run } from '../../lib/exec.js';
import { publishDir } from '../../lib/files.js';
import { home } from '../../lib/paths.js';
import { duration, type Log } from '../toolchain/build.js';
import { sha256File } from '../toolchain/entry.js';
import { goEnv, roomForBuild } from '../toolchain/gomod.js';
import { withLock } from '../toolchain/lock.js';
import type { Source } from '../components/types.js';
import type { UpstreamSuite } from '../../matrix/catalog/index.js';
import type { PreparedSuite, SuiteContext, SuiteKind, TestCode } from './kind.js';
import { parseTestEvents } from './test2json.js';

type Manifest = { key: string; code: TestCode; binary: string; size: number; buildSeconds: number; notes: string[]; createdAt: string };

export const suitesHome = (): string => join(home(), 'suites');

let goVersion: string | undefined;
async function localGo(): Promise<string> {
  goVersion ??= (await run('go', ['env', 'GOVERSION'], { env: goEnv() })).stdout.trim();
  return goVersion;
}

/** The cache entry of a test binary: the component's tree (as its build's key names it), the package, the Go version. */
export async function testBinaryKey(source: Source, pkg: string): Promise<string> {
  const tree = cacheKey(source);
  const h = createHash('sha256').update(JSON.stringify({ tree, pkg, go: await localGo() })).digest('hex').slice(0, 10);
  return `${tree}-${pkg.replace(/^\.\//, '').replace(/[^\w.-]+/g, '_')}-${h}`;
}

function readManifest(dir: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    return statSync(join(dir, m.binary)).size === m.size ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Compiles the suite's package to a test binary (or takes it from the cache). */
export async function compileSuite(source: Source, suite: UpstreamSuite, code: TestCode, opts: { sources?: SuiteContext['sources']; log?: Log } = {}): Promise<{ binary: string; manifest: Manifest }> {
  const log = opts.log ?? (() => {});
  const key = await testBinaryKey(source, suite.package);
  const final = join(suitesHome(), source.component, key);
  const hit = source.dirty ? undefined : readManifest(final);
  if (hit) return { binary: join(final, hit.binary), manifest: hit };
  const name = `${source.component} ${source.tag ?? source.resolved} ${suite.package}`;
  return withLock(
    join(suitesHome(), source.component, `.${key}.lock`),
    async () => {
      const meanwhile = source.dirty ? undefined : readManifest(final);
      if (meanwhile) return { binary: join(final, meanwhile.binary), manifest: meanwhile };
      const t0 = Date.now();
      const work = join(suitesHome(), 'work', `${source.component}-${key}`);
      const src = join(work, 'src');
      const logFile = join(work, 'build.log');
      const tmp = join(suitesHome(), source.component, `.tmp-${key}-${process.pid}`);
      await rm(work, { recursive: true, force: true });
      await rm(tmp, { recursive: true, force: true });
      await mkdir(work, { recursive: true });
      await mkdir(join(tmp, 'bin'), { recursive: true });
      await writeFile(logFile, `# go test -c ${suite.package} of ${name}${source.commit ? `, commit ${source.commit}` : ''}, from ${source.dir}\n`);
      log(`${name}: compiling the e2e suite (log ${logFile})`);
      const tick = setInterval(() => log(`… still compiling ${name} (${duration(Date.now() - t0)})`), 30_000);
      let unverified = [...(source.unverified ?? [])];
      const goIn = async (args: string[], quiet = false): Promise<GoRun> => {
        const r = await go(args, { cwd: src, log: logFile, quiet, unverified });
        unverified = r.unverified;
        return r;
      };
      const fail = (why: string): Error => {
        const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-30);
        return new Error(`compiling the e2e suite ${suite.package} of ${name} failed: ${why}; last lines of ${logFile}:\n${tail.join('\n')}`);
      };
      const notes: string[] = [];
      try {
        await copyTree(source.dir, src);
        // As the component's build: a requirement the proxy refuses comes from a named git source.
        let r = await goIn(['list', '-deps', '-test', suite.package], true);
        for (let i = 0; i < 20 && !r.ok; i++) {
          const refused = refusedRequirement(r.all, opts.sources ?? {});
          if (refused) {
            const tree = await moduleFromGit(refused.key, refused.source, refused.version);
            if (!(await goIn(['mod', 'edit', `-replace=${refused.path}@${refused.version}=${tree.dir}`])).ok) throw fail(`go mod edit -replace ${refused.path} failed`);
            notes.push(`${refused.path} ${refused.version} from the git source ${refused.source.git} at ${tree.commit.slice(0, 12)}: the Go module proxy refuses it`);
          } else if (/go mod tidy|missing go\.sum entry|updates to go\.mod needed/.test(r.all)) {
            if (!(await goIn(['mod', 'tidy'])).ok) throw fail('go mod tidy failed');
          } else break;
          r = await goIn(['list', '-deps', '-test', suite.package], true);
        }
        if (!r.ok) throw fail('resolving the test dependencies failed');
        const binary = join(tmp, 'bin', 'e2e.test');
        const trimmed = await roomForBuild();
        if (trimmed) log(`${name}: ${trimmed}`);
        const compile = (ldflags: string[]) => goIn(['test', '-c', ...(ldflags.length ? ['-ldflags', ldflags.join(' ')] : []), '-o', binary, suite.package]);
        r = await compile([]);
        if (!r.ok && /invalid reference to|go:linkname/.test(r.all)) {
          notes.push('compiled with -ldflags=-checklinkname=0 (an old dependency uses //go:linkname into Go internals)');
          r = await compile(['-checklinkname=0']);
        }
        if (!r.ok) throw fail(`go test -c exited with ${r.exitCode}`);
        if (unverified.length) notes.push(`not verified against the checksum database (it does not have them): ${unverified.join(', ')}`);
        const manifest: Manifest = {
          key,
          code: { ...code, goVersion: await localGo(), binarySha256: await sha256File(binary) },
          binary: 'bin/e2e.test',
          size: statSync(binary).size,
          buildSeconds: Math.round((Date.now() - t0) / 100) / 10,
          notes,
          createdAt: new Date().toISOString(),
        };
        await publishDir(tmp, final, manifest);
        await rm(src, { recursive: true, force: true });
        log(`${name}: compiled in ${duration(Date.now() - t0)} → ${final}`);
        return { binary: join(final, manifest.binary), manifest };
      } finally {
        clearInterval(tick);
        await rm(tmp, { recursive: true, force: true });
      }
    },
    { log, what: `${name} e2e suite` },
  );
}

/** Test names a Go test binary lists (-test.list), tests only (not examples, benchmarks, fuzz targets). */
export async function listTests(binary: string, cwd: string): Promise<string[]> {
  const r = await run(binary, ['-test.list', '.'], { cwd });
  if (!r.ok) throw new Error(`${binary} -test.list failed: ${r.all.trim().split('\n').slice(-5).join(' ')}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => /^Test/.test(l));
}

const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The test code's provenance before it is compiled: the component's tree. */
export function codeOf(source: Source, suite: UpstreamSuite, origin: TestCode['origin'] = source.resolved.startsWith('path:') ? 'checkout' : 'proxy'): TestCode {
  return {
      component: suite.component,
      kind: suite.kind,
      package: suite.package,
      module: source.module,
      version: source.resolved,
      ...(source.commit ? { commit: source.commit } : {}),
      origin: source.origin ?? origin,
      ...(source.git ? { repository: source.git.repository, tree: source.git.tree } : {}),
  };
}

/** Parses a duration the catalog writes (30m, 2h) into milliseconds. */
export const durationMs = (d: string): number => Number(d.slice(0, -1)) * { s: 1000, m: 60_000, h: 3_600_000 }[d.slice(-1) as 's' | 'm' | 'h'];

export const goTest: SuiteKind = {
  async prepare(source, suite, ctx) {
    const base = codeOf(source, suite);
    const { binary, manifest } = await compileSuite(source, suite, base, { ...(ctx.sources ? { sources: ctx.sources } : {}), ...(ctx.log ? { log: ctx.log } : {}) });
    // Tests run in their package's folder, as `go test` runs them (they read files beside them).
    const cwd = join(source.dir, suite.package);
    const prepared: PreparedSuite = {
      list: async () => (await listTests(binary, cwd)).map((name) => ({ name })),
      async run(tests, env, outDir) {
        await mkdir(outDir, { recursive: true });
        const timeoutMs = durationMs(suite.timeout);
        const args = ['tool', 'test2json', '-t', '-p', suite.package, binary, '-test.v=test2json', '-test.run', `^(${tests.map(quote).join('|')})$`, '-test.timeout', suite.timeout];
        // each top-level test as it ends, to the suite's log and the run's progress line
        let done = 0;
        const said = { pass: 'passed', fail: 'failed', skip: 'skipped' } as Record<string, string>;
        const progress = function* (line: unknown) {
          const e = eventOf(String(line));
          if (e?.Test && !e.Test.includes('/') && said[e.Action ?? '']) ctx.log?.(`${e.Test} ${said[e.Action!]} (${++done} of ${tests.length})`);
          yield line;
        };
        const r = await run('go', args, { cwd, env: { ...goEnv(), ...env }, timeout: timeoutMs + 120_000, all: true, stdout: [progress] });
        const log = join(outDir, 'test2json.jsonl');
        await writeFile(log, r.stdout);
        if (r.stderr.trim()) await writeFile(join(outDir, 'stderr.txt'), r.stderr);
        const parsed = parseTestEvents(`${r.stdout}\n${r.stderr}`);
        return { tests: parsed.tests, log };
      },
    };
    return { code: { ...manifest.code, ...base, goVersion: manifest.code.goVersion, binarySha256: manifest.code.binarySha256 }, run: prepared };
  },
};

/** One test2json event, or nothing for a line that is not one. */
function eventOf(line: string): { Action?: string; Test?: string } | undefined {
  try {
    return line.startsWith('{') ? (JSON.parse(line) as { Action?: string; Test?: string }) : undefined;
  } catch {
    return undefined;
  }
}
