// The existing provider against a real cluster (a local one stands in for a shared cluster): it is
// never deleted, and only what the harness created there is removed.
import { test, expect } from '@playwright/test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { defaultVersions } from '../../toolchain/index.js';
import { LocalProvider } from '../local/provider.js';
import { readState } from '../state.js';
import { CREATED_BY, ExistingProvider } from './provider.js';

test.describe.configure({ timeout: 120_000 });

test('uses a kubeconfig context, never deletes the cluster, removes only what it made', async () => {
  const local = new LocalProvider();
  const existing = new ExistingProvider();
  const shared = `t-shared-${process.pid}`;
  const name = `t-existing-${process.pid}`;
  const k = defaultVersions().kubernetes[0]!;
  const c = await local.create({ name: shared, kubernetes: k });
  try {
    const e = await existing.create({ name, kubernetes: '', kubeconfig: c.kubeconfig, context: 'local' });
    expect(e.kubernetes).toBe(k);
    expect(readState(name)?.provider).toBe('existing');
    const kc = new KubeConfig();
    kc.loadFromFile(e.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'made-by-harness', labels: { [CREATED_BY]: name } } } });
    await core.createNamespace({ body: { metadata: { name: 'someone-elses' } } });
    expect((await existing.list()).find((x) => x.name === name)?.healthy).toBe(true);
    await existing.destroy(name);
    const phase = async (ns: string) => (await core.readNamespace({ name: ns }).catch(() => undefined))?.status?.phase ?? 'Gone';
    expect(['Terminating', 'Gone']).toContain(await phase('made-by-harness'));
    expect(await phase('someone-elses')).toBe('Active');
    expect(readState(name)).toBeUndefined();
    expect((await local.list()).find((x) => x.name === shared)?.healthy).toBe(true); // the cluster itself lives on
    await expect(existing.create({ name, kubernetes: '', kubeconfig: c.kubeconfig, context: 'nope' })).rejects.toThrow(/no context "nope"/);
    await expect(existing.loadImage(name, 'x:1')).rejects.toThrow(/pulls its images/);
  } finally {
    await existing.destroy(name);
    await local.destroy(shared);
  }
});
