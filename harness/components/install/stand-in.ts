// An image made here under a release image's name (a stand-in, said in the provenance): where pods
// run (kind) and no registry serves the release, a controller's image is made from the binary built
// at its version and loaded into the nodes. One layout for every such image, whether the shipped
// Deployment names it (image.ts) or another controller deploys it (player.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { component, loadCatalog, type ComponentId } from '../../../matrix/catalog/index.js';
import { docker } from '../../docker.js';
import { providerFor } from '../../providers/index.js';
import { filesImage } from '../../providers/kind/images.js';
import type { Built } from '../types.js';
import type { InstallContext } from './context.js';

export type Container = { name?: string; image: string; command?: string[]; imagePullPolicy?: string };

/**
 * The release image's layout, as its Dockerfile has it: the binary where the catalog says
 * (image.binary, with its ENTRYPOINT and USER), else where the container's command runs it, else
 * kubebuilder's `/manager` as its entrypoint; the tree's files the Dockerfile copies (image.files).
 * A relative command (MCAD's `mcad-controller`) finds the binary on PATH.
 */
export function layoutOf(id: ComponentId, container: Container): { binary: string; entrypoint: boolean; user: string; files: string[] } {
  const image = component(loadCatalog(), id).image;
  const command = container.command?.[0];
  const binary = image?.binary ?? (command?.startsWith('/') ? command : '/manager');
  const entrypoint = image?.binary ? image.entrypoint : !command;
  return { binary, entrypoint, user: image?.user ?? '65532:65532', files: image?.files ?? [] };
}

/**
 * The image `container` names, made from the binary built here, laid out as the release's and loaded
 * into the cell's nodes; `standIn` says so, for the provenance (`by`: who deploys it, where not the shipped manifests).
 */
export async function standInImage(ctx: InstallContext, id: ComponentId, built: Built, container: Container, by = ''): Promise<{ image: string; id: string; standIn: string }> {
  const layout = layoutOf(id, container);
  const labels = { 'org.opencontainers.image.source': `${built.source.module}@${built.source.resolved}`, 'org.opencontainers.image.version': built.source.requested };
  const tree = Object.fromEntries(layout.files.filter((f) => existsSync(join(built.source.dir, f))).map((f) => [f, join(built.source.dir, f)]));
  await filesImage(
    container.image,
    { [layout.binary.slice(1)]: built.binary, ...tree },
    { ...(layout.entrypoint ? { entrypoint: [layout.binary] } : {}), env: { PATH: '/usr/local/bin:/usr/bin:/bin' }, user: layout.user, labels },
    [built.provenance.binarySha256 ?? built.binary],
    ctx.log ?? (() => {}),
  );
  await providerFor(ctx.cluster.provider).loadImage(ctx.cluster.name, container.image, container.imagePullPolicy);
  const r = await docker(['image', 'inspect', '--format', '{{.Id}}', container.image]);
  const standIn = `image ${container.image}${by ? `, deployed by ${by},` : ''} made here from the binary built at ${built.source.resolved} (a stand-in for the release image under its name), loaded into the nodes`;
  return { image: container.image, id: r.stdout.trim(), standIn };
}
