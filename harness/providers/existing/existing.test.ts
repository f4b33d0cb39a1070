// The existing provider against a real cluster (a local one stands in for a shared cluster): it is
// never deleted, and only what the harness created there is removed.
import { test, expect } from '@playwright/test';
import { ApiextensionsV1Api, ApisApi, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { until } from '../../kube.js';
import { testKubernetes, toolchainEntry } from '../../toolchain/index.js';
import { buildComponent } from '../../components/build.js';
import { resolveSource } from '../../components/source.js';
import { installComponent, uninstall } from '../../components/install/index.js';
import { LocalProvider } from '../local/provider.js';
import type { Cluster } from '../provider.js';
import { readState } from '../state.js';
import { CREATED_BY, ExistingProvider } from './provider.js';
import { capabilityGroups, detectCapabilities } from './capabilities.js';

test.describe.configure({ timeout: 120_000 });

/** A local cluster standing in for a shared one, and the name the existing provider gives it; both go after `f`. */
async function onShared(tag: string, kubernetes: string, f: (c: Cluster, name: string, existing: ExistingProvider, local: LocalProvider) => Promise<void>): Promise<void> {
  const local = new LocalProvider();
  const existing = new ExistingProvider();
  const name = `t-existing-${tag}-${process.pid}`;
  const c = await local.create({ name: `t-shared-${tag}-${process.pid}`, kubernetes });
  try {
    await f(c, name, existing, local);
  } finally {
    await existing.destroy(name);
    await local.destroy(c.name);
  }
}

test('uses a kubeconfig context, never deletes the cluster, removes only what it made', async () => {
  const k = testKubernetes();
  await onShared('ctx', k, async (c, name, existing, local) => {
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
    expect((await local.list()).find((x) => x.name === c.name)?.healthy).toBe(true); // the cluster itself lives on
    await expect(existing.create({ name, kubernetes: '', kubeconfig: c.kubeconfig, context: 'nope' })).rejects.toThrow(/no context "nope"/);
    await expect(existing.loadImage(name, 'x:1')).rejects.toThrow(/pulls its images/);
  });
});

// Controllers on an existing cluster run from the release images it pulls (its apiserver cannot call
// webhooks on this host). A local cluster stands in: its fake nodes never pull and run no process,
// so this shows the install's shape and provenance, not a controller at work.
test('installs in image mode: the release image at the exact version, provenance says the build here is not what ran', async () => {
  const k = testKubernetes('>=1.29.0');
  await onShared('img', k, async (c, name, existing) => {
    const cluster = await existing.create({ name, kubernetes: '', kubeconfig: c.kubeconfig, context: 'local' });
    const ctx = { cluster, kubectl: toolchainEntry('kubernetes', k).bin.kubectl! };
    const built = await buildComponent(await resolveSource('kuberay', 'v1.3.2'));
    const installed = await installComponent(ctx, 'kuberay', built);
    expect(installed).toMatchObject({ mode: 'image', image: { image: 'quay.io/kuberay/operator:v1.3.2' } });
    expect(installed.process).toBeUndefined();
    expect(installed.provenance).toMatchObject({ component: 'kuberay', resolved: 'v1.3.2' });
    expect(installed.provenance.deps).toBeUndefined(); // the binary built here did not run
    expect(installed.provenance.differences).toContainEqual(expect.stringMatching(/ran the release image quay\.io\/kuberay\/operator:v1\.3\.2 the cluster pulled/));
    await uninstall(ctx, installed);
    // a pseudo-version has no release image to pull: one clear error
    const dev = { ...built, source: { ...built.source, resolved: 'v1.3.3-0.20250101000000-abcdef123456' } };
    await expect(installComponent(ctx, 'kuberay', dev)).rejects.toThrow(/is not a release/);
  });
});

// An OpenShift cluster reached as an existing one has Routes, the Machine API and Open Data Hub: a
// local cluster whose API server serves CRDs of those groups stands in for it.
test('asks each cluster what it shows: the API groups it serves, and real pods where a Ready node is no fake one', async () => {
  await onShared('caps', testKubernetes(), async (c, name, existing) => {
    const plain = await existing.create({ name, kubernetes: '', kubeconfig: c.kubeconfig, context: 'local' });
    expect(plain.capabilities).toEqual([]); // kwok's nodes run no container, and none of the groups is served
    await existing.destroy(name);
    const kc = new KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    for (const [, group] of capabilityGroups) {
      const kind = `Thing${group.split('.')[0]!.length}`;
      await ext.createCustomResourceDefinition({
        body: {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: `things.${group}` },
          spec: { group, scope: 'Namespaced', names: { kind, plural: 'things', singular: 'thing', listKind: `${kind}List` }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
        },
      });
    }
    const wanted = capabilityGroups.map(([, g]) => g);
    await until('the groups served', async () => (await kc.makeApiClient(ApisApi).getAPIVersions()).groups.filter((g) => wanted.includes(g.name)).length === wanted.length);
    const openshift = await existing.create({ name, kubernetes: '', kubeconfig: c.kubeconfig, context: 'local' });
    expect(openshift.capabilities).toEqual(['openshift-router', 'openshift-machine-api', 'opendatahub']);
    expect(readState(name)?.capabilities).toEqual(openshift.capabilities); // kept with the cluster, for the cell's fixtures
    // a node that is not kwok's, Ready: its pods run containers
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNode({ body: { metadata: { name: 'real-1' } } });
    expect(await detectCapabilities(kc)).not.toContain('real-pods'); // not Ready yet
    const node = await core.readNode({ name: 'real-1' });
    node.status = { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }] };
    await core.replaceNodeStatus({ name: 'real-1', body: node });
    expect(await detectCapabilities(kc)).toEqual(['real-pods', 'openshift-router', 'openshift-machine-api', 'opendatahub']);
  });
});
