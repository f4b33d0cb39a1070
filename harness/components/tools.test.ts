// The tools a client release drives, as a cell runs them: the real SDKs v0.4.4 and v0.5.0 (era A's,
// which run oc through openshift-client) with kubectl of the cluster's Kubernetes standing in for
// oc, against a local cluster with MCAD: up() reaches the API server and is refused (the SDK's
// template has a field MCAD's CRD lacks, and oc's apply validates strictly), down() removes the
// AppWrapper; without the stand-in (and no oc) up() cannot run; what kubectl lacks (`oc project`) is said by name.
import { test, expect } from '@playwright/test';
import { mkdirSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LocalProvider } from '../providers/local/provider.js';
import { kubectlFor, testKubernetes } from '../toolchain/index.js';
import { clients, scratchDir, until } from '../testing.js';
import { run } from '../../lib/exec.js';
import { pathOf } from '../../lib/files.js';
import { apiOf } from '../../fixtures/objects.js';
import { sdkOptions, sdkScript } from '../../fixtures/sdk-script.js';
import { resolveSource } from './source.js';
import { buildComponent } from './build.js';
import { installProcess, uninstall } from './install/index.js';
import { ensureSdk, sdkEnv } from './sdk.js';
import { clientTools, CONTAINER_TOOLS, standInLacks, toolEnv, toolFiles, toolSaid, withTools } from './tools.js';
import type { Provenance } from './types.js';

const k8s = testKubernetes('<1.28');
/** This machine's PATH without any folder that holds an oc: what "no oc here" means, on any machine. */
const noOc = (process.env.PATH ?? '').split(delimiter).filter((d) => d && !pathOf('oc', d)).join(delimiter);

test('oc on PATH is used; else kubectl of the cluster’s Kubernetes stands in, recorded as a stand-in; in a container only the stand-in', async () => {
  const kubectl = kubectlFor(k8s);
  const [standIn] = await clientTools('codeflare-sdk', 'v0.5.0', k8s, { inContainer: false, path: noOc });
  expect(standIn).toMatchObject({ tool: 'oc', how: 'stand-in', standIn: 'kubectl', version: k8s, binary: kubectl, env: 'OPENSHIFT_CLIENT_PYTHON_DEFAULT_OC_PATH', commands: ['apply', 'create', 'delete', 'get'] });
  // an oc on PATH is what runs (a link here: only found, never run)
  const bin = scratchDir('oc-path');
  mkdirSync(bin, { recursive: true });
  symlinkSync(kubectl, join(bin, 'oc'));
  expect(await clientTools('codeflare-sdk', 'v0.4.4', k8s, { inContainer: false, path: `${bin}${delimiter}${noOc}` })).toEqual([expect.objectContaining({ how: 'path', binary: join(bin, 'oc') })]);
  // the SDK's container never sees the host's PATH: the stand-in, copied in
  const [boxed] = await clientTools('codeflare-sdk', 'v0.5.0', k8s, { inContainer: true, path: bin });
  expect(boxed?.how).toBe('stand-in');
  expect(toolEnv([boxed!], true)).toEqual({ OPENSHIFT_CLIENT_PYTHON_DEFAULT_OC_PATH: `${CONTAINER_TOOLS}/kubectl` });
  expect(toolFiles([boxed!])).toEqual([{ source: kubectl, target: `${CONTAINER_TOOLS}/kubectl` }]);
  // a release the catalog names no stand-in for, nor one that drives no tool
  expect(await clientTools('codeflare-sdk', 'v0.4.3', k8s, { inContainer: false, path: noOc })).toEqual([expect.objectContaining({ tool: 'oc', how: 'none' })]);
  expect(await clientTools('codeflare-sdk', 'v0.6.1', k8s, { inContainer: false, path: noOc })).toEqual([]);

  // provenance: the stand-in by name and version, in its tools and its differences, never as oc
  const p: Provenance = { component: 'codeflare-sdk', requested: 'v0.5.0', resolved: 'v0.5.0', module: 'codeflare-sdk', differences: [] };
  const recorded = withTools(p, [standIn!]);
  expect(recorded.tools).toEqual([`oc: kubectl ${k8s} standing in (apply, create, delete, get)`]);
  expect(recorded.differences).toEqual([`codeflare-sdk v0.5.0 runs oc as kubectl ${k8s}, standing in (no oc here): apply, create, delete, get are kubectl's code vendored into oc; not the real oc`]);
  expect(withTools(p, [])).toBe(p);
});

test.describe('era A SDKs with kubectl standing in for oc, on a local cluster with MCAD v1.32.0', () => {
  test.describe.configure({ timeout: 30 * 60_000 });

  test('up() reaches the API server through the stand-in and is refused (strict field validation); down() removes the AppWrapper; no stand-in, no run; `oc project` said by name', async () => {
    const sdks = [await ensureSdk('v0.4.4', { log: (l) => console.log(l) }), await ensureSdk('v0.5.0', { log: (l) => console.log(l) })];
    const provider = new LocalProvider();
    const name = `t-oc-${process.pid}`;
    const cluster = await provider.create({ name, kubernetes: k8s });
    try {
      const ctx = { cluster, kubectl: kubectlFor(k8s), log: (l: string) => console.log(l) };
      // MCAD v1.32.0 (v0.5.0's rows; v0.4.4's v1.31.0 is not on the proxy): the same mcad.ibm.com/v1beta1 AppWrapper CRD
      const mcad = await installProcess(ctx, 'mcad', await buildComponent(await resolveSource('mcad', 'v1.32.0'), { log: ctx.log }));
      const { core, custom } = clients(cluster.kubeconfig);
      const namespace = 'sdk';
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      await until('default ServiceAccount', () => core.readNamespacedServiceAccount({ name: 'default', namespace }));
      const opts = JSON.stringify(sdkOptions({ mcad: 'v1.32.0' }));

      for (const sdk of sdks) {
        const tools = await clientTools('codeflare-sdk', sdk.version, cluster.kubernetes, { inContainer: false, path: noOc });
        const home = join(cluster.dir, `sdk-home-${sdk.version}`);
        const base = { ...sdkEnv(cluster.kubeconfig, home), PATH: noOc };
        const env = { ...base, ...toolEnv(tools, false) };
        const py = (args: string[], e: Record<string, string>) => run(sdk.python, ['-c', sdkScript, ...args], { env: e, cwd: home, timeout: 180_000, extendEnv: false });
        const aw = apiOf('codeflare-sdk', sdk.version, 'AppWrapper')!;
        expect(aw.apiVersion).toBe('mcad.ibm.com/v1beta1');
        const list = async () => ((await custom.listNamespacedCustomObject({ ...aw, namespace })) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);

        // no oc and no stand-in: openshift-client cannot start oc, nothing is created
        const bare = await py(['up', 'demo', namespace, opts], base);
        expect(bare.ok, bare.all).toBe(false);
        expect(bare.all).toMatch(/No such file or directory: 'oc'/);
        expect(standInLacks(tools, bare.all)).toBeUndefined();

        // A compatibility finding, asserted: both releases' AppWrapper templates spell the dashboard
        // Route item's field `replica` (v0.4.4 templates/new-template.yaml:213, v0.5.0
        // base-template.yaml:290). `oc apply` (kubectl's apply, here kubectl itself) asks the server for
        // strict field validation since kubectl 1.25 (oc 4.12), and MCAD's CRD has no such field: refused.
        const up = await py(['up', 'demo', namespace, opts], env);
        expect(up.ok).toBe(false);
        expect(up.all).toContain('strict decoding error: unknown field \\"spec.resources.GenericItems[1].replica\\"');
        expect(toolSaid(up.all)).toBe('Error from server (BadRequest): error when creating "demo.yaml": AppWrapper in version "v1beta1" cannot be handled as a AppWrapper: strict decoding error: unknown field "spec.resources.GenericItems[1].replica"');
        expect(await list()).toEqual([]);

        // The AppWrapper the SDK wrote, as an oc before 4.12 sent it (the server drops the field): down()'s `oc delete` removes it
        const made = await run(kubectlFor(k8s), ['--kubeconfig', cluster.kubeconfig, '-n', namespace, 'apply', '--validate=false', '-f', join(home, 'demo.yaml')]);
        expect(made.ok, made.all).toBe(true);
        expect(await list()).toEqual(['demo']);
        const down = await py(['down', 'demo', namespace, opts], env);
        expect(down.ok, down.all).toBe(true);
        expect(down.stdout).toContain('DOWN');
        await until('AppWrapper demo gone', async () => (await list()).length === 0);

        // without a namespace the SDK asks `oc project -q`, which kubectl does not have: said by name
        const noNamespace = 'from codeflare_sdk.cluster.cluster import Cluster\nfrom codeflare_sdk.cluster.config import ClusterConfiguration\nCluster(ClusterConfiguration(name="x"))';
        const project = await run(sdk.python, ['-c', noNamespace], { env, cwd: home, timeout: 180_000, extendEnv: false });
        expect(project.ok).toBe(false);
        expect(standInLacks(tools, project.all)).toBe(`it ran \`oc project\`, which kubectl ${k8s} (standing in for oc: apply, create, delete, get) does not have; needs the real oc on PATH`);
      }

      await core.deleteNamespace({ name: namespace });
      await uninstall(ctx, mcad);
    } finally {
      await provider.destroy(name);
    }
  });
});
