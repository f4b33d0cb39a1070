// A thin wrapper over execa: argument arrays only (never a shell string built from versions or
// paths), no rejection on a non-zero exit unless asked, output captured for messages.
import { execa, type Options } from 'execa';

export type RunResult = { ok: boolean; exitCode?: number; stdout: string; stderr: string; all: string };

export async function run(cmd: string, args: string[], opts: Options = {}): Promise<RunResult> {
  const r = await execa(cmd, args, { reject: false, all: true, ...opts });
  const text = (x: unknown) => (typeof x === 'string' ? x : '');
  return { ok: r.exitCode === 0 && !r.failed, exitCode: r.exitCode, stdout: text(r.stdout), stderr: text(r.stderr), all: text(r.all) };
}

/** The first line a command prints for --version, or undefined when it is not there. */
export async function versionOf(cmd: string, args = ['--version']): Promise<string | undefined> {
  try {
    const r = await run(cmd, args, { timeout: 10_000 });
    return r.ok ? r.all.trim().split('\n')[0] : undefined;
  } catch {
    return undefined;
  }
}
