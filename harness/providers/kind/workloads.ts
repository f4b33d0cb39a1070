// The images the suites' pods run (fixtures/objects.ts names them), made here with no registry and
// tagged as the upstream reference: Ray from PyPI on Debian's Python, busybox from Debian's
// busybox-static. Each is made once per machine and loaded into every kind cluster that needs it.
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from '../../../lib/exec.js';
import { buildLabels, docker, dockerOk } from '../../docker.js';
import { PIP, pipFor, UPLOAD_TIME } from '../../toolchain/pypi.js';
import type { Log } from '../provider.js';
import { standInOf } from '../../suites/catalog.js';
import { findInterpreters, howToGet, minor, type Interpreter } from '../../components/python.js';
import { cachedImage, commitContainer, debianImage, filesImage, hashOf, type ImageConfig, workDir } from './images.js';
import { IN_CLUSTER } from '../../net/package-index.js';
import { ensureMnist, MNIST_FILES } from '../../suites/mnist.js';

const PYTHON_BASE = 'codeflare-matrix/debian-python:bookworm';
/**
 * What KubeRay's pods call besides Ray: bash (its command wrapper), wget (its probes), ps/ip (Ray's
 * own checks); openssl for the CodeFlare Operator's create-cert init container (mTLS, era C–D).
 */
const PYTHON_PACKAGES = ['python3', 'python3-venv', 'bash', 'wget', 'ca-certificates', 'procps', 'iproute2', 'openssl'];
const DEBIAN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Images this file knows how to make, by repository. */
const makers: { match: RegExp; make: (tag: string, version: string, log: Log) => Promise<void> }[] = [
  { match: /^(?:docker\.io\/)?(?:library\/)?busybox:(.+)$/, make: busybox },
  { match: /^(?:docker\.io\/)?rayproject\/ray:(\d+\.\d+\.\d+)$/, make: (tag, version, log) => ray(tag, version, log) },
  // Ray on another Python of this host (`<ray>-py<minor>`): what stands in for upstream's py39 Ray images
  { match: /^codeflare-matrix\/ray:(\d+\.\d+\.\d+-py3\.\d+)$/, make: (tag, spec, log) => ray(tag, spec.split('-py')[0]!, log, spec.split('-py')[1]) },
  { match: /^codeflare-matrix\/pytorch:(\d+\.\d+\.\d+-py3\.\d+)$/, make: pytorch },
  // that image with the harness's package index by its in-cluster name and the synthetic MNIST
  { match: /^codeflare-matrix\/pytorch:(\d+\.\d+\.\d+-py3\.\d+)-served$/, make: pytorchServed },
];

export function canMake(image: string): boolean {
  return makers.some((m) => m.match.test(image)) || standInOf(image) !== undefined;
}

export async function workloadImage(image: string, log: Log): Promise<void> {
  for (const m of makers) {
    const hit = m.match.exec(image);
    if (hit) return m.make(image, hit[1]!, log);
  }
  // A name an upstream suite's code uses (catalog standIns): the image made here that stands in, tagged so.
  const from = standInOf(image);
  if (from && from !== image) {
    await workloadImage(from, log);
    await dockerOk(['tag', from, image]);
    log(`${image}: stand-in, tagged from ${from}`);
    return;
  }
  throw new Error(`no recipe for image ${image} (known: busybox, rayproject/ray, codeflare-matrix/ray, codeflare-matrix/pytorch, and the catalog's upstream stand-ins)`);
}

async function step(what: string, cmd: string, args: string[], cwd?: string): Promise<string> {
  const r = await run(cmd, args, { timeout: 1_800_000, ...(cwd ? { cwd } : {}), env: { PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
  if (!r.ok) throw new Error(`${what} failed: ${r.all.trim().split('\n').slice(-4).join(' | ')}`);
  return r.stdout;
}

/** Debian's busybox-static, at the version the tag names. */
async function busybox(tag: string, version: string, log: Log): Promise<void> {
  const dir = workDir('busybox');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'root'), { recursive: true });
  try {
    await step('apt-get download busybox-static', 'apt-get', ['download', 'busybox-static'], dir);
    const deb = readdirSync(dir).find((f) => f.endsWith('.deb'))!;
    const debVersion = (await step('reading the package version', 'dpkg-deb', ['-f', join(dir, deb), 'Version'])).trim();
    if (!debVersion.replace(/^\d+:/, '').startsWith(version)) throw new Error(`${tag}: Debian serves busybox-static ${debVersion}, not ${version}`);
    await step('unpacking busybox-static', 'dpkg-deb', ['-x', join(dir, deb), join(dir, 'root')]);
    const bin = join(dir, 'root', 'bin', 'busybox');
    // busybox picks the applet from its own name: one copy per command the suites run.
    const files = Object.fromEntries(['busybox', 'sh', 'true', 'sleep', 'echo', 'cat'].map((a) => [`bin/${a}`, bin]));
    await filesImage(tag, files, { env: { PATH: '/bin' }, labels: { 'org.opencontainers.image.source': `debian:bookworm/busybox-static@${debVersion}` } }, [debVersion], log);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The start of a build container's script: "$py" is Debian's python3, or, where the first argument
 * names a prefix, this host's interpreter mounted at /host-python, copied to that prefix (it finds its
 * libraries there). The argument is shifted off: the script's own arguments follow.
 */
const HOST_PYTHON_SH = 'py=python3; if [ -n "$1" ]; then mkdir -p "$(dirname "$1")" && cp -a /host-python "$1" && py="$1/bin/python3"; fi; shift; ';
const hostPythonMount = (prefix?: string): string[] => (prefix ? ['-v', `${prefix}:/host-python:ro`] : []);

/** A Python of this host installed in a folder of its own (pyenv, uv), and that folder. */
type OwnPython = { interpreter: Interpreter; prefix: string };

/**
 * The host's Python of `minorVersion` in a folder of its own, which an image takes at the same path
 * (it finds its libraries there): Debian's is 3.11, which old torch and Ray have no wheels for.
 */
async function ownPython(tag: string, minorVersion: string): Promise<OwnPython> {
  // a system Python's prefix is /usr, not something to copy
  for (const i of (await findInterpreters()).filter((i) => minor(i.version) === minorVersion && i.venv)) {
    const prefix = (await step('the interpreter\'s prefix', i.path, ['-c', 'import sys; print(sys.base_prefix)'])).trim();
    if (!['/usr', '/usr/local', '/'].includes(prefix)) return { interpreter: i, prefix };
  }
  throw new Error(`${tag}: needs Python ${minorVersion} installed in a folder of its own on this machine (${howToGet(minorVersion, await findInterpreters())})`);
}

/**
 * An image of packages from PyPI on the Python base: `download` fills a folder of wheels on the host
 * (with a pip of its own that resolves as of a date, on `python` where given) and returns the image's
 * labels; `script` installs them in a container with no network (`--no-index`, the wheels at
 * /wheels) with "$py": Debian's python3, or `python` copied to its own path (its arguments: `args`);
 * the container is committed with `config`. Made once per `inputs` (with the base image's id).
 */
async function pypiImage(
  tag: string,
  o: { what: string; inputs: unknown[]; python?: OwnPython; download: (pip: string, wheels: string, dir: string) => Promise<Record<string, string>>; script: string; args?: string[]; config: ImageConfig },
  log: Log,
): Promise<void> {
  await debianImage(PYTHON_BASE, PYTHON_PACKAGES, { env: { PATH: DEBIAN_PATH } }, log);
  const base = (await dockerOk(['image', 'inspect', '--format', '{{.Id}}', PYTHON_BASE])).trim();
  const inputs = hashOf(base, ...o.inputs);
  await cachedImage(tag, inputs, async () => {
    const dir = workDir(o.what, tag.split(':')[1]!);
    const wheels = join(dir, 'wheels');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(wheels, { recursive: true });
    const name = `cfm-${o.what}build-${process.pid}`;
    try {
      const venv = join(dir, 'pip');
      await step('creating a virtualenv for pip', o.python?.interpreter.path ?? 'python3', ['-m', 'venv', venv]);
      const python = join(venv, 'bin', 'python');
      const pip = o.python ? pipFor(minor(o.python.interpreter.version)) : PIP;
      await step(`installing ${pip}`, python, ['-m', 'pip', 'install', '-q', pip]);
      const labels = await o.download(python, wheels, dir);
      log(`${tag}: installing into a virtualenv in the image (no network)`);
      await docker(['rm', '-f', name]);
      await dockerOk(['run', '--name', name, '--network', 'none', ...buildLabels(), '-v', `${wheels}:/wheels:ro`, ...hostPythonMount(o.python?.prefix), PYTHON_BASE, 'sh', '-euc', HOST_PYTHON_SH + o.script, 'sh', o.python?.prefix ?? '', ...(o.args ?? [])], { timeout: 1_800_000 });
      await commitContainer(name, tag, { ...o.config, labels }, inputs);
    } finally {
      await docker(['rm', '-f', name]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, log);
}

/** The day after PyPI received `wheel` of `project` (a file in `dir`): what "as PyPI served it then" resolves before. */
async function dayAfterUpload(python: string, project: string, dir: string): Promise<string> {
  const wheel = readdirSync(dir)[0]!;
  const uploaded = (await step(`asking PyPI when ${project} was uploaded`, python, ['-c', UPLOAD_TIME, project, wheel])).trim();
  return new Date(Date.parse(uploaded) + 24 * 3600_000).toISOString();
}

/**
 * Ray at `version` from PyPI, with its dependencies as PyPI served them the day after the ray wheel
 * was uploaded (as the SDK is installed), in a virtualenv on Debian's Python 3.11, or on this host's
 * Python of `minorVersion` copied into the image (upstream's py39 Ray images: Ray's runtime_env pip
 * installs the MNIST stack, torch 1.11, which has no wheels for 3.11).
 */
async function ray(tag: string, version: string, log: Log, minorVersion?: string): Promise<void> {
  const python = minorVersion ? await ownPython(tag, minorVersion) : undefined;
  // Upstream's Ray images carry numpy, below 2 (opendatahub-io/distributed-workloads@252dce33b0d1
  // images/runtime/ray/cuda/Pipfile: `numpy <2.0.0` beside `ray[all] ~=2.35.0`, Python 3.9). A
  // RayJob's runtime_env pip then keeps it: torch 1.11 cannot use numpy 2, which the pin set of
  // v1.5.0's day resolves to.
  const packages = [`ray[default]==${version}`, ...(python ? ['numpy<2'] : [])];
  return pypiImage(tag, {
    what: 'ray',
    // Debian's Python: the inputs as before this option, so no machine rebuilds its image
    inputs: [version, PIP, 'ray-3', ...(python ? [python.interpreter.version, ...packages] : [])],
    ...(python ? { python } : {}),
    download: async (pip, wheels, dir) => {
      log(`${tag}: downloading ray==${version} from PyPI`);
      await step('pip download ray', pip, ['-m', 'pip', 'download', '-q', '--no-deps', '--only-binary=:all:', '--dest', join(dir, 'ray'), `ray==${version}`]);
      const cutoff = await dayAfterUpload(pip, 'ray', join(dir, 'ray'));
      log(`${tag}: downloading ${packages.join(', ')} and their dependencies as PyPI served them before ${cutoff.slice(0, 10)}${python ? `, for Python ${python.interpreter.version}` : ''}`);
      // pip wheel, not download: a few dependencies (gpustat) are sdists only, built here into wheels
      // so the image's install needs no network and no build tools.
      await step('pip wheel ray[default]', pip, ['-m', 'pip', 'wheel', '-q', '--prefer-binary', '--uploaded-prior-to', cutoff, '--wheel-dir', wheels, ...packages]);
      return { 'org.opencontainers.image.source': `pypi:${packages.join(' ')}`, 'codeflare-matrix.io/resolved-before': cutoff, ...(python ? { 'codeflare-matrix.io/python': python.interpreter.version } : {}) };
    },
    // --pre: /wheels holds exactly what the host's pip resolved, which may be a pre-release where a
    // requirement names one (google-api-core's `proto-plus<2.0.0dev` took 1.24.1rc0 before Ray
    // 2.35.0's day); the venv's older pip would refuse it otherwise
    script: `"$py" -m venv /opt/ray && /opt/ray/bin/pip install -q --pre --no-index --find-links /wheels ${packages.map((p) => `'${p}'`).join(' ')} && mkdir -p /home/ray && /opt/ray/bin/ray --version`
      // KubeRay starts Ray through a login shell (bash -lc), and Debian's /etc/profile resets PATH.
      + ` && echo 'export PATH=/opt/ray/bin:$PATH' > /etc/profile.d/ray.sh`,
    config: { env: { PATH: `/opt/ray/bin:${DEBIAN_PATH}` }, workdir: '/home/ray', cmd: ['bash'] },
  }, log);
}

/**
 * PyTorch at `torch` (`<torch>-py<minor>`) in a virtualenv of this host's Python of that minor
 * (pyenv, uv: Debian's is 3.11, which old torch has no wheels for), copied into the image at its own
 * path: what stands in for pytorch/pytorch:<torch>-cuda…-runtime, whose `pip` and `torchrun` the
 * operator's PyTorch Job runs. PyPI's torch wheel (its CUDA build; the pods run it on CPU) and numpy,
 * with their dependencies as PyPI served them the day after torch was uploaded: the real image's
 * conda has a numpy of its time, which the test's pip then leaves alone (a pin set resolved later,
 * v1.5.0's, brings numpy 2, which torch 1.11 cannot use), and requests (conda's own dependency, which
 * mnist.py imports from codeflare-operator@v1.13.0). Its other conda packages are not there.
 */
async function pytorch(tag: string, spec: string, log: Log): Promise<void> {
  const [torch, minorVersion] = spec.split('-py') as [string, string];
  const python = await ownPython(tag, minorVersion);
  return pypiImage(tag, {
    what: 'pytorch',
    inputs: [torch, python.interpreter.version, PIP, 'pytorch-3'],
    python,
    download: async (pip, wheels, dir) => {
      const target = ['--only-binary=:all:', '--python-version', minorVersion, '--implementation', 'cp', '--platform', 'manylinux2014_x86_64'];
      await step('pip download torch', pip, ['-m', 'pip', 'download', '-q', '--no-deps', ...target, '--dest', join(dir, 'torch'), `torch==${torch}`]);
      const cutoff = await dayAfterUpload(pip, 'torch', join(dir, 'torch'));
      log(`${tag}: downloading torch==${torch}, numpy, requests and their dependencies as PyPI served them before ${cutoff.slice(0, 10)}, for Python ${python.interpreter.version}`);
      await step('pip download torch, numpy, requests and their dependencies', pip, ['-m', 'pip', 'download', '-q', ...target, '--uploaded-prior-to', cutoff, '--dest', wheels, `torch==${torch}`, 'numpy', 'requests']);
      return { 'org.opencontainers.image.source': `pypi:torch==${torch} numpy requests`, 'codeflare-matrix.io/python': python.interpreter.version, 'codeflare-matrix.io/resolved-before': cutoff };
    },
    script: '"$py" -m venv /opt/pytorch && /opt/pytorch/bin/pip install -q --no-index --find-links /wheels "torch==$1" numpy requests && /opt/pytorch/bin/python -c "import numpy, requests, torch; torch.from_numpy(numpy.zeros(1)); print(torch.__version__, numpy.__version__)" && test -x /opt/pytorch/bin/torchrun',
    args: [torch],
    config: { env: { PATH: `/opt/pytorch/bin:${DEBIAN_PATH}` }, workdir: '/workspace', cmd: ['bash'] },
  }, log);
}

/** Where the served PyTorch image keeps the synthetic MNIST: its PATH_DATASETS. */
const DATASETS = '/opt/codeflare-matrix/datasets';

/**
 * The PyTorch stand-in (`<torch>-py<minor>`) with what the operator's PyTorch Job reaches on the
 * internet, for tags that give the Job no knob for it (codeflare-operator@v0.0.5–v1.1.0
 * test/e2e/mnist_pytorch_mcad_job_test.go: `pip install -r requirements.txt && torchrun mnist.py`,
 * no env): pip's index by the name the harness gives it in the cluster (ENV PIP_INDEX_URL,
 * PIP_TRUSTED_HOST: IN_CLUSTER), and the synthetic MNIST's raw files under ENV PATH_DATASETS, the
 * folder mnist.py hands torchvision, which then downloads nothing (torchvision 0.12 MNIST._check_exists).
 * From v1.2.0 the Job sets PIP_INDEX_URL and MNIST_DATASET_URL itself, over these (mnist.py writes the
 * files again, the container's own copy).
 */
async function pytorchServed(tag: string, spec: string, log: Log): Promise<void> {
  const base = `codeflare-matrix/pytorch:${spec}`;
  await pytorch(base, spec, log);
  const baseId = (await dockerOk(['image', 'inspect', '--format', '{{.Id}}', base])).trim();
  const mnist = await ensureMnist();
  const index = `http://${IN_CLUSTER.host}/simple/`;
  const inputs = hashOf(baseId, index, mnist.manifest.files, 'pytorch-served-1');
  await cachedImage(tag, inputs, async () => {
    const name = `cfm-pytorchservedbuild-${process.pid}`;
    try {
      await docker(['rm', '-f', name]);
      log(`${tag}: ${base} with the synthetic MNIST at ${DATASETS} and pip's index at ${index}`);
      await dockerOk(['run', '--name', name, '--network', 'none', ...buildLabels(), '-v', `${mnist.dir}:/mnist:ro`, base, 'sh', '-euc', 'mkdir -p "$0" && for f; do cp "/mnist/$f" "$0/"; done', `${DATASETS}/MNIST/raw`, ...MNIST_FILES]);
      await commitContainer(name, tag, {
        env: { PIP_INDEX_URL: index, PIP_TRUSTED_HOST: IN_CLUSTER.host, PATH_DATASETS: DATASETS },
        cmd: ['bash'],
        labels: { 'org.opencontainers.image.source': `${base} + synthetic MNIST (${mnist.manifest.generator}) + PIP_INDEX_URL ${index}` },
      }, inputs);
    } finally {
      await docker(['rm', '-f', name]);
    }
  }, log);
}

/**
 * The cell's CodeFlare SDK as an image, for running it beside the cluster (testcontainers, on the
 * kind network): the exact set of packages of its virtualenv here (`pip freeze`), as wheels built
 * on this host, installed with no network on Debian's Python.
 */
export async function sdkImage(sdk: { version: string; python: string; venv: string; provenance?: { origin?: string; wheel?: { sha256: string } } }, log: Log): Promise<string> {
  // A checkout's wheel is not the release of the same version: its own tag, its hash in the inputs.
  const checkout = sdk.provenance?.origin === 'checkout' ? `-checkout.${sdk.provenance.wheel?.sha256.slice(0, 12)}` : '';
  // The interpreter its virtualenv was made with: Debian's (the base image's own), or another of
  // this Debian host's (pyenv, uv), copied into the image at its own path (an SDK that does not run on 3.11).
  const prefix = (await step('the interpreter of the SDK', sdk.python, ['-c', 'import sys, platform; print(sys.base_prefix, platform.python_version())'])).trim().split(' ');
  const own = prefix[0] !== '/usr' ? { dir: prefix[0]!, version: prefix[1]! } : undefined;
  const tag = `codeflare-matrix/codeflare-sdk:${sdk.version}${checkout}${own ? `-py${own.version}` : ''}`;
  await debianImage(PYTHON_BASE, PYTHON_PACKAGES, { env: { PATH: DEBIAN_PATH } }, log);
  const base = (await dockerOk(['image', 'inspect', '--format', '{{.Id}}', PYTHON_BASE])).trim();
  // The SDK itself was installed from its wheel file (freeze says `codeflare-sdk @ file://…`): pinned by version here, the wheel copied below.
  const frozen = [...(await step('pip freeze', sdk.python, ['-m', 'pip', 'freeze'])).split('\n').filter((l) => /^[A-Za-z0-9_.-]+==\S+$/.test(l.trim())), `codeflare-sdk==${sdk.version.replace(/^v/, '')}`].join('\n') + '\n';
  const inputs = hashOf(base, frozen, 'sdk-2', ...(checkout ? [checkout] : []), ...(own ? [own] : []));
  await cachedImage(tag, inputs, async () => {
    const dir = workDir('sdk', sdk.version);
    const wheels = join(dir, 'wheels');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(wheels, { recursive: true });
    const name = `cfm-sdkbuild-${process.pid}`;
    try {
      writeFileSync(join(wheels, 'requirements.txt'), frozen);
      log(`${tag}: wheels of the ${frozen.split('\n').length - 1} packages of its virtualenv`);
      const sdkWheels = join(dirname(sdk.venv), 'wheel');
      for (const f of readdirSync(sdkWheels)) copyFileSync(join(sdkWheels, f), join(wheels, f));
      await step('pip wheel (the SDK virtualenv)', sdk.python, ['-m', 'pip', 'wheel', '-q', '--no-deps', '--prefer-binary', '--find-links', wheels, '--wheel-dir', wheels, '-r', join(wheels, 'requirements.txt')]);
      await docker(['rm', '-f', name]);
      await dockerOk(
        ['run', '--name', name, '--network', 'none', ...buildLabels(), '-v', `${wheels}:/wheels:ro`, ...hostPythonMount(own?.dir), PYTHON_BASE, 'sh', '-euc',
          HOST_PYTHON_SH + '"$py" -m venv /opt/sdk && /opt/sdk/bin/pip install -q --no-index --no-deps --find-links /wheels -r /wheels/requirements.txt && /opt/sdk/bin/python -c "import codeflare_sdk"',
          'sh', own?.dir ?? ''],
        { timeout: 1_800_000 },
      );
      await commitContainer(name, tag, { env: { PATH: `/opt/sdk/bin:${DEBIAN_PATH}` }, cmd: ['sleep', 'infinity'], labels: { 'org.opencontainers.image.source': `pypi:codeflare-sdk==${sdk.version.replace(/^v/, '')}` } }, inputs);
    } finally {
      await docker(['rm', '-f', name]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, log);
  return tag;
}
