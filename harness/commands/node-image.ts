// `codeflare-matrix node-image build|list`: the kind provider's node images, assembled here with no registry.
import { Command } from 'commander';

export function nodeImageCommand(): Command {
  const cmd = new Command('node-image').description('kind node images assembled offline (Debian packages + Go modules, no registry)');
  cmd
    .command('build')
    .description('build the node image for a Kubernetes version (and the toolchain entries it needs)')
    .requiredOption('--kubernetes <version>', 'Kubernetes version (v1.27.16, 1.27)')
    .action(async (o: { kubernetes: string }) => {
      const [{ requireEngine }, { buildNodeImage }] = await Promise.all([import('../docker.js'), import('../providers/kind/nodeimage.js')]);
      await requireEngine('node-image build');
      const r = await buildNodeImage(o.kubernetes, (l) => console.log(l));
      console.log(`${r.tag}: ${r.built ? 'built' : 'already built'} in ${r.seconds.toFixed(1)} s (${r.images.length} images inside: ${r.images.join(', ')})`);
    });
  cmd
    .command('list')
    .description('show the node images built here')
    .action(async () => {
      const [{ docker, requireEngine }, { NODE_REPO }] = await Promise.all([import('../docker.js'), import('../providers/kind/nodeimage.js')]);
      await requireEngine('node-image list');
      const r = await docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}\t{{.Size}}\t{{.CreatedSince}}', NODE_REPO]);
      console.log(r.stdout.trim() || `no node images yet — run: npx codeflare-matrix node-image build --kubernetes 1.27`);
    });
  return cmd;
}
