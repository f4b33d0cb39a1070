// Why pip failed, in one line, from what pip prints (progress bars and all).
import { test, expect } from '@playwright/test';
import { pipFailure } from './sdk.js';

test('pip’s reason comes through its progress bars; a build failure names the package and its cause', () => {
  const bar = (n: number, pkg: string) => `\r\x1b[2K   \x1b[90m━━━━━━━━━━━━━━━━━━━━━━━━\x1b[0m╺━━━━━━━━━━━━━━━ \x1b[32m${n}/95\x1b[0m [${pkg}]`;
  const full = `Installing collected packages: wcwidth, pytz\n\x1b[?25l${bar(1, 'pytz')}${bar(57, 'referencing')}ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n`;
  expect(pipFailure(full)).toBe('ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device');
  const build = ['  error: subprocess-exited-with-error', '  × Building wheel for grpcio (pyproject.toml) did not run successfully.', '      src/core/lib/foo.cc:12: error: ‘bar’ was not declared', 'Failed building wheel for grpcio==1.43.0', 'ERROR: Could not build wheels for grpcio, which is required to install pyproject.toml-based projects'].join('\n');
  expect(pipFailure(build)).toBe("failing package: grpcio==1.43.0; cause: src/core/lib/foo.cc:12: error: ‘bar’ was not declared; ERROR: Could not build wheels for grpcio, which is required to install pyproject.toml-based projects");
});
