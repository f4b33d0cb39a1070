// Small helpers for the harness's own tests.
import { ApiextensionsV1Api, AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.js';

/** Polls `f` until it returns something truthy (errors count as not yet); fails after `ms`, saying
 * what it saw last (a value or an error), as Playwright's expect.poll does. */
export async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: { value: unknown } | { error: unknown } | undefined;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
      last = { value: v };
    } catch (e) {
      last = { error: e };
    }
    if (Date.now() > end) throw new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}; last ${describe(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The message of a Kubernetes Status in an API error's body (a string or an object), if there is one. */
function statusMessage(body: unknown): string | undefined {
  try {
    const b = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown } | undefined;
    return typeof b?.message === 'string' ? b.message : undefined;
  } catch {
    return undefined;
  }
}

/** One line of what a poll last saw: the error's first line (a Kubernetes client's body message), or the value. */
function describe(last: { value: unknown } | { error: unknown } | undefined): string {
  if (!last) return 'nothing (never polled)';
  if ('error' in last) {
    const e = last.error as { message?: string; body?: unknown; code?: number };
    const message = statusMessage(e?.body) ?? e?.message ?? String(e);
    return `error: ${message.split('\n')[0]!.slice(0, 300)}`;
  }
  return `value: ${JSON.stringify(last.value) ?? String(last.value)}`.slice(0, 300);
}

const scratchRoots = new Map<string, string>();

/** A fresh temporary folder for a test, under one folder per worker and prefix that goes when the worker exits. */
export function scratchDir(prefix: string): string {
  let root = scratchRoots.get(prefix);
  if (!root) {
    root = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const made = root;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    scratchRoots.set(prefix, root);
  }
  return mkdtempSync(join(root, 't-'));
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/** The API clients tests use, for a kubeconfig file. */
export function clients(kubeconfig: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    ext: kc.makeApiClient(ApiextensionsV1Api),
    version: kc.makeApiClient(VersionApi),
  };
}

/** The API clients plus kubectl (the given binary) for a kubeconfig: what suites call `kube`. */
export function kube(kubeconfig: string, kubectl: string) {
  return { ...clients(kubeconfig), kubectl: (args: string[]) => run(kubectl, ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 }) };
}
export type Kube = ReturnType<typeof kube>;

/** Kueue quota for tests: ResourceFlavor default-flavor, ClusterQueue cq (cpu, memory), namespace, LocalQueue lq. */
export async function kueueQueue(kubeconfig: string, o: { namespace: string; cpu: number; memory: string }): Promise<void> {
  const { core, custom } = clients(kubeconfig);
  const k = { group: 'kueue.x-k8s.io', version: 'v1beta1' };
  const apiVersion = 'kueue.x-k8s.io/v1beta1';
  await custom.createClusterCustomObject({ ...k, plural: 'resourceflavors', body: { apiVersion, kind: 'ResourceFlavor', metadata: { name: 'default-flavor' } } });
  await custom.createClusterCustomObject({
    ...k,
    plural: 'clusterqueues',
    body: { apiVersion, kind: 'ClusterQueue', metadata: { name: 'cq' }, spec: { namespaceSelector: {}, resourceGroups: [{ coveredResources: ['cpu', 'memory'], flavors: [{ name: 'default-flavor', resources: [{ name: 'cpu', nominalQuota: o.cpu }, { name: 'memory', nominalQuota: o.memory }] }] }] } },
  });
  await core.createNamespace({ body: { metadata: { name: o.namespace } } });
  await until('default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace: o.namespace }));
  await custom.createNamespacedCustomObject({ ...k, namespace: o.namespace, plural: 'localqueues', body: { apiVersion, kind: 'LocalQueue', metadata: { name: 'lq', namespace: o.namespace }, spec: { clusterQueue: 'cq' } } });
}
