// Install mode `image`: the component's own manifests applied whole, its controller running in a
// pod. On a provider that loads images made here (kind) the image is made of the binary the
// installer built (an empty filesystem plus the binary, tagged as the manifests reference it) and
// loaded into the nodes — no registry is asked for anything, and the image id in provenance is that
// of the binary built. On one that pulls (existing) the cluster pulls the release image; provenance
// then carries the image id the node reports, and says that the binary built here is not what ran.
import { join } from 'node:path';
import { loadCatalog, component, type ComponentId } from '../../../matrix/catalog/index.js';
import { run } from '../../../lib/exec.js';
import { writeAtomic } from '../../../lib/files.js';
import { providerFor } from '../../providers/index.js';
import { setupObjects, startPlayer } from './player.js';
import { standInImage, type Container } from './stand-in.js';
import { canMake } from '../../providers/kind/workloads.js';
import type { Built, Provenance } from '../types.js';
import { applyOwned, prepare, type Installed, type Obj } from './common.js';
import type { InstallContext } from './context.js';

export async function installImage(ctx: InstallContext, id: ComponentId, built: Built): Promise<Installed> {
  const log = ctx.log ?? (() => {});
  const catalog = loadCatalog();
  const { version, mode, dir, objs, deployment } = await prepare(ctx, id, built);
  const containers = deployment.spec.template.spec.containers as Container[];
  const container = (mode.container && containers.find((c) => c.name === mode.container)) || containers[0]!;
  const settings: Record<string, string> = {};
  const loads = !!providerFor(ctx.cluster.provider).images;
  // A sidecar whose image no registry here serves and the harness does not make (kube-rbac-proxy
  // in front of Kueue v0.6–v0.10's metrics, kueue@v0.6.2 config/default/manager_auth_proxy_patch.yaml)
  // is left out, as on the local provider, which runs the controller alone; said in the settings.
  if (loads) {
    for (const c of containers.filter((x) => x !== container && !canMake(x.image))) {
      settings[`container ${c.name}`] = `left out: its image ${c.image} is served by no registry here and not made here; the controller runs without it`;
      log(`${id} ${version}: ${settings[`container ${c.name}`]}`);
    }
    deployment.spec.template.spec.containers = containers.filter((x) => x === container || canMake(x.image));
  }
  // Manifests at a tag often leave the image to the release step (Kueue's config/default names a
  // staging image `release-0.11`, AppWrapper's `latest`; their Makefiles set it when they release):
  // a reference not at the exact version is set to the release's, the catalog's repository:version.
  const tag = version.replace(/[^\w.-]/g, '-').slice(0, 128);
  const untagged = !container.image.endsWith(`:${tag}`);
  const repository = component(catalog, id).image?.repository;
  if (untagged && repository) {
    settings.image = `${repository}:${tag} (the manifests say ${container.image})`;
    container.image = `${repository}:${tag}`;
  }
  // Images the shipped environment names that no registry here serves, replaced as the catalog says.
  const env = (container as Container & { env?: { name: string; value?: string }[] }).env ?? [];
  for (const [name, value] of Object.entries(loads ? (component(catalog, id).image?.env ?? {}) : {})) {
    const had = env.find((e) => e.name === name);
    settings[name] = `${value}${had?.value ? ` (the manifests say ${had.value})` : ''}`;
    if (had) had.value = value;
    else env.push({ name, value });
  }
  (container as Container & { env?: unknown[] }).env = env;
  // Where images are loaded there is nothing to pull from: the loaded image is used.
  if (loads && (untagged || container.imagePullPolicy === 'Always')) {
    container.imagePullPolicy = 'IfNotPresent';
    settings.imagePullPolicy = 'IfNotPresent (the image is loaded, not pulled)';
  }
  if (!loads && !component(catalog, id).versions.some((v) => v.tag === built.source.resolved)) {
    throw new Error(`${id} ${version}: the cluster pulls release images, and ${built.source.resolved} is not a release; build an image of it where your cluster can pull it`);
  }
  const loaded = loads ? await standInImage(ctx, id, built, container) : undefined;
  if (loaded) log(`${id} ${version}: image ${loaded.image} (${loaded.id.slice(7, 19)}) loaded into ${ctx.cluster.name}`);
  else settings.image = `${container.image}, pulled by the cluster${settings.image ? `; ${settings.image}` : ''}`;
  const manifest = await applyOwned(ctx, dir, id, version, objs);
  const namespace = deployment.metadata.namespace ?? 'default';
  const timeout = `${Math.round((ctx.timeoutMs ?? 300_000) / 1000)}s`;
  const r = await run(ctx.kubectl, ['--kubeconfig', ctx.cluster.kubeconfig, '-n', namespace, 'rollout', 'status', `deployment/${deployment.metadata.name}`, `--timeout=${timeout}`], { timeout: (ctx.timeoutMs ?? 300_000) + 30_000 });
  if (!r.ok) {
    const pods = await run(ctx.kubectl, ['--kubeconfig', ctx.cluster.kubeconfig, '-n', namespace, 'describe', 'pods', '-l', podSelector(deployment)]);
    const events = pods.stdout.split('Events:').pop()?.trim().split('\n').slice(-4).join(' | ');
    throw new Error(`${id} ${version}: Deployment ${namespace}/${deployment.metadata.name} not available in ${timeout}: ${r.all.trim().split('\n').pop()}; pod events: ${events}`);
  }
  const image = loaded ? { image: loaded.image, id: loaded.id } : await pulled(ctx, namespace, deployment, container.image);
  const installed: Installed = {
    component: id,
    version,
    mode: 'image',
    namespace,
    serviceAccount: deployment.spec.template.spec.serviceAccountName ?? 'default',
    manifest,
    image,
    settings,
    provenance: loaded ? { ...built.provenance, imageDigest: loaded.id, differences: [...built.provenance.differences, loaded.standIn] } : pulledProvenance(built, image),
  };
  // An operator of operators: the Deployments it makes run the images it names, made here (player.ts).
  if (loads && mode.plays.length) installed.player = startPlayer(ctx, dir, mode.plays);
  writeAtomic(join(dir, 'installed.json'), JSON.stringify(installed, null, 2) + '\n');
  if (mode.setup.length) await setupObjects(ctx, installed, mode, namespace);
  log(`${id} ${version}: ready (Deployment ${namespace}/${deployment.metadata.name})`);
  return installed;
}

const podSelector = (deployment: Obj) => Object.entries(deployment.spec.selector.matchLabels as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');

/** The image id the node reports for the controller's pod (containerStatuses[0].imageID). */
async function pulled(ctx: InstallContext, namespace: string, deployment: Obj, image: string): Promise<{ image: string; id: string }> {
  const r = await run(ctx.kubectl, ['--kubeconfig', ctx.cluster.kubeconfig, '-n', namespace, 'get', 'pods', '-l', podSelector(deployment), '-o', 'jsonpath={.items[0].status.containerStatuses[0].imageID}']);
  return { image, id: r.ok ? r.stdout.trim() : '' };
}

/** What ran was the pulled image: the module and version stand, the build's binary facts do not. */
function pulledProvenance(built: Built, image: { image: string; id: string }): Provenance {
  const { goVersion: _g, main: _m, deps: _d, binarySha256: _b, ...source } = built.provenance;
  const differences = [...source.differences, `ran the release image ${image.image} the cluster pulled, not the binary built here`];
  if (!image.id) differences.push('the node reported no image id for it');
  if (source.overrides && Object.keys(source.overrides).length) differences.push(`module overrides not in effect: the release image has none (${Object.keys(source.overrides).join(', ')})`);
  return { ...source, ...(image.id ? { imageDigest: image.id } : {}), differences };
}
