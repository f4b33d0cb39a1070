// A kind node image assembled with no registry, the way `kind build node-image` assembles one
// (kind's pkg/build/nodeimage): a base image, the node binaries copied in, the control-plane and
// addon images imported into the node's containerd store, then committed. Every piece comes from a
// package registry: the root filesystem, containerd, runc and the CNI plugins from Debian's
// packages; Kubernetes, etcd, CoreDNS, crictl and kind's base files (entrypoint, units, containerd
// config) from Go modules through the toolchain; pause compiled from the Kubernetes module's source.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { run } from '../../../lib/exec.js';
import { buildLabels, docker, dockerOk, HARNESS_LABEL, pipeToDocker } from '../../docker.js';
import { defaultVersions, ensureToolchain, resolveKubernetesVersion, toolchainEntry, type Entry } from '../../toolchain/index.js';
import { goEnv } from '../../toolchain/gomod.js';
import type { Log } from '../provider.js';
import { cachedImage, debianImage, filesImage, hashOf, workDir, type ImageConfig } from './images.js';

/** kind's base image packages (images/base/Dockerfile), with containerd, runc and CNI plugins from Debian instead of built. */
const BASE_PACKAGES = [
  'systemd', 'dbus', 'conntrack', 'iptables', 'nftables', 'iproute2', 'ethtool', 'util-linux', 'mount', 'kmod', 'libseccomp2',
  'pigz', 'e2fsprogs', 'bash', 'ca-certificates', 'jq', 'procps', 'containerd', 'runc', 'containernetworking-plugins',
];
/** What kube-proxy's image needs beside the binary (upstream: distroless-iptables). */
const PROXY_PACKAGES = ['iptables', 'nftables', 'conntrack', 'ipset', 'kmod'];

/** Where the node's CNI configuration is: baked into the image for one node, mounted per node for several. */
export const CNI_FILE = '/etc/cni/net.d/10-codeflare-matrix-ptp.conflist';

/** Node `i`'s pod subnet (10.244.i.0/24): several nodes reach each other's by routes the provisioner adds. */
export const podSubnet = (i: number): string => `10.244.${i}.0/24`;

/** Node `i`'s CNI configuration: the image's, with its own subnet. */
export const cniConfig = (i: number): string => JSON.stringify(CNI_CONFIG, null, 2).replace(podSubnet(0), podSubnet(i)) + '\n';

/** One node, one subnet: the pod network is a static ptp configuration (kind's own kindnetd is not on a registry here). */
const CNI_CONFIG = {
  cniVersion: '0.4.0',
  name: 'codeflare-matrix-ptp',
  plugins: [
    { type: 'ptp', ipMasq: true, mtu: 1500, ipam: { type: 'host-local', dataDir: '/run/cni-ipam-state', routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: '10.244.0.0/24' }]] } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
};

export const NODE_REPO = 'codeflare-matrix/kind-node';
/** Image label holding the kubeadm patch the node image needs (its etcd and CoreDNS tags). */
export const KUBEADM_PATCH_LABEL = 'codeflare-matrix.io/kubeadm-patch';

export type NodeImage = { tag: string; built: boolean; images: string[]; seconds: number };

/** What a node image of this Kubernetes version is made of. */
function pieces(version: string) {
  const pinned = defaultVersions();
  return {
    kube: toolchainEntry('kubernetes', version),
    node: toolchainEntry('kubernetes-node', version),
    etcd: toolchainEntry('etcd', pinned.etcd),
    coredns: toolchainEntry('coredns', pinned.coredns),
    crictl: toolchainEntry('crictl', pinned.crictl),
    kind: toolchainEntry('kind', pinned.kind),
  };
}

const sums = (e: Entry) => Object.values(e.manifest.binaries).map((b) => b.sha256);

/** pause.c from the Kubernetes module at this version, compiled static; its tag from the module's build/pause/Makefile. */
async function pauseBinary(kube: Entry, log: Log): Promise<{ path: string; tag: string }> {
  const r = await run('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${kube.version}`], { env: goEnv() });
  const dir = (JSON.parse(r.stdout) as { Dir: string }).Dir;
  const tag = /^TAG \?= (\S+)$/m.exec(readFileSync(join(dir, 'build/pause/Makefile'), 'utf8'))?.[1];
  if (!tag) throw new Error(`no pause TAG in ${dir}/build/pause/Makefile`);
  const out = workDir('pause', `${kube.version}`, 'pause');
  if (!existsSync(out)) {
    mkdirSync(join(out, '..'), { recursive: true });
    log(`pause ${tag}: gcc -static build/pause/linux/pause.c (k8s.io/kubernetes@${kube.version})`);
    const c = await run('gcc', ['-Os', '-static', '-Wall', '-Werror', `-DVERSION=v${tag}-${kube.version}`, '-o', `${out}.tmp`, join(dir, 'build/pause/linux/pause.c')]);
    if (!c.ok) throw new Error(`compiling pause failed: ${c.all.trim()}`);
    renameSync(`${out}.tmp`, out);
  }
  return { path: out, tag };
}

/** The kind base image: Debian with systemd, containerd, runc, CNI plugins, crictl and kind's base files. */
async function baseImage(p: ReturnType<typeof pieces>, log: Log): Promise<string> {
  const tag = `codeflare-matrix/kind-base:${p.kind.version}`;
  // kind's image also sets STOPSIGNAL SIGRTMIN+3, which `docker import`/`commit` cannot; kind
  // removes nodes with `docker rm -f`, so only a hand-made `docker stop` would miss it.
  const config: ImageConfig = { env: { container: 'docker' }, entrypoint: ['/usr/local/bin/entrypoint', '/sbin/init'] };
  await debianImage(tag, BASE_PACKAGES, config, log, {
    key: hashOf(sums(p.kind), sums(p.crictl), 'base-1'),
    fn: async (rootfs) => {
      // kind's base files: entrypoint, systemd units and drop-ins, containerd and crictl config, sysctls.
      await run('cp', ['-a', `${join(p.kind.dir, 'base')}/.`, rootfs]);
      await run('chmod', ['0755', join(rootfs, 'usr/local/bin/entrypoint'), join(rootfs, 'usr/local/bin/clean-install')]);
      await run('sh', ['-c', 'chmod 0755 "$1"/kind/bin/*', 'sh', rootfs]);
      mkdirSync(join(rootfs, 'usr/local/sbin'), { recursive: true });
      // Debian's binaries where kind's units and config look for its own builds.
      await run('ln', ['-sf', '/usr/bin/containerd', join(rootfs, 'usr/local/bin/containerd')]);
      await run('ln', ['-sf', '/usr/sbin/runc', join(rootfs, 'usr/local/sbin/runc')]);
      mkdirSync(join(rootfs, 'opt/cni'), { recursive: true });
      await run('ln', ['-sfn', '/usr/lib/cni', join(rootfs, 'opt/cni/bin')]);
      await run('cp', [p.crictl.bin.crictl!, join(rootfs, 'usr/local/bin/crictl')]);
      // The systemd trimming kind's Dockerfile does: no units but the ones a node needs.
      const trim = [
        'find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete',
        'rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* /lib/systemd/system/local-fs.target.wants/*',
        'rm -f /lib/systemd/system/sockets.target.wants/*udev* /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*',
        'echo ReadKMsg=no >> /etc/systemd/journald.conf',
        'ln -sf /usr/lib/systemd/systemd /sbin/init',
        'systemctl enable kubelet.service containerd.service undo-mount-hacks.service',
        'systemctl mask systemd-binfmt.service',
        'mkdir -p /etc/kubernetes/manifests /etc/cni/net.d',
      ];
      const r = await run('chroot', [rootfs, 'sh', '-euc', trim.join('\n')]);
      if (!r.ok) throw new Error(`preparing the kind base root filesystem failed: ${r.all.trim()}`);
      // cri-base.json as kind makes it: containerd's default spec, a hook for product files, no rlimits.
      const spec = await run('chroot', [rootfs, 'ctr', 'oci', 'spec']);
      if (!spec.ok) throw new Error(`ctr oci spec failed: ${spec.all.trim()}`);
      const j = JSON.parse(spec.stdout) as { hooks?: { createContainer?: { path: string }[] }; process: { rlimits?: unknown } };
      j.hooks = { ...j.hooks, createContainer: [...(j.hooks?.createContainer ?? []), { path: '/kind/bin/mount-product-files.sh' }] };
      delete j.process.rlimits;
      writeFileSync(join(rootfs, 'etc/containerd/cri-base.json'), JSON.stringify(j, null, 2) + '\n');
    },
  });
  return tag;
}

/** Builds (or finds) the node image for a Kubernetes version; its toolchain entries are built first. */
export async function buildNodeImage(kubernetes: string, log: Log = () => {}): Promise<NodeImage> {
  const start = Date.now();
  const version = resolveKubernetesVersion(kubernetes);
  const pinned = defaultVersions();
  await ensureToolchain({ kubernetes: [version], node: [version], tools: ['etcd', 'kind', 'crictl', 'coredns'], log });
  const p = pieces(version);
  const base = await baseImage(p, log);
  const pause = await pauseBinary(p.kube, log);
  const etcdTag = `${pinned.etcd.slice(1)}-0`;
  const binPath = { PATH: '/usr/local/bin:/usr/bin:/bin' };
  const source = (e: Entry) => ({ 'org.opencontainers.image.source': `${e.manifest.module.path}@${e.manifest.module.version}`, 'org.opencontainers.image.version': e.version });

  // The control plane as kubeadm names it (registry.k8s.io/<binary>:<version>); etcd and CoreDNS
  // at the versions built here, which the kubeadm patch below names.
  const images: Record<string, () => Promise<void>> = {};
  for (const b of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'])
    images[`registry.k8s.io/${b}:${version}`] = () => filesImage(`registry.k8s.io/${b}:${version}`, { [`usr/local/bin/${b}`]: p.kube.bin[b]! }, { env: binPath, labels: source(p.kube) }, [sums(p.kube)], log);
  images[`registry.k8s.io/etcd:${etcdTag}`] = () => filesImage(`registry.k8s.io/etcd:${etcdTag}`, { 'usr/local/bin/etcd': p.etcd.bin.etcd! }, { env: binPath, labels: source(p.etcd) }, [sums(p.etcd)], log);
  images[`registry.k8s.io/coredns/coredns:${pinned.coredns}`] = () =>
    filesImage(`registry.k8s.io/coredns/coredns:${pinned.coredns}`, { coredns: p.coredns.bin.coredns! }, { entrypoint: ['/coredns'], labels: source(p.coredns) }, [sums(p.coredns)], log);
  // pause's tag (3.9) is the same for several Kubernetes versions, each compiled from its own source:
  // the engine keeps one image per version (one tag for all made each version's node image replace the
  // other's, and so be built again), and the node gets it under the name kubeadm and containerd use.
  const pauseLocal = `codeflare-matrix/pause:${pause.tag}-${version}`;
  images[pauseLocal] = () => filesImage(pauseLocal, { pause: pause.path }, { entrypoint: ['/pause'], labels: source(p.kube) }, [pause.tag, p.kube.version], log);
  const inNode: Record<string, string> = { [pauseLocal]: `registry.k8s.io/pause:${pause.tag}` };
  images[`registry.k8s.io/kube-proxy:${version}`] = async () => {
    // Debian keeps iptables in /usr/sbin.
    await debianImage('codeflare-matrix/debian-iptables:bookworm', PROXY_PACKAGES, { env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } }, log);
    await layerImage(`registry.k8s.io/kube-proxy:${version}`, 'codeflare-matrix/debian-iptables:bookworm', { 'usr/local/bin/kube-proxy': p.node.bin['kube-proxy']! }, source(p.node), [sums(p.node)], log);
  };
  for (const make of Object.values(images)) await make();

  const patch = { etcd: { local: { imageRepository: 'registry.k8s.io', imageTag: etcdTag } }, dns: { imageRepository: 'registry.k8s.io/coredns', imageTag: pinned.coredns } };
  const imageIds = await Promise.all(Object.keys(images).map(async (t) => (await dockerOk(['image', 'inspect', '--format', '{{.Id}}', t])).trim()));
  const inputs = hashOf(base, await imageIdOf(base), sums(p.node), sums(p.kube), imageIds, pause.tag, CNI_CONFIG, inNode, 'node-3');
  const tag = `${NODE_REPO}:${version}`;
  const built = await cachedImage(tag, inputs, () => assemble(tag, base, p, Object.keys(images), inNode, pause.tag, patch, inputs, log), log);
  return { tag, built, images: Object.keys(images).map((i) => inNode[i] ?? i), seconds: (Date.now() - start) / 1000 };
}

async function imageIdOf(tag: string): Promise<string> {
  return (await dockerOk(['image', 'inspect', '--format', '{{.Id}}', tag])).trim();
}

/** `FROM base` plus files, with docker build (the base is local, so nothing is pulled). */
export async function layerImage(tag: string, from: string, files: Record<string, string>, labels: Record<string, string>, inputsOf: unknown[], log: Log): Promise<void> {
  const inputs = hashOf(from, await imageIdOf(from), files, labels, ...inputsOf);
  await cachedImage(tag, inputs, async () => {
    const ctx = workDir('context', `${tag.replace(/[^a-z0-9.-]/gi, '_')}-${process.pid}`);
    rmSync(ctx, { recursive: true, force: true });
    mkdirSync(ctx, { recursive: true });
    try {
      const lines = [`FROM ${from}`];
      Object.entries(files).forEach(([dest, src], i) => {
        copyFileSync(src, join(ctx, `f${i}`));
        chmodSync(join(ctx, `f${i}`), 0o755);
        lines.push(`COPY f${i} /${dest}`);
      });
      for (const [k, v] of Object.entries({ ...labels, [HARNESS_LABEL]: 'codeflare-matrix', 'codeflare-matrix.io/inputs': inputs })) lines.push(`LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
      writeFileSync(join(ctx, 'Dockerfile'), lines.join('\n') + '\n');
      log(`${tag}: docker build FROM ${from}`);
      const r = await execa('docker', ['build', '--pull=false', '-t', tag, ctx], { reject: false, all: true, env: { DOCKER_BUILDKIT: '0' } });
      if (r.exitCode !== 0) throw new Error(`docker build of ${tag} failed: ${String(r.all).trim().split('\n').slice(-5).join(' | ')}`);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  }, log);
}


/** kind's buildcontext: run the base, copy binaries in, import images into containerd, commit. */
async function assemble(
  tag: string,
  base: string,
  p: ReturnType<typeof pieces>,
  images: string[],
  /** An image's name in the node where it differs from its tag in the engine. */
  inNode: Record<string, string>,
  pauseTag: string,
  patch: object,
  inputs: string,
  log: Log,
): Promise<void> {
  const name = `cfm-nodebuild-${process.pid}`;
  await docker(['rm', '-f', name]);
  log(`${tag}: assembling in container ${name}`);
  try {
    await dockerOk(['run', '-d', '--privileged', '--name', name, ...buildLabels(), '--entrypoint', 'sleep', base, 'infinity']);
    for (const b of ['kubelet', 'kubeadm']) await dockerOk(['cp', p.node.bin[b]!, `${name}:/usr/bin/${b}`]);
    await dockerOk(['cp', p.kube.bin.kubectl!, `${name}:/usr/bin/kubectl`]);
    const put = (path: string, text: string) => dockerOk(['exec', '-i', name, 'sh', '-c', 'cat > "$1"', 'sh', path], { input: text });
    await put('/kind/version', `${p.kube.version}\n`);
    await put(CNI_FILE, JSON.stringify(CNI_CONFIG, null, 2) + '\n');
    // containerd's sandbox image is the pause built above (kind's config names its own pause tag).
    // restrict_oom_score_adj: pods never get a lower OOM score than containerd's own. Lowering one
    // needs CAP_SYS_RESOURCE, which a node on a machine that drops it from the bounding set lacks
    // (runc then fails every sandbox); where containerd runs at -999 this changes nothing.
    const cfg = (await dockerOk(['exec', name, 'cat', '/etc/containerd/config.toml']))
      .replace(/sandbox_image = ".*"/, `sandbox_image = "registry.k8s.io/pause:${pauseTag}"`)
      .replace(/restrict_oom_score_adj = false/, 'restrict_oom_score_adj = true');
    await put('/etc/containerd/config.toml', cfg);
    await dockerOk(['exec', '-d', name, 'containerd']);
    for (let i = 0; !(await docker(['exec', name, 'ctr', 'version'])).ok; i++) {
      if (i > 100) throw new Error('containerd did not start in the node image build container');
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const image of images) {
      log(`${tag}: importing ${image}`);
      await pipeToDocker(['docker', ['save', image]], ['exec', '-i', name, 'ctr', '--namespace=k8s.io', 'images', 'import', '--all-platforms', '--no-unpack', '--digests', '-']);
      const as = inNode[image];
      if (!as) continue;
      // ctr names an image of docker's default registry in full
      const imported = image.split('/')[0]!.includes('.') ? image : `docker.io/${image}`;
      await dockerOk(['exec', name, 'ctr', '--namespace=k8s.io', 'images', 'tag', '--force', imported, as]);
      await dockerOk(['exec', name, 'ctr', '--namespace=k8s.io', 'images', 'rm', imported]);
    }
    await docker(['exec', name, 'pkill', 'containerd']);
    for (let i = 0; (await docker(['exec', name, 'pgrep', 'containerd'])).ok && i < 50; i++) await new Promise((r) => setTimeout(r, 200));
    const changes = [
      'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',
      'ENV container=docker',
      `LABEL ${KUBEADM_PATCH_LABEL}=${JSON.stringify(JSON.stringify(patch))}`,
      `LABEL codeflare-matrix.io/inputs=${inputs}`,
      `LABEL org.opencontainers.image.version=${p.kube.version}`,
    ].flatMap((c) => ['--change', c]);
    log(`${tag}: committing`);
    await dockerOk(['commit', ...changes, name, tag]);
  } finally {
    await docker(['rm', '-f', name]);
  }
}
