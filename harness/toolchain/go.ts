// Running the go command for component sources and builds: the toolchain's environment (local Go,
// static binaries, go.mod may change) plus a fallback for modules the checksum database lacks.
import { appendFile } from 'node:fs/promises';
import { run, type RunResult } from '../../lib/exec.js';
import { goEnv } from './gomod.js';

export type GoRun = RunResult & {
  /** Modules (path@version) fetched without a checksum-database check, see `go`. */
  unverified: string[];
};

// "reading https://proxy.golang.org/sumdb/sum.golang.org/lookup/<module>@<version>: 404 Not Found"
const noSum = /sumdb\/[^\s/]+\/lookup\/(\S+?)@(\S+?):\s*(?:404 Not Found|410 Gone)/;

/** The proxy escapes capitals as !x. */
const unescape = (p: string): string => p.replace(/!([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Runs `go args` in `cwd`. Some modules are on the proxy but not in the checksum database it serves
 * (the lookup answers 404); `go` then refuses them. We retry with such a module in GONOSUMDB and
 * report it as unverified, so skipping the check is never silent. Output (and stdout unless
 * `quiet`) is appended to `log` when given.
 */
export async function go(args: string[], opts: { cwd: string; log?: string; quiet?: boolean; unverified?: string[] }): Promise<GoRun> {
  const unverified = [...(opts.unverified ?? [])];
  for (let attempt = 0; ; attempt++) {
    const skip = unverified.map((m) => m.replace(/@.*/, ''));
    const env = { ...goEnv(), ...(skip.length ? { GONOSUMDB: [process.env.GONOSUMDB, ...skip].filter(Boolean).join(',') } : {}) };
    const r = await run('go', args, { cwd: opts.cwd, env, all: true });
    if (opts.log) {
      const out = (opts.quiet ? r.stderr : r.all).trim();
      const cmd = ['go', ...args].map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ');
      await appendFile(opts.log, `$ ${cmd}${skip.length ? `   # GONOSUMDB+=${skip.join(',')}` : ''}\n${out ? `${out}\n` : ''}`);
    }
    const m = noSum.exec(r.all);
    if (r.ok || !m || attempt >= 20) return { ...r, unverified };
    const mod = `${unescape(m[1]!)}@${m[2]}`;
    if (unverified.includes(mod)) return { ...r, unverified };
    unverified.push(mod);
  }
}

/** The one line of a go error worth showing: the server's response, else the last non-empty line. */
export function goError(output: string): string {
  const lines = output.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const server = lines.find((l) => l.startsWith('server response:'));
  const last = lines.filter((l) => !l.startsWith('server response:')).pop() ?? '';
  return server ? `${last.replace(/^go: /, '')} (${server})` : last.replace(/^go: /, '');
}
