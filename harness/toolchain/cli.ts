// `codeflare-matrix toolchain build|list|path`.
import { join } from 'node:path';
import { Command } from 'commander';
import { UserError } from '../../lib/errors.js';
import { table } from '../table.js';
import { components, kindTools, tools, type Component, type Tool } from './home.js';

// Each action loads what it uses: `--help` does not parse the pins or load the builders.
const entries = () => import('./entry.js');
const versions = () => import('./versions.js');

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

export function toolchainCommand(): Command {
  const cmd = new Command('toolchain').description(`build and inspect the cached Kubernetes, ${tools.join(', ')} binaries`);

  const build = cmd
    .command('build')
    .description('build missing toolchain entries (no flags: the pinned tools and every pinned Kubernetes of the catalog)')
    .option('--kubernetes <version...>', 'Kubernetes versions (v1.31.14, 1.31)')
    .option('--node <version...>', "Kubernetes versions whose node binaries (kubelet, kubeadm, kube-proxy) the kind provider's node image needs")
    .option('--default', 'also the default Kubernetes versions')
    .option('--tests', 'the pinned tools and the Kubernetes versions the tests run on (what `npm test` needs)');
  for (const t of [...tools, ...kindTools]) build.option(`--${t}`, `the pinned ${t}${(kindTools as readonly string[]).includes(t) ? ' (kind provider)' : ''}`);
  build.option('--force', 'rebuild the named entries even when cached').action(async (o: { kubernetes?: string[]; node?: string[]; default?: boolean; tests?: boolean; force?: boolean } & Partial<Record<Tool, boolean>>) => {
    const [{ toolchainEntry }, { defaultVersions, resolveKubernetesVersion, testKubernetesVersions }, { ensureToolchain }] = await Promise.all([entries(), versions(), import('./index.js')]);
    const named = [...tools, ...kindTools].filter((t) => o[t]);
    const node = (o.node ?? []).map(resolveKubernetesVersion);
    const all = (!o.kubernetes && !o.node && !o.default && !o.tests && named.length === 0) || !!o.default;
    const kubernetes = [...(o.kubernetes ?? []).map(resolveKubernetesVersion), ...(all ? defaultVersions().kubernetes : o.tests ? testKubernetesVersions() : [])];
    const chosen: Tool[] = all || o.tests ? [...tools] : named;
    const log = (l: string): void => console.log(l);
    // Every tool is always there (a control plane needs etcd and kwok, installers helm); ensure the
    // unnamed ones without --force, so `--kubernetes vX --force` rebuilds only vX.
    await ensureToolchain({ kubernetes: [], tools: tools.filter((t) => !chosen.includes(t)), log });
    await ensureToolchain({ kubernetes, node, tools: chosen, force: o.force, log });
    for (const [c, v] of [...chosen.map((t) => [t, defaultVersions()[t]]), ...kubernetes.map((k) => ['kubernetes', k]), ...node.map((k) => ['kubernetes-node', k])] as [Component, string][]) {
      console.log(`${c} ${v}: ${toolchainEntry(c, v).dir}`);
    }
  });

  cmd
    .command('list')
    .description('show the cached entries')
    .option('--verify', 'check every binary against its sha256 (slow: reads every byte)')
    .option('--json', 'print the entries as JSON')
    .addHelpText('after', '\nExit status: 0 every entry is whole, 1 one is not (its problem in the status column).')
    .action(async (o: { verify?: boolean; json?: boolean }) => {
      const { listToolchain, verifyEntry } = await entries();
      const rows: string[][] = [];
      for (const l of listToolchain()) {
        let problem = l.problem;
        if (!problem && o.verify) problem = await verifyEntry(l.component, l.version).then(() => undefined, (e: Error) => e.message);
        const m = l.entry?.manifest;
        rows.push([
          l.component,
          l.version,
          m ? Object.keys(m.binaries).join(' ') : '',
          m ? mib(Object.values(m.binaries).reduce((a, b) => a + b.size, 0)) : '',
          m ? m.createdAt.slice(0, 19).replace('T', ' ') : '',
          problem ?? (o.verify ? 'ok (sha256)' : 'ok'),
        ]);
      }
      if (rows.some((r) => !r[5]!.startsWith('ok'))) process.exitCode = 1;
      if (o.json) return console.log(JSON.stringify(rows.map(([component, version, binaries, size, builtAt, status]) => ({ component, version, binaries: binaries!.split(' ').filter(Boolean), size, builtAt, status })), null, 2));
      if (!rows.length) return console.log('no toolchain entries yet — run: npx codeflare-matrix toolchain build');
      console.log(table(['component', 'version', 'binaries', 'size', 'built at (UTC)', 'status'], rows));
    });

  cmd
    .command('path')
    .description('print the bin directory of an entry')
    .argument('<component>', components.join(' | '))
    .argument('[version]', `needed for kubernetes; ${tools.join(', ')} default to the pinned version`)
    .action(async (component: string, version: string | undefined) => {
      const [{ toolchainEntry }, { defaultVersions, resolveKubernetesVersion }] = await Promise.all([entries(), versions()]);
      if (!(components as readonly string[]).includes(component)) {
        throw new UserError(`unknown toolchain component "${component}"`, 'toolchain path', `name one of: ${components.join(', ')}`);
      }
      const c = component as Component;
      const pinned = defaultVersions();
      let v: string;
      if (c === 'kubernetes' || c === 'kubernetes-node') {
        if (!version) throw new UserError('which Kubernetes version?', 'toolchain path', `add one, e.g. npx codeflare-matrix toolchain path kubernetes ${pinned.kubernetes[0]}`);
        v = resolveKubernetesVersion(version);
      } else {
        v = version ?? pinned[c];
        if (!/^v\d+\.\d+\.\d+$/.test(v)) throw new UserError(`"${v}" is not a version of ${c}`, 'toolchain path', `use the form ${pinned[c]}`);
      }
      // toolchainEntry checks the entry is whole before we hand its path out.
      console.log(join(toolchainEntry(c, v).dir, 'bin'));
    });

  return cmd;
}
