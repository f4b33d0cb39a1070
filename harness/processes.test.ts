// Host processes as pods run them: restarted after they exit (restartPolicy Always), stopped whole.
import { test, expect } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './testing.js';
import { RESTARTED, alive, processesUnder, startProcess, stopOwned, tail } from './processes.js';

test('a process that exits is started again, as the kubelet would; stopping it stops both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-restart-'));
  try {
    const log = join(dir, 'p.log');
    // exits with 3 the first time (as an operator that restarts itself does), then keeps running
    const script = 'if [ -f "$MARK" ]; then echo second; exec sleep 60; else touch "$MARK"; echo first; exit 3; fi';
    const p = startProcess('sh', ['-c', script], { log, owner: dir, env: { MARK: join(dir, 'mark') }, restart: true });
    await until('started a second time', async () => readFileSync(log, 'utf8').includes('second'), 15_000);
    const text = readFileSync(log, 'utf8');
    expect(text).toMatch(/first\ncodeflare-matrix: sh exited \(code 3\); restart 1 in 1 s\nsecond/);
    expect(RESTARTED.test(text)).toBe(true);
    expect(alive(p.pid, dir)).toBe(true);
    expect(processesUnder(dir)).toHaveLength(2); // the restarter and its program
    await stopOwned(p.pid, dir, 2000);
    expect(processesUnder(dir)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a Go program's crash log: the line that says why, above the goroutine dump's last lines", () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-tail-'));
  try {
    const log = join(dir, 'mcad.log');
    const dump = Array.from({ length: 40 }, (_, i) => `goroutine ${i} [select]:`);
    writeFileSync(log, ['I1201 16:36:02 starting', 'F1201 16:36:02.600 server.go:54] listen tcp :8081: bind: address already in use', ...dump].join('\n'));
    const t = tail(log).split('\n');
    expect(t[0]).toMatch(/^F1201 .*address already in use/);
    expect(t.at(-1)).toBe('goroutine 39 [select]:');
    writeFileSync(log, 'one\ntwo\n');
    expect(tail(log)).toBe('one\ntwo');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
