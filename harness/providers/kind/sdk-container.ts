// The CodeFlare SDK run beside a kind cluster, as its users run it: in a container (testcontainers)
// on the kind network, talking to the API server by its in-cluster name — not from the host.
import type { StartedTestContainer } from 'testcontainers';
import type { RunResult } from '../../../lib/exec.js';
import type { ClientExtras } from '../provider.js';
import { BUILDER_LABEL, HARNESS_LABEL } from '../../docker.js';
import { startTime } from '../state.js';
import { internalKubeconfig } from './provision.js';
import { sdkImage } from './workloads.js';

export type SdkContainer = { python: (script: string, args?: string[]) => Promise<RunResult>; stop: () => Promise<void> };

export async function sdkContainer(sdk: { version: string; python: string; venv: string }, cluster: string, extras: ClientExtras = {}): Promise<SdkContainer> {
  // Ryuk's image comes from Docker Hub, which no registry here serves: the container is stopped
  // by the fixture, and one a killed run left is removed by the janitor (its builder label).
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const image = await sdkImage(sdk, () => {});
  const kubeconfig = await internalKubeconfig(cluster);
  // loaded when a container is made: every cell process and worker imports this file, few run the SDK in a container (~1 s of module loading each)
  const { GenericContainer } = await import('testcontainers');
  const container: StartedTestContainer = await new GenericContainer(image)
    .withNetworkMode('kind')
    .withLabels({ [HARNESS_LABEL]: 'codeflare-matrix', [BUILDER_LABEL]: `${process.pid}:${startTime(process.pid) ?? ''}` })
    .withCopyContentToContainer([{ content: kubeconfig, target: '/root/.kube/config', mode: 0o600 }])
    // a stand-in's binary (the harness's static kubectl), and the variable that names it to the SDK
    .withCopyFilesToContainer((extras.files ?? []).map((f) => ({ ...f, mode: 0o755 })))
    .withEnvironment({ ...extras.env, KUBECONFIG: '/root/.kube/config', PYTHONUNBUFFERED: '1' })
    .withCommand(['sleep', 'infinity'])
    .start();
  return {
    python: async (script, args = []) => {
      const r = await container.exec(['python', '-c', script, ...args]);
      return { ok: r.exitCode === 0, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, all: r.output };
    },
    stop: async () => {
      await container.stop({ remove: true, timeout: 1 });
    },
  };
}
