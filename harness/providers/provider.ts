// The provider interface every cluster provider implements (local, kind, existing), after kind's
// own providers: one small interface, one folder per provider.
import type { Capability, ProviderName } from '../../matrix/ids.js';
import type { CellNetwork } from '../net/netns.js';

/** A fake node (local) or a node of a kind cluster: capacity and labels. */
export type NodeSpec = { name: string; cpu: string; memory: string; gpu: number; pods?: string; labels: Record<string, string> };

/** A cluster's nodes unless the config names them: one plain, one with GPUs, so GPU placement can be tested (kind: one node with both's labels). */
export const defaultNodes: NodeSpec[] = [
  { name: 'node-1', cpu: '16', memory: '64Gi', gpu: 0, labels: {} },
  { name: 'gpu-1', cpu: '16', memory: '64Gi', gpu: 4, labels: { 'nvidia.com/gpu.present': 'true' } },
];

export type ClusterSpec = {
  name: string;
  /** Kubernetes version, e.g. v1.31.14 (local and kind build or pick the matching binaries or node image). */
  kubernetes: string;
  nodes?: NodeSpec[];
  /** kind: worker nodes beside the control plane (an upstream suite's own cluster has them); none: one node. */
  workers?: number;
  /** The pid of the run that owns the cluster (default: this process); the janitor removes it once that process is gone. */
  owner?: number;
  /** Made by hand (`cluster up`): once ready it belongs to no process and stays until `cluster down`. */
  keep?: boolean;
  /** apiserver port (local); a free one when absent. */
  port?: number;
  /** existing: the kubeconfig and context to use. */
  kubeconfig?: string;
  context?: string;
};

export type Cluster = {
  name: string;
  provider: ProviderName;
  kubernetes: string;
  /** What this cluster shows, where the provider asked it (existing); else the provider's `capabilities`. */
  capabilities?: Capability[];
  /** Path of a kubeconfig for this cluster (mode 0600). */
  kubeconfig: string;
  /** The cluster's own folder: state, logs, PKI. */
  dir: string;
  createdAt: string;
  owner?: number;
  /** The cluster's own network namespace (local, as root): its processes run there, reached at its address. */
  network?: CellNetwork;
};

/** Where the host reaches what a cluster's processes serve: its namespace's address, or loopback. */
export function clusterHost(c: Pick<Cluster, 'network'>): string {
  return c.network?.address ?? '127.0.0.1';
}

export type ClusterStatus = Cluster & { healthy: boolean; detail: string };

export type Log = (line: string) => void;

/** A client's Python environment (the SDK's virtualenv), as the provider needs it to make its image. */
export type ClientEnv = { version: string; python: string; venv: string };
/** What a client's container gets beside its image: environment, and host files copied in (a stand-in's binary). */
export type ClientExtras = { env?: Record<string, string>; files?: { source: string; target: string }[] };
/** A cluster's ingress controller as its tests reach it: the HTTP proxy that reaches Ingress hosts, and what runs it (provenance). */
export type ClusterIngress = { proxy: string; controller: { name: string; module: string; version: string; image: string; digest: string } };
export type ClientContainer = { python: (script: string, args?: string[]) => Promise<{ ok: boolean; exitCode?: number; stdout: string; stderr: string; all: string }>; stop: () => Promise<void> };

export interface Provider {
  readonly name: ProviderName;
  /** What the clusters can show (suites ask for these; a cell's catalog constraints name them), unless a cluster says (Cluster.capabilities). */
  readonly capabilities: readonly Capability[];
  /**
   * How a component's controller runs on its clusters (harness/components/install): `process`, the
   * built binary as a host process standing for its pod (fake nodes run no container); `image`, in
   * a pod whose image is that binary (loaded) or the release image (pulled).
   */
  readonly installMode: 'process' | 'image';
  /**
   * Whether each cluster's processes have a network of their own (pods; a namespace per local
   * cluster). Where they share the host's, cells whose controllers bind the same fixed port run one
   * after another (harness/run/claims.ts) and an install waits for such a port.
   */
  readonly ownNetwork: boolean;
  create(spec: ClusterSpec, log?: Log): Promise<Cluster>;
  list(): Promise<ClusterStatus[]>;
  kubeconfig(name: string): string;
  /** Makes a locally built image available to the cluster's nodes, pulled as `pullPolicy` (a container's imagePullPolicy) says. */
  loadImage(name: string, image: string, pullPolicy?: string): Promise<void>;
  /** Gives a cluster of a control plane and worker nodes where a spec asks for them (ClusterSpec.workers): kind. */
  readonly workers?: boolean;
  /**
   * A provider whose pods run images made here (kind): it makes them, and runs the cell's client
   * beside the cluster, where its users run it. Without it, clients run on the host.
   */
  readonly images?: {
    /** The image of a suite's workload (Ray, a batch Job), made from packages. */
    workload(image: string, log: Log): Promise<void>;
    /** The image of a client (the SDK's virtualenv); returns its reference. */
    client(sdk: ClientEnv, log: Log): Promise<string>;
    /** The client running in a container on the cluster's network. */
    clientContainer(sdk: ClientEnv, cluster: string, extras?: ClientExtras): Promise<ClientContainer>;
    /** The host's address the cluster's pods reach (a server the harness runs for them: the package index), never beyond the host. */
    hostAddress(cluster: string): Promise<string>;
    /** Serves an image of the local engine to the cluster's nodes by its name from a registry of the cluster's (for pulls with Always); where it is served from. */
    mirror(cluster: string, image: string, log: Log): Promise<{ registry: string; repository: string; tag: string; digest: string }>;
  };
  /** The cluster's ingress controller, started on first need (capability `ingress`): what reaches Ingress hosts from the host. */
  ingress?(cluster: string, log: Log): Promise<ClusterIngress>;
  /** Copies every component's logs of the cluster into `dir`; returns the files written. */
  exportLogs(name: string, dir: string): Promise<string[]>;
  /** Idempotent; tolerates a half-built cluster. */
  destroy(name: string): Promise<void>;
  /**
   * What the provider made outside any cluster folder of ours (kind: a cluster whose run was killed
   * before it wrote its state), for the janitor; each with how to remove it.
   */
  orphans?(): Promise<{ name: string; why: string; remove: () => Promise<void> }[]>;
}

export const clusterName = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;
