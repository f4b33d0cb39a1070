// The components' own e2e suites (catalog: matrix/catalog/upstream.yaml), selected as
// `upstream:<component>` in a config's suites. One Playwright test per component of the plan that
// has one: it runs the suite of the cell's version, from the tree of the component the cell runs,
// against the cell's cluster, and attaches every upstream test's result; the cell reporter makes
// them one result each, under their own names (harness/run/upstream-results.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blocked, test } from '../fixtures/index.js';
import { workloadImages } from '../fixtures/objects.js';
import { component, loadCatalog, type ComponentId } from '../matrix/catalog/index.js';
import { seconds } from '../matrix/config.js';
import { resolveSource } from '../harness/components/source.js';
import { readPlan, RUN_ENV, setStep } from '../harness/run/layout.js';
import { pythonTree } from '../harness/suites/pytest.js';
import { sdkEnv } from '../harness/components/sdk.js';
import { kinds, runUpstream, standInsFor, UPSTREAM, upstreamSuite, type SuiteContext, type UpstreamTest } from '../harness/suites/index.js';
import { kubectlFor } from '../harness/toolchain/index.js';
import { UPSTREAM_ATTACHMENT, type UpstreamAttachment } from '../harness/run/upstream-results.js';
import { providerFor } from '../harness/providers/index.js';
import { serveToPods } from '../harness/suites/served.js';

/** Components of the plan's cells that the catalog has an upstream suite for (known when the file is collected). */
function planned(): ComponentId[] {
  const dir = process.env[RUN_ENV];
  if (!dir) return [];
  const plan = readPlan(dir);
  const inPlan = new Set([...plan.cells, ...(plan.baselines ?? [])].flatMap((c) => Object.keys(c.versions)));
  return [...new Set(loadCatalog().upstream.map((u) => u.component))].filter((id) => inPlan.has(id));
}

for (const id of planned()) {
  test(`${UPSTREAM}${id}`, { tag: `@${UPSTREAM}${id}` }, async ({ cell, cluster }, testInfo) => {
    const requested = cell.versions[id];
    test.skip(!requested, `era ${cell.era} cell without ${id}`);
    const plan = readPlan(process.env[RUN_ENV]!);
    const goComponent = component(loadCatalog(), id).source.kind === 'go';
    // The cell's own tree of the component (the proxy's module or the git tree at the same commit), as its build took it;
    // a PyPI component's tests are in its git repository at the tag (its wheel has none), or the checkout under test.
    const source = goComponent ? await resolveSource(id, requested!, plan.sources ?? {}) : await pythonTree(id, requested!, plan.sources ?? {});
    const suite = upstreamSuite(id, source?.resolved ?? requested!);
    test.skip(!suite, `the catalog has no e2e suite of ${id} ${requested}`);
    // Images by name: what the provider loads into its nodes (kind), anything on a cluster that pulls (existing), none without pods.
    const needed = [...suite!.needs.images, ...suite!.tests.flatMap((t) => t.needs?.images ?? [])];
    // Where the provider makes its pods' images (kind), the suites' images and the catalog's stand-ins for this cell's selected upstream suites (fixtures/cell.setup.ts).
    const standIns = providerFor(cluster.provider).images ? standInsFor(cell.versions, [id]) : {};
    const images = cluster.provider === 'existing' ? needed : cluster.capabilities.includes('real-pods') ? [...Object.values(workloadImages), ...Object.keys(standIns)] : [];
    const out = testInfo.outputPath('upstream');
    mkdirSync(join(out, 'output'), { recursive: true });
    const log = join(out, 'suite.log');
    // {home}: a home whose ~/.kube/config is the cluster's (clients that read that file, not $KUBECONFIG), outside the run folder
    const home = mkdtempSync(join(tmpdir(), 'cfm-upstream-home-'));
    sdkEnv(cluster.kubeconfig, home);
    const ctx: SuiteContext = {
      capabilities: cluster.capabilities,
      images,
      vars: { kubeconfig: cluster.kubeconfig, kubectl: kubectlFor(cluster.kubernetes), output: join(out, 'output'), 'image:ray': workloadImages.ray, home },
      sources: plan.sources ?? {},
      // the cell's virtualenv of its Python client, for a pytest suite
      ...(cell.state.sdk ? { python: cell.state.sdk.python } : {}),
      // the suite's log, and the run's progress line (a suite runs for minutes to an hour)
      log: (line) => {
        writeFileSync(log, `${line}\n`, { flag: 'a' });
        setStep(process.env[RUN_ENV]!, cell.id, `${UPSTREAM}${id}: ${line}`);
      },
      // its Warning events are watched while the suite runs: a failure the cluster puts down to the environment says so
      kubeconfig: cluster.kubeconfig,
    };
    const provider = providerFor(cluster.provider);
    // the cell's ingress controller, if a test that runs reaches an Ingress by its host
    if (provider.ingress) ctx.ingress = () => provider.ingress!(cluster.name, ctx.log!);
    // Tests whose pods pip install and download MNIST: the package index and the data, served where the pods reach the host.
    const wants = suite!.tests.filter((t) => !t.reason).map((t) => t.needs?.packageIndex);
    const served = source && provider.images && cluster.capabilities.includes('real-pods') && wants.some(Boolean)
      ? await serveToPods(id, source.resolved ?? requested!, wants, await provider.images.hostAddress(cluster.name), { kubeconfig: cluster.kubeconfig, kubectl: kubectlFor(cluster.kubernetes) }, ctx.log!)
      : undefined;
    if (served) ctx.packageIndex = served.env;
    // Compiling a suite takes minutes (the operator's: ~10 on 2 busy cores), then the suite's own limit.
    if (kinds[suite!.kind]) test.setTimeout(testInfo.timeout + 1000 * (seconds(suite!.timeout) + 45 * 60));
    const r = source
      ? await runUpstream(source, suite!, ctx, out)
          .catch((e: Error) => {
            // A requirement no registry here serves (a pinned codeflare-common commit the proxy refuses) says nothing of the stack.
            if (/resolving the test dependencies failed/.test(e.message)) blocked(`${e.message.split('\n')[0]!.replace(/:$/, '')} — a requirement no registry here serves? name its git repository under sources:`);
            throw e;
          })
          .finally(async () => {
            rmSync(home, { recursive: true, force: true });
            await served?.close();
          })
      : { code: undefined, wallMs: 0, tests: [{ name: suite!.package, status: 'not-applicable', reason: suite!.reason ?? `${id}'s tests are not in what installs it (its PyPI wheel has none): name its git repository under sources: (~/.config/codeflare-matrix/sources.yaml)`, durationMs: 0, steps: [], output: '' }] as UpstreamTest[] };
    rmSync(home, { recursive: true, force: true });
    const attachment: UpstreamAttachment = {
      suite: `${UPSTREAM}${id}`,
      ...(r.code ? { code: { ...r.code, ...(Object.keys(standIns).length ? { standIns } : {}), ...(served ? { wheelhouses: served.wheelhouses, datasets: served.datasets } : {}) } } : {}),
      wallMs: r.wallMs,
      tests: r.tests.map((t) => {
        if (!t.output) return t;
        const file = join(out, `${t.name.replace(/[^\w.-]+/g, '_')}.txt`);
        writeFileSync(file, t.output);
        return { ...t, output: file };
      }),
    };
    await testInfo.attach(UPSTREAM_ATTACHMENT, { body: JSON.stringify(attachment, null, 2), contentType: 'application/json' });
    const failed = r.tests.filter((t) => t.status === 'failed');
    if (failed.length) throw new Error(`${failed.length} of ${r.tests.length} tests of ${id}'s own e2e failed: ${failed.map((t) => `${t.name} (${t.reason}${t.cause ? `; the cluster says the environment: ${t.cause.what}` : ''})`).join('; ')}`);
    const ran = r.tests.filter((t) => t.status === 'passed');
    test.skip(!ran.length, `no test of ${id}'s e2e applies here: ${[...new Set(r.tests.map((t) => t.reason))].join('; ')}`);
  });
}
