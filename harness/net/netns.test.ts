// Whether a cell can have a network of its own, as `doctor` says it: root of the host only.
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../lib/paths.js';
import { nestedUserNamespace } from './netns.js';

test('only the initial user namespace maps every id: root of a nested one is not root of the host', () => {
  expect(nestedUserNamespace('         0          0 4294967295\n')).toBe(false);
  expect(nestedUserNamespace('         0       1000          1\n')).toBe(true);
  expect(nestedUserNamespace('         0     100000      65536\n')).toBe(true);
  expect(nestedUserNamespace(undefined)).toBe(false);
});

test('doctor, run as root of a user namespace of its own: cells share the host\'s network, and it says why', () => {
  const probe = spawnSync('unshare', ['--user', '--map-root-user', 'true']);
  test.skip(probe.status !== 0, `unprivileged user namespaces are off here (unshare --user: ${probe.stderr?.toString().trim()})`);
  const r = spawnSync('unshare', ['--user', '--map-root-user', process.execPath, join(repoRoot, 'bin', 'codeflare-matrix.js'), 'doctor'], { encoding: 'utf8', timeout: 120_000 });
  const line = r.stdout.split('\n').find((l) => l.includes('a network of its own per local cell'));
  expect(line, r.stdout + r.stderr).toMatch(/^--.*root only of a user namespace \(no veth can join the host's network from it\)/);
});
