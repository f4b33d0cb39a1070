// Failures the cluster itself blames on the environment rather than the component: Warning events
// whose reason and message say the machine it runs on fell short (no node with room for a pod, a
// node under pressure, an image registry out of reach). Watched live while a suite runs (the
// namespaces tests make are deleted at their end, and their events with them), then laid over each
// failed test's time window.
import { KubeConfig, Watch, type CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { TestCause } from '../model/results.js';

/** The attachment a failed test of ours carries its environment cause in (fixtures/collector.ts → the cell reporter). */
export const CAUSE_ATTACHMENT = 'environment-cause';

/**
 * The Warning events that say the environment: the event's reason, a pattern of its message, what
 * it means. Left out, because the component can cause them itself: a node selector, affinity or
 * taint no node fits, an unbound volume claim, a quota, an image name or tag no registry has (the
 * registry answered "not found"), a container killed over its own memory limit, preemption.
 */
export const ENVIRONMENT_EVENTS: { reason: string; message: RegExp; what: string }[] = [
  // the scheduler: no node has room for the pod's requests (cpu, memory, GPUs, pods …)
  { reason: 'FailedScheduling', message: /\bInsufficient [\w./-]+|Too many pods/, what: 'capacity' },
  // the kubelet evicts pods when its node runs low (not a pod over its own ephemeral-storage limit)
  { reason: 'Evicted', message: /^The node was low on resource/, what: 'node-pressure' },
  { reason: 'EvictionThresholdMet', message: /./, what: 'node-pressure' },
  // the kubelet could not reach the image's registry at all (no registry here serves the image), or was throttled
  { reason: 'Failed', message: /^Failed to pull image .*(no such host|dial tcp|i\/o timeout|network is unreachable|connection refused|TLS handshake timeout|server misbehaving|toomanyrequests|429 Too Many Requests)/, what: 'image-pull' },
];

/** An event as the API serves it (core/v1, raw JSON: a watch's objects, kubectl -o json). */
export type KubeEvent = {
  metadata?: { uid?: string; creationTimestamp?: string };
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; namespace?: string; name?: string };
  /** events.k8s.io writers (the scheduler) set eventTime; the kubelet's legacy recorder firstTimestamp. */
  eventTime?: string | null;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
};

/**
 * An event that says the environment: what it means, when it first happened (ms; `seconds`: that
 * time has whole seconds, so it happened within the second after), and one line of evidence.
 */
export type EnvironmentEvent = { what: string; at: number; seconds: boolean; line: string };

export function environmentEvent(e: KubeEvent): EnvironmentEvent | undefined {
  if (e.type !== 'Warning') return undefined;
  const rule = ENVIRONMENT_EVENTS.find((r) => r.reason === e.reason && r.message.test(e.message ?? ''));
  if (!rule) return undefined;
  const o = e.involvedObject ?? {};
  const who = o.namespace ? `${o.namespace}/${o.name}` : `${(o.kind ?? 'object').toLowerCase()} ${o.name}`;
  // First occurrence: a pod left over from an earlier test that is still unschedulable is that test's evidence, not a later one's.
  const time = e.eventTime ?? e.firstTimestamp ?? e.lastTimestamp ?? e.metadata?.creationTimestamp ?? '';
  return { what: rule.what, at: Date.parse(time), seconds: !e.eventTime, line: `${who}: ${(e.message ?? '').replace(/\s+/g, ' ').trim().slice(0, 500)}` };
}

const MAX_EVIDENCE = 10;

/**
 * The cause of a failure whose time window [from, to] (ms) holds environment events, or undefined.
 * Assumes the cluster's clock is this machine's (local and kind clusters run here).
 */
export function causeIn(events: EnvironmentEvent[], from: number, to: number, scope: TestCause['scope']): TestCause | undefined {
  // an event in whole seconds counts for every window its second overlaps (the scheduler's eventTime has microseconds)
  const hits = events.filter((e) => e.at + (e.seconds ? 999 : 0) >= from && e.at <= to);
  if (!hits.length) return undefined;
  const lines = [...new Set(hits.map((e) => e.line))];
  const what = [...new Set(ENVIRONMENT_EVENTS.map((r) => r.what))].filter((w) => hits.some((h) => h.what === w)).join(', ');
  return { by: 'environment', what, evidence: lines.length > MAX_EVIDENCE ? [...lines.slice(0, MAX_EVIDENCE), `… and ${lines.length - MAX_EVIDENCE} more`] : lines, scope };
}

/**
 * Watches the cluster's Warning events in every namespace and keeps those that say the
 * environment, until stop(). A watch the server closes (it does after its request timeout) is
 * opened again; each opening lists the events there are, so one missed in between is caught if it
 * still exists.
 */
export async function watchEnvironment(kubeconfig: string): Promise<{ stop: () => EnvironmentEvent[] }> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const seen = new Map<string, EnvironmentEvent>();
  let stopped = false;
  let abort: AbortController | undefined;
  // A watch that fails to open throws at once (the first: the caller says so); one the server closes later is opened again.
  const reopen = (): void => {
    if (!stopped) setTimeout(() => void open().catch(reopen), 2000).unref();
  };
  const open = async (): Promise<void> => {
    let opened = false;
    let error: unknown;
    abort = await new Watch(kc).watch(
      '/api/v1/events',
      { fieldSelector: 'type=Warning' },
      (_phase, e: KubeEvent) => {
        const m = environmentEvent(e);
        if (m) seen.set(e.metadata?.uid ?? m.line, m);
      },
      (err: unknown) => {
        if (!opened) error = err ?? new Error('the watch closed as it opened');
        else reopen();
      },
    );
    opened = true;
    if (error) throw error instanceof Error ? error : new Error(String(error));
  };
  await open();
  return {
    stop: () => {
      stopped = true;
      abort?.abort();
      return [...seen.values()];
    },
  };
}

// Quantities by suffix (resource.Quantity); parsed here because the client's quantityToScalar rejects "1.5Gi".
const SUFFIX: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
export function quantity(q: string | undefined): number {
  const m = /^([+-]?[\d.]+(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(q ?? '');
  return m && SUFFIX[m[2]!] !== undefined ? Number(m[1]) * SUFFIX[m[2]!]! : 0;
}

/** A pod's request of a resource, as the scheduler counts it: its containers', or its largest init container's if more, plus its overhead. */
export function podRequest(p: V1Pod, resource: string): number {
  const of = (c: { resources?: { requests?: Record<string, string> } }) => quantity(c.resources?.requests?.[resource]);
  const containers = (p.spec?.containers ?? []).reduce((n, c) => n + of(c), 0);
  const init = Math.max(0, ...(p.spec?.initContainers ?? []).map(of));
  return Math.max(containers, init) + quantity(p.spec?.overhead?.[resource]);
}

const shown = (r: string, v: number): string => (r === 'cpu' ? `${Math.round(v * 1000)}m` : r === 'memory' ? `${Math.round(v / 2 ** 20)}Mi` : String(Math.round(v)));

/**
 * Each node's allocatable beside what its pods request, as `kubectl describe node` shows it under
 * "Allocated resources", in one line: "node n: cpu 1550m of 2 requested (77%), memory …".
 */
export async function allocated(core: Pick<CoreV1Api, 'listNode' | 'listPodForAllNamespaces'>): Promise<string> {
  const [nodes, pods] = await Promise.all([core.listNode(), core.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' })]);
  return nodes.items
    .map((n) => {
      const on = pods.items.filter((p) => p.spec?.nodeName === n.metadata?.name);
      const alloc = n.status?.allocatable ?? {};
      const parts = ['cpu', 'memory', 'nvidia.com/gpu'].filter((r) => alloc[r]).map((r) => {
        const used = on.reduce((s, p) => s + podRequest(p, r), 0);
        const have = quantity(alloc[r]);
        return `${r} ${shown(r, used)} of ${alloc[r]} requested${have ? ` (${Math.floor((100 * used) / have)}%)` : ''}`;
      });
      return `node ${n.metadata?.name}: ${parts.join(', ')}`;
    })
    .join('; ');
}
