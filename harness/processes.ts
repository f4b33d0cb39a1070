// Long-lived processes the harness starts (etcd, apiserver, controllers, operators). Each carries
// a marker in its environment, CODEFLARE_MATRIX_OWNER=<dir of what it belongs to>, so the janitor
// can find and stop exactly ours — by marker, never by process name — even after kill -9 of the
// harness, and never a recycled pid.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../lib/paths.js';
import { inNetns } from './net/netns.js';

export const MARKER = 'CODEFLARE_MATRIX_OWNER';

/** `exited()` is true once the process has ended (its own exit event: a check of its marker right
 * after spawn could run between fork and exec, when the child still carries our environment). */
export type Started = { pid: number; log: string; exited: () => boolean };

const RESTART = join(repoRoot, 'harness', 'restart.mjs');

/** The line restart.mjs writes to the log when the program exits. */
export const RESTARTED = /^codeflare-matrix: .* exited \(.*\); restart \d+/m;

/**
 * Starts a detached process (it outlives the harness until stopped), output appended to `log`;
 * with `restart`, run again after every exit as a pod's container would be (restart.mjs; the pid is
 * then the restarter's, and both carry the owner marker). With `netns`, it runs inside that network
 * namespace (its cell's own network; nsenter execs it, so the pid is the program's).
 */
export function startProcess(bin: string, args: string[], o: { log: string; owner: string; cwd?: string; env?: Record<string, string>; restart?: boolean; netns?: string }): Started {
  const fd = openSync(o.log, 'a', 0o600);
  if (o.restart) [bin, args] = [process.execPath, [RESTART, bin, ...args]];
  [bin, args] = inNetns(o.netns, bin, args);
  try {
    const child = spawn(bin, args, {
      cwd: o.cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...o.env, [MARKER]: o.owner },
    });
    if (child.pid === undefined) throw new Error(`could not start ${bin}`);
    let ended = false;
    child.once('exit', () => (ended = true));
    child.unref();
    return { pid: child.pid, log: o.log, exited: () => ended };
  } finally {
    closeSync(fd);
  }
}

/** The owner marker of a live process, or undefined when the pid is gone or not one of ours. */
export function ownerOf(pid: number): string | undefined {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    // a zombie (exited, not yet reaped) has an empty environ: it is gone for our purposes
    return env.find((e) => e.startsWith(`${MARKER}=`))?.slice(MARKER.length + 1);
  } catch {
    return undefined;
  }
}

export function alive(pid: number, owner: string): boolean {
  return ownerOf(pid) === owner;
}

/** Every live process of ours whose marker is `owner` or lies under it (a folder prefix). */
export function processesUnder(prefix: string): { pid: number; owner: string }[] {
  const out: { pid: number; owner: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const owner = ownerOf(Number(name));
    if (owner && (owner === prefix || owner.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`))) out.push({ pid: Number(name), owner });
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops a process and every other process of that exact owner (a restarter's program, say). */
export async function stopOwned(pid: number, owner: string, graceMs = 5000): Promise<void> {
  await stopProcesses([pid], owner, graceMs);
  await stopProcesses(processesUnder(owner).filter((p) => p.owner === owner).map((p) => p.pid), owner, graceMs);
}

/** SIGTERM, then SIGKILL after `graceMs`; only pids that still carry the owner marker are signalled. */
export async function stopProcesses(pids: number[], owner: string, graceMs = 5000): Promise<void> {
  const ours = () => pids.filter((p) => alive(p, owner));
  for (const p of ours()) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + graceMs;
  while (ours().length && Date.now() < deadline) await sleep(50);
  for (const p of ours()) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  const hard = Date.now() + 5000;
  while (ours().length && Date.now() < hard) await sleep(20);
}

/** The last lines of a log, for error messages. */
export function tail(path: string, lines = 20): string {
  try {
    const all = readFileSync(path, 'utf8').trimEnd().split('\n');
    // A Go program that dies (klog.Fatal, a panic) dumps every goroutine after the line that says why;
// one given a flag it lacks prints its whole usage after it.
    const why = all.find((l) => /^(F\d{4} |panic: |fatal error: |flag provided but not defined: )/.test(l));
    const last = all.slice(-lines);
    return (why && !last.includes(why) ? [why, '…', ...last] : last).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Start time of a process (jiffies since boot, field 22 of /proc/<pid>/stat), or undefined when it is gone. */
export function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
