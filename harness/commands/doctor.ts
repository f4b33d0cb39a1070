// `codeflare-matrix doctor`: what this machine has for each provider, what is missing, and the
// command that gets it.
import { providerNames } from '../../matrix/ids.js';
import { Command } from 'commander';
import { table } from '../table.js';

type Check = { what: string; ok: boolean; found: string; fix: string; for: string[] };

async function checks(): Promise<Check[]> {
  const [{ default: semver }, { versionOf, run }, { defaultVersions, kindTools, listToolchain, requiredGo, testKubernetesVersions, tools }] = await Promise.all([import('semver'), import('../../lib/exec.js'), import('../toolchain/index.js')]);
  const out: Check[] = [];
  const node = process.versions.node;
  out.push({ what: 'Node.js >= 20.19', ok: semver.gte(node, '20.19.0'), found: `v${node}`, fix: 'install Node.js 20.19 or newer', for: ['all'] });
  const go = await versionOf('go', ['version']);
  const goVer = semver.coerce(go?.match(/go(\d+\.\d+(\.\d+)?)/)?.[1] ?? '')?.version;
  // the pinned modules' own go.mod lines ask for it, and builds run with GOTOOLCHAIN=local (no download)
  const need = requiredGo();
  out.push({ what: `Go >= ${need} (builds the toolchain and components)`, ok: !!goVer && semver.gte(goVer, `${need}.0`), found: go ?? 'not found', fix: `install Go ${need} or newer (https://go.dev/dl) and reach a Go module proxy`, for: ['local', 'kind'] });
  const py = await versionOf('python3', ['--version']);
  const venv = py ? (await run('python3', ['-c', 'import venv, ensurepip'])).ok : false;
  out.push({ what: 'Python 3 with venv (CodeFlare SDK virtualenvs)', ok: !!py && venv, found: py ? `${py}${venv ? '' : ', no venv/ensurepip'}` : 'not found', fix: 'apt-get install -y python3 python3-venv', for: ['all'] });
  // Each SDK runs on the newest of these its release supports (harness/components/python.ts).
  const pythons = await (await import('../components/python.js')).findInterpreters();
  const listed = pythons.map((p) => `${p.version} (${p.from}${p.venv ? '' : ', no venv'})`);
  out.push({ what: 'Pythons found (each SDK on the newest it supports)', ok: pythons.some((p) => p.venv), found: listed.length ? listed.join('; ') : 'none', fix: 'pyenv install 3.10 (or uv python install 3.10): old SDKs (0.4–0.14) need Python ≤ 3.10', for: ['all'] });
  const docker = await versionOf('docker', ['--version']);
  const daemon = docker ? (await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 15_000 })).stdout.trim() : '';
  out.push({ what: 'Docker engine running', ok: !!daemon, found: docker ? (daemon ? `engine ${daemon}` : `${docker}; the daemon does not answer`) : 'not found', fix: 'bin/docker-up (installs Debian\'s docker.io and debootstrap if missing, starts dockerd)', for: ['kind'] });
  const debootstrap = await run('sh', ['-c', 'command -v debootstrap']);
  out.push({ what: 'debootstrap (node image root filesystems from Debian)', ok: debootstrap.ok, found: debootstrap.ok ? debootstrap.stdout.trim() : 'not found', fix: 'bin/docker-up, or apt-get install -y debootstrap', for: ['kind'] });
  // Never a blocker: without it the local provider runs cells on the host's network, one after another where they bind the same fixed port.
  const { netnsSupport } = await import('../net/netns.js');
  const net = netnsSupport();
  out.push({ what: 'a network of its own per local cell (optional)', ok: net.own, found: net.how, fix: 'run as root with iproute2 and util-linux (apt-get install -y iproute2 util-linux) on a kernel with network namespaces', for: ['local'] });
  const kubectl = await versionOf('kubectl', ['version', '--client']);
  out.push({ what: 'kubectl on PATH (optional: the toolchain has its own)', ok: !!kubectl, found: kubectl ?? 'not found', fix: 'npx codeflare-matrix toolchain path kubernetes <version> gives a built kubectl', for: ['existing'] });
  // The toolchain is reported, never required: `run` builds what its cells need first (the lock
  // makes concurrent runs wait for one build), and `npm test`'s pretest builds the tests' versions.
  // Ready means the default run can start; not built means it will spend time building.
  const built = listToolchain();
  const want = defaultVersions();
  const tests = testKubernetesVersions();
  for (const k of want.kubernetes) {
    const e = built.find((b) => b.component === 'kubernetes' && b.version === k);
    out.push({ what: `toolchain: Kubernetes ${k}`, ok: true, found: e ? 'built' : `not built yet (run builds it on first use${tests.includes(k) ? '; npm test builds it first' : ''})`, fix: `npx codeflare-matrix toolchain build --kubernetes ${k}`, for: ['local'] });
  }
  for (const c of tools) {
    const e = built.find((b) => b.component === c);
    out.push({ what: `toolchain: ${c}`, ok: true, found: e ? `${e.version} built` : 'not built yet (run builds it on first use)', fix: 'npx codeflare-matrix toolchain build', for: ['local'] });
  }
  // kind itself, crictl and CoreDNS are built from Go modules with the node image, on first use.
  for (const c of kindTools) {
    const e = built.find((b) => b.component === c && b.version === want[c]);
    out.push({ what: `toolchain: ${c} (kind; built on first use)`, ok: true, found: e ? `${e.version} built` : 'not built yet', fix: `npx codeflare-matrix toolchain build --${c}`, for: ['kind'] });
  }
  return out;
}

const PROVIDERS = providerNames;
/** The provider a config gets when it names none (matrix/config.ts): doctor's exit status is its readiness. */
const DEFAULT_PROVIDER = 'local';

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check what this machine has for each provider (local, kind, existing) and how to get what is missing')
    .option('--json', 'print the checks and each provider\'s readiness as JSON')
    .addHelpText('after', `\nExit status: 0 when the default provider (${DEFAULT_PROVIDER}) is ready, 1 when it is not.`)
    .action(async (o: { json?: boolean }) => {
      const list = await checks();
      const providers = Object.fromEntries(PROVIDERS.map((provider) => {
        const blockers = list.filter((c) => !c.ok && (c.for.includes(provider) || c.for.includes('all')) && !c.what.includes('optional'));
        return [provider, { ready: blockers.length === 0, missing: blockers.map((b) => ({ what: b.what, fix: b.fix })) }];
      }));
      if (!providers[DEFAULT_PROVIDER]!.ready) process.exitCode = 1;
      if (o.json) return console.log(JSON.stringify({ default: DEFAULT_PROVIDER, providers, checks: list }, null, 2));
      console.log(table(['', 'check', 'found', 'for'], list.map((c) => [c.ok ? 'ok' : '--', c.what, c.found, c.for.join(',')])));
      const missing = list.filter((c) => !c.ok);
      if (missing.length) console.log('\nto get what is missing:\n' + missing.map((c) => `  ${c.what}: ${c.fix}`).join('\n'));
      console.log('');
      for (const [name, p] of Object.entries(providers)) console.log(`provider ${name}${name === DEFAULT_PROVIDER ? ' (default)' : ''}: ${p.ready ? 'ready' : `not ready (${p.missing.map((b) => b.what).join('; ')})`}`);
    });
}
