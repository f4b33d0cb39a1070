// What the registries serve is asked where the tool runs, for what a plan needs, and recorded per
// machine (never shipped): a fresh machine blocks ahead what its proxy refuses, as a warm one does.
import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../matrix/catalog/index.js';
import type { Cell } from '../../matrix/cell.js';
import { askRegistries } from './where.js';

test('run asks the proxy once for each release a plan needs that no record or git source answers, and records the answer', async () => {
  const saved = process.env.CODEFLARE_MATRIX_HOME;
  const home = mkdtempSync(join(tmpdir(), 'cfm-avail-'));
  process.env.CODEFLARE_MATRIX_HOME = home;
  try {
    expect(loadCatalog().availability).toBeUndefined(); // a fresh machine: nothing known
    const cells = [{ versions: { kubernetes: 'v1.31.13', kuberay: 'v1.3.2', kueue: 'v0.11.6', 'codeflare-operator': 'v1.16.0' } }] as unknown as Cell[];
    // the operator comes from a git source here: not asked
    expect(await askRegistries(cells, { 'codeflare-operator': { git: '/nowhere' } } as never)).toBe(2);
    const record = loadCatalog().availability!;
    expect(record.versions.map((v) => `${v.component}@${v.tag}`).sort()).toEqual(['kuberay@v1.3.2', 'kueue@v0.11.6']);
    for (const v of record.versions) expect(v.status === 'missing' ? v.detail : 'served').toMatch(/^(served|the Go module proxy: .+)$/);
    expect(await askRegistries(cells, { 'codeflare-operator': { git: '/nowhere' } } as never)).toBe(0); // known now: not asked again
    // without the git source the operator is asked, and added beside the earlier answers
    expect(await askRegistries(cells, {})).toBe(1);
    expect(loadCatalog().availability!.versions.map((v) => v.component).sort()).toEqual(['codeflare-operator', 'kuberay', 'kueue']);
  } finally {
    if (saved === undefined) delete process.env.CODEFLARE_MATRIX_HOME;
    else process.env.CODEFLARE_MATRIX_HOME = saved;
    rmSync(home, { recursive: true, force: true });
  }
});
