// A Python session runs scripts as `python -c` would, one interpreter for all: imports stay, output
// and exit status are each script's own.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { pythonSession } from './python-session.js';

test('scripts share one interpreter (a module is imported once) and keep their own argv, output and exit status', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-session-test-'));
  // a module that counts its imports in a file: a second import in the same interpreter does not run it again
  writeFileSync(join(dir, 'slow.py'), 'import os\nwith open(os.environ["COUNT"], "a") as f: f.write("x")\nimport logging, sys\nlog = logging.getLogger("slow")\nlog.addHandler(logging.StreamHandler(sys.stderr))\n');
  const count = join(dir, 'count');
  const session = pythonSession('python3', { env: { PYTHONPATH: dir, COUNT: count }, cwd: dir });
  try {
    const script = 'import sys, os, slow\nprint("argv", sys.argv[1:], os.getpid())\nslow.log.warning("from " + sys.argv[1])\nif sys.argv[1] == "exit": sys.exit(3)\nif sys.argv[1] == "raise": raise ValueError("no such cluster")';
    const a = await session.run(script, ['up', 'demo']);
    expect(a).toMatchObject({ ok: true, exitCode: 0 });
    expect(a.stdout).toMatch(/^argv \['up', 'demo'\] \d+\n$/);
    // the handler was made with the stderr of the first script; the second's output holds its line
    const b = await session.run(script, ['exit']);
    expect(b).toMatchObject({ ok: false, exitCode: 3 });
    expect(b.stderr).toBe('from exit\n');
    expect(a.stdout.split(' ').pop()).toBe(b.stdout.split(' ').pop()); // the same process
    const c = await session.run(script, ['raise']);
    expect(c).toMatchObject({ ok: false, exitCode: 1 });
    expect(c.stderr).toMatch(/Traceback[\s\S]*ValueError: no such cluster\n$/);
    expect(c.all).toContain('argv');
    expect(readFileSync(count, 'utf8')).toBe('x');
    // a script past its time: killed, said so, and the next script gets a fresh interpreter
    const d = await session.run('import time; print("waiting", flush=True); time.sleep(30)', [], 1_000);
    expect(d.ok).toBe(false);
    expect(d.stdout).toBe('waiting\n');
    expect(d.stderr).toMatch(/timed out after 1 s/);
    const e = await session.run(script, ['status']);
    expect(e.ok).toBe(true);
    expect(e.stdout.split(' ').pop()).not.toBe(a.stdout.split(' ').pop());
    expect(readFileSync(count, 'utf8')).toBe('xx');
  } finally {
    await session.close();
  }
});
