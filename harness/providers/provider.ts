// The provider interface every cluster provider implements (local, kind, existing), after kind's
// own providers: one small interface, one folder per provider.
export type ProviderName = 'local' | 'kind' | 'existing';

/** A fake node (local) or a node of a kind cluster: capacity and labels. */
export type NodeSpec = { name: string; cpu: string; memory: string; gpu: number; pods?: string; labels: Record<string, string> };

export type ClusterSpec = {
  name: string;
  /** Kubernetes version, e.g. v1.31.14 (local and kind build or pick the matching binaries or node image). */
  kubernetes: string;
  nodes?: NodeSpec[];
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
  /** Path of a kubeconfig for this cluster (mode 0600). */
  kubeconfig: string;
  /** The cluster's own folder: state, logs, PKI. */
  dir: string;
  createdAt: string;
  owner?: number;
};

export type ClusterStatus = Cluster & { healthy: boolean; detail: string };

export type Log = (line: string) => void;

export interface Provider {
  readonly name: ProviderName;
  /** What the clusters can show: fake-nodes, real-pods, openshift-machine-api, … (suites ask for these). */
  readonly capabilities: readonly string[];
  create(spec: ClusterSpec, log?: Log): Promise<Cluster>;
  list(): Promise<ClusterStatus[]>;
  kubeconfig(name: string): string;
  /** Makes a locally built image available to the cluster's nodes. */
  loadImage(name: string, image: string): Promise<void>;
  /** Copies every component's logs of the cluster into `dir`; returns the files written. */
  exportLogs(name: string, dir: string): Promise<string[]>;
  /** Idempotent; tolerates a half-built cluster. */
  destroy(name: string): Promise<void>;
}

export const clusterName = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;
