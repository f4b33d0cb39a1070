// What the harness serves a suite's pods in place of the internet: the component's pin sets
// (wheelhouses.yaml) as a simple package index and the synthetic MNIST beside it, on the address the
// provider's pods reach the host by, and the environment that tells the test where (the knobs
// codeflare-common reads: PIP_INDEX_URL, PIP_TRUSTED_HOST, MNIST_DATASET_URL). What was served goes
// into the suite's provenance.
import { loadCatalog, pinSetsOf, type ComponentId, type PinSet } from '../../matrix/catalog/index.js';
import type { Dataset } from '../../model/results.js';
import { applied } from '../kube.js';
import { IN_CLUSTER, inClusterObjects, indexEnv, servePackageIndex, type PackageIndex } from '../net/package-index.js';
import { ensureWheelhouse } from '../toolchain/wheelhouse.js';
import { ensureMnist, mnistRecord } from './mnist.js';
import type { Log } from '../toolchain/build.js';

/** A wheelhouse as the results keep it: the pin set, its content key, how much. */
export type ServedWheelhouse = { id: string; key: string; python: string; requirements: string[]; files: number; bytes: number };
export type Served = { env: Record<string, string>; wheelhouses: ServedWheelhouse[]; datasets: Dataset[]; close: () => Promise<void> };

/**
 * The pin sets the tests that will run install: each test entry's `needs.packageIndex` (true: all of
 * the component's at that version; else the ids it names). The catalog's loader checks its own
 * versions against wheelhouses.yaml; this says so for one outside it (`dev`, a checkout's).
 */
export function pinSetsToServe(component: ComponentId, version: string, wants: (boolean | string[] | undefined)[]): PinSet[] {
  const all = pinSetsOf(loadCatalog(), component, version);
  if (!all.length) throw new Error(`the catalog has no pin set for ${component} ${version} (matrix/catalog/wheelhouses.yaml), and its tests pip install at run time`);
  if (wants.includes(true)) return all;
  const ids = new Set(wants.flatMap((w) => (Array.isArray(w) ? w : [])));
  for (const id of ids) if (!all.some((p) => p.id === id)) throw new Error(`upstream.yaml names pin set ${id} for ${component} ${version}, which wheelhouses.yaml has not for that version (it has ${all.map((p) => p.id).join(', ')})`);
  return all.filter((p) => ids.has(p.id));
}

/**
 * Names a served index inside a cluster (IN_CLUSTER: a Service with the index's address as its
 * endpoint, in a namespace of the harness's own); returns what takes the name away again.
 */
export async function nameInCluster(index: PackageIndex, cluster: { kubeconfig: string; kubectl: string }): Promise<() => Promise<void>> {
  return applied(cluster.kubectl, cluster.kubeconfig, inClusterObjects(index.host, index.port), `the package index's name in the cluster (Service ${IN_CLUSTER.namespace}/${IN_CLUSTER.service})`);
}

/** `cluster`: the cluster the pods run in, where the index also gets its in-cluster name (IN_CLUSTER), gone again at close. */
export async function serveToPods(component: ComponentId, version: string, wants: (boolean | string[] | undefined)[], host: string, cluster: { kubeconfig: string; kubectl: string }, log: Log): Promise<Served> {
  const pinSets = pinSetsToServe(component, version, wants);
  const houses = [];
  for (const p of pinSets) houses.push(await ensureWheelhouse(p, { log }));
  const mnist = await ensureMnist();
  const index = await servePackageIndex({ wheelhouses: houses, mnist: { dir: mnist.dir, files: mnist.manifest.files.map((f) => f.file) }, host });
  const unname = await nameInCluster(index, cluster).catch(async (e: Error) => {
    await index.close();
    throw e;
  });
  const inCluster = `http://${IN_CLUSTER.host}/simple/`;
  log(`serving ${houses.length} pin set(s) (${houses.map((h) => h.manifest.pinSet.id).join(', ')}) and the synthetic MNIST to the pods at ${index.url} (in the cluster also ${inCluster})`);
  return {
    env: indexEnv(index),
    wheelhouses: houses.map((h) => ({ id: h.manifest.pinSet.id, key: h.manifest.key, python: h.manifest.pinSet.python, requirements: h.manifest.pinSet.requirements, files: h.manifest.files.length, bytes: h.manifest.files.reduce((n, f) => n + f.size, 0) })),
    datasets: [mnistRecord(mnist.manifest, index.mnistUrl!)],
    close: async () => {
      await unname();
      await index.close();
    },
  };
}
