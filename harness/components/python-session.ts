// One Python interpreter that runs several scripts one after another, as a notebook's kernel runs
// its cells: what a script imports stays imported for the next. A test that calls the CodeFlare SDK
// three times (up, status, down) imports it once instead of three times, a few seconds of CPU each.
// Each script runs as `python -c script args…` would: `__main__` globals of its own, sys.argv, its
// exit status (SystemExit's code; 1 and the traceback for an exception), its own stdout and stderr,
// captured at the file descriptors so output from handlers made by an earlier script is the current
// script's too. Requests and replies are JSON lines on the interpreter's stdin and its original stdout.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import type { RunResult } from '../../lib/exec.js';

const SESSION = String.raw`
import json, os, sys, traceback
reply = os.fdopen(os.dup(1), "w")
for line in sys.stdin:
    req = json.loads(line)
    sys.stdout.flush(); sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    out = os.open(req["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(req["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1); os.dup2(err, 2); os.close(out); os.close(err)
    sys.argv = ["-c", *req["argv"]]
    code = 0
    try:
        exec(compile(req["script"], "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    except SystemExit as e:
        if isinstance(e.code, int): code = e.code
        elif e.code is not None: print(e.code, file=sys.stderr); code = 1
    except BaseException:
        traceback.print_exc(); code = 1
    finally:
        sys.stdout.flush(); sys.stderr.flush()
        os.dup2(saved[0], 1); os.dup2(saved[1], 2); os.close(saved[0]); os.close(saved[1])
    reply.write(json.dumps({"code": code}) + "\n"); reply.flush()
`;

export type PythonSession = { run: (script: string, args?: string[], timeoutMs?: number) => Promise<RunResult>; close: () => Promise<void> };

/** Starts `python` as a session in `cwd` with `env` (added to this process's, as execa does). */
export function pythonSession(python: string, o: { env?: Record<string, string>; cwd?: string } = {}): PythonSession {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-python-'));
  let proc: ResultPromise | undefined;
  let replies: AsyncIterator<string> | undefined;
  let queue = Promise.resolve();
  const start = () => {
    proc = execa(python, ['-u', '-c', SESSION], { ...o, stdin: 'pipe', stdout: 'pipe', stderr: 'inherit', reject: false, buffer: false });
    replies = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
    return { proc, replies };
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    replies = undefined;
    if (!p) return;
    p.stdin?.end();
    const t = setTimeout(() => p.kill('SIGKILL'), 5_000);
    await p;
    clearTimeout(t);
  };
  let n = 0;
  const one = async (script: string, args: string[], timeoutMs: number): Promise<RunResult> => {
    const s = proc && replies ? { proc, replies } : start();
    const out = join(dir, `${++n}.out`);
    const err = join(dir, `${n}.err`);
    s.proc.stdin!.write(JSON.stringify({ script, argv: args, out, err }) + '\n');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const got = await Promise.race([s.replies.next(), timedOut]);
    clearTimeout(timer);
    const read = (f: string) => {
      try {
        return readFileSync(f, 'utf8');
      } catch {
        return '';
      }
    };
    const stdout = read(out);
    let stderr = read(err);
    let exitCode: number | undefined;
    if (got === 'timeout') {
      // as execa's timeout: the interpreter is killed (the next script gets a fresh one)
      s.proc.kill('SIGKILL');
      await stop();
      stderr += `\ntimed out after ${Math.round(timeoutMs / 1000)} s\n`;
    } else if (got.done) {
      await stop();
      stderr += `\nthe Python session ended\n`;
    } else {
      exitCode = (JSON.parse(got.value) as { code: number }).code;
    }
    rmSync(out, { force: true });
    rmSync(err, { force: true });
    return { ok: exitCode === 0, ...(exitCode !== undefined ? { exitCode } : {}), stdout, stderr, all: stdout + stderr };
  };
  return {
    // one script at a time, in the order asked
    run: (script, args = [], timeoutMs = 300_000) => {
      const r = queue.then(() => one(script, args, timeoutMs));
      queue = r.then(
        () => undefined,
        () => undefined,
      );
      return r;
    },
    close: async () => {
      await queue;
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
