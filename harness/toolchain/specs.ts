// What to build for each component: the module, its wrapper go.mod, the mains, the link flags and a
// version check. Versions come from versions.yaml; this file knows the layout of each project.
import { readFile } from 'node:fs/promises';
import type { Component } from './home.js';
import { kubernetesGoMod, moduleInfo, parseGoMod, wrapperGoMod, type ModuleInfo } from './gomod.js';

export interface BuildSpec {
  component: Component;
  version: string;
  module: ModuleInfo;
  goMod: string;
  /** Extra files for the wrapper module (e.g. a generated main), relative path → content. */
  files: Record<string, string>;
  /** Binary name → package; all are built by one `go build`, so each name must be the package's last element. */
  binaries: Record<string, string>;
  ldflags: string[];
  /** Go build tags. */
  tags: string[];
  /** `binary args…` must print a line matching `expect`. */
  check: { binary: string; args: string[]; expect: RegExp };
  /** Modules served by the proxy whose checksum-database lookup fails here; built with GONOSUMDB, recorded in the manifest. */
  unverified?: string[];
  /** Data files or folders kept with the entry: destination (relative to the entry) → path in the module tree. */
  assets?: Record<string, string>;
}

const modulePaths: Record<Component, string> = {
  kubernetes: 'k8s.io/kubernetes',
  'kubernetes-node': 'k8s.io/kubernetes',
  kind: 'sigs.k8s.io/kind',
  crictl: 'sigs.k8s.io/cri-tools',
  coredns: 'github.com/coredns/coredns',
  etcd: 'go.etcd.io/etcd/server/v3',
  kwok: 'sigs.k8s.io/kwok',
  helm: 'helm.sh/helm/v3',
  registry: 'github.com/distribution/distribution/v3',
  traefik: 'github.com/traefik/traefik/v3',
};

/** The Go modules the pinned toolchain is built from (Kubernetes' node binaries come from the same module). */
export function pinnedModules(pinned: { kubernetes: string[] } & Record<Exclude<Component, 'kubernetes' | 'kubernetes-node'>, string>): { path: string; version: string }[] {
  const tools = (Object.keys(modulePaths) as Component[]).filter((c) => c !== 'kubernetes' && c !== 'kubernetes-node') as Exclude<Component, 'kubernetes' | 'kubernetes-node'>[];
  return [...tools.map((c) => ({ path: modulePaths[c], version: pinned[c] })), ...pinned.kubernetes.map((version) => ({ path: modulePaths.kubernetes, version }))];
}

/** A whole output line (or its start) as a RegExp. */
const line = (text: string, whole = true): RegExp => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${whole ? '$' : ''}`, 'm');

/** Resolves the module (downloading it) and describes the build. */
export async function buildSpec(component: Component, version: string): Promise<BuildSpec> {
  const module = await moduleInfo(modulePaths[component], version);
  const upstream = await readFile(module.goModPath, 'utf8');
  const require = { path: module.path, version };
  const base = { component, version, module, files: {}, tags: [] as string[] };
  switch (component) {
    case 'kubernetes':
    case 'kubernetes-node': {
      const [major, minor] = version.slice(1).split('.') as [string, string];
      const commit = module.gitCommit ?? '';
      // hack/lib/version.sh sets each key in both packages; without them binaries say v0.0.0-master.
      const vars = { gitVersion: version, gitMajor: major, gitMinor: minor, gitCommit: commit, gitTreeState: 'clean', buildDate: module.time };
      const ldflags = ['k8s.io/client-go/pkg/version', 'k8s.io/component-base/version'].flatMap((pkg) =>
        Object.entries(vars).map(([k, v]) => `-X ${pkg}.${k}=${v}`),
      );
      // The control plane runs as processes (local) or as images in a kind node; the node binaries
      // (kind only) are a separate entry so a local-only machine never builds them.
      const mains = component === 'kubernetes' ? ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] : ['kubelet', 'kubeadm', 'kube-proxy'];
      const checked = component === 'kubernetes' ? 'kube-apiserver' : 'kubelet';
      return {
        ...base,
        goMod: kubernetesGoMod(version, upstream),
        binaries: Object.fromEntries(mains.map((m) => [m, `k8s.io/kubernetes/cmd/${m}`])),
        ldflags,
        // providerless drops the in-tree cloud providers (AWS, Azure, GCE, vSphere SDKs), which a local
        // control plane never uses. It also keeps k8s.io/legacy-cloud-providers (1.27-1.30) out of the
        // build: the proxy here serves that module but its checksum-database lookup 404s, so without
        // the tag 1.27 does not build at all. Bonus: fewer packages to compile on 2 cores.
        tags: ['providerless'],
        // kubelet ≤1.30 links the in-tree GCP credential provider even with providerless; the checksum
        // database 404s on k8s.io/legacy-cloud-providers there, and on several staging modules of
        // 1.26.6: build.ts goes on without that check for exactly those and records them as unverified.
        check: { binary: checked, args: ['--version'], expect: line(`Kubernetes ${version}`) },
      };
    }
    case 'etcd':
      // The server package is itself a main, but `go build -o dir/` would name it "server" (after
      // the v3 suffix); a one-line main in the wrapper gives the binary its real name.
      return {
        ...base,
        goMod: wrapperGoMod(`local/etcd-${version}`, require, upstream),
        files: { 'etcd/main.go': 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' },
        binaries: { etcd: `local/etcd-${version}/etcd` },
        // The version is a constant in the source; the commit is not.
        ldflags: module.gitCommit ? [`-X go.etcd.io/etcd/api/v3/version.GitSHA=${module.gitCommit.slice(0, 8)}`] : [],
        check: { binary: 'etcd', args: ['--version'], expect: line(`etcd Version: ${version.slice(1)}`) },
      };
    case 'kwok':
      return {
        ...base,
        goMod: wrapperGoMod(`local/kwok-${version}`, require, upstream),
        binaries: { kwok: 'sigs.k8s.io/kwok/cmd/kwok', kwokctl: 'sigs.k8s.io/kwok/cmd/kwokctl' },
        // pkg/consts.Version in the tagged source already is the release (hack/releases.sh would set the same).
        ldflags: [],
        check: { binary: 'kwok', args: ['--version'], expect: line(`kwok version ${version} `, false) },
        // kwok does nothing without Stage objects; these are kwokctl's defaults, shipped in the module.
        assets: {
          'stages/node-initialize.yaml': 'kustomize/stage/node/fast/node-initialize.yaml',
          'stages/node-heartbeat-with-lease.yaml': 'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
          'stages/pod-ready.yaml': 'kustomize/stage/pod/fast/pod-ready.yaml',
          'stages/pod-complete.yaml': 'kustomize/stage/pod/fast/pod-complete.yaml',
          'stages/pod-delete.yaml': 'kustomize/stage/pod/fast/pod-delete.yaml',
        },
      };
    case 'helm':
      return {
        ...base,
        goMod: wrapperGoMod(`local/helm-${version}`, require, upstream),
        binaries: { helm: 'helm.sh/helm/v3/cmd/helm' },
        // Without it helm reports v3.x-dev; the Makefile sets the same variable.
        ldflags: [`-X helm.sh/helm/v3/internal/version.version=${version}`, ...(module.gitCommit ? [`-X helm.sh/helm/v3/internal/version.gitCommit=${module.gitCommit}`] : [])],
        check: { binary: 'helm', args: ['version', '--short'], expect: line(version, false) },
      };
    case 'kind':
      return {
        ...base,
        goMod: wrapperGoMod(`local/kind-${version}`, require, upstream),
        binaries: { kind: 'sigs.k8s.io/kind' },
        // The version is a constant in the source; the Makefile sets only the commit.
        ldflags: module.gitCommit ? [`-X sigs.k8s.io/kind/pkg/cmd/kind/version.gitCommit=${module.gitCommit}`] : [],
        check: { binary: 'kind', args: ['version'], expect: line(`kind ${version} `, false) },
        // The node image's base files (entrypoint, systemd units, containerd config), as kind's own
        // base image has them: the module zip carries images/base.
        assets: { base: 'images/base/files' },
      };
    case 'crictl':
      return {
        ...base,
        goMod: wrapperGoMod(`local/crictl-${version}`, require, upstream),
        binaries: { crictl: 'sigs.k8s.io/cri-tools/cmd/crictl' },
        ldflags: [`-X sigs.k8s.io/cri-tools/pkg/version.Version=${version}`],
        check: { binary: 'crictl', args: ['--version'], expect: line(`crictl version ${version}`) },
      };
    case 'registry':
      // A main of our own with only the filesystem storage driver: cmd/registry also links the S3,
      // Azure and GCS drivers' SDKs, which a registry on this machine never uses (and 2 cores compile slowly).
      return {
        ...base,
        goMod: wrapperGoMod(`local/registry-${version}`, require, upstream),
        files: { 'registry/main.go': 'package main\n\nimport (\n\t"github.com/distribution/distribution/v3/registry"\n\t_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"\n)\n\nfunc main() { registry.RootCmd.Execute() }\n' },
        binaries: { registry: `local/registry-${version}/registry` },
        // The Makefile sets the same variables.
        ldflags: [`-X github.com/distribution/distribution/v3/version.version=${version}`, ...(module.gitCommit ? [`-X github.com/distribution/distribution/v3/version.revision=${module.gitCommit}`] : [])],
        check: { binary: 'registry', args: ['--version'], expect: new RegExp(`github\\.com/distribution/distribution/v3 ${version.replace(/\./g, '\\.')}\\b`) },
      };
    case 'traefik': {
      // Its go.mod replaces three modules with Containous forks and excludes a tencentcloud version
      // (an ambiguous import otherwise): the wrapper keeps both, or the build is not Traefik's.
      const up = parseGoMod(upstream);
      return {
        ...base,
        goMod: wrapperGoMod(`local/traefik-${version}`, require, upstream, up.replaces.map((r) => `${r.from} => ${r.to}`), up.excludes),
        binaries: { traefik: 'github.com/traefik/traefik/v3/cmd/traefik' },
        // The Makefile's -X flags (-s -w are every build's); its web UI is not in the module, so the dashboard, which we never serve, is empty.
        ldflags: [`-X github.com/traefik/traefik/v3/pkg/version.Version=${version}`, `-X github.com/traefik/traefik/v3/pkg/version.BuildDate=${module.time}`],
        check: { binary: 'traefik', args: ['version'], expect: new RegExp(`^Version:\\s+${version.replace(/\./g, '\\.')}$`, 'm') },
      };
    }
    case 'coredns':
      return {
        ...base,
        goMod: wrapperGoMod(`local/coredns-${version}`, require, upstream),
        binaries: { coredns: 'github.com/coredns/coredns' },
        ldflags: module.gitCommit ? [`-X github.com/coredns/coredns/coremain.GitCommit=${module.gitCommit.slice(0, 7)}`] : [],
        check: { binary: 'coredns', args: ['-version'], expect: line(`CoreDNS-${version.slice(1)}`) },
      };
  }
}
