// The cluster as the harness and its suites talk to it: API clients, kubectl, and a wait that says
// what it saw last when it gives up.
import { ApiextensionsV1Api, AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { run } from '../lib/exec.js';

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

/** The API clients for a kubeconfig file. */
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

/**
 * Objects made with the cluster's kubectl (server-side apply, as one List); returns what deletes them
 * again (not waiting: the cluster finishes it). `what` names them in the error.
 */
export async function applied(kubectl: string, kubeconfig: string, objs: object[], what: string): Promise<() => Promise<void>> {
  const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs });
  const r = await run(kubectl, ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--field-manager=codeflare-matrix', '-f', '-'], { input: list, timeout: 120_000 });
  if (!r.ok) throw new Error(`the API server rejected ${what}: ${r.all.trim().split('\n').slice(-3).join(' | ')}`);
  return async () => {
    await run(kubectl, ['--kubeconfig', kubeconfig, 'delete', '--ignore-not-found', '--wait=false', '-f', '-'], { input: list, timeout: 120_000 });
  };
}
