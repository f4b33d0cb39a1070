// What an install reads, below every install module: the cluster and tools it installs with, and
// how a component's version runs as a host process (the catalog's `process`).
import { component, loadCatalog, type ComponentId, type ProcessMode } from '../../../matrix/catalog/index.js';
import type { Sources } from '../../../matrix/config.js';
import { satisfies } from '../../../matrix/versions.js';
import type { Cluster, Log } from '../../providers/provider.js';

export type InstallContext = {
  cluster: Cluster;
  kubectl: string;
  log?: Log;
  timeoutMs?: number;
  /** Git sources, for components built while installing (played pods). */
  sources?: Sources;
  /** Components the cell names itself (an axis, a chain's dev), for the catalog's `config.when`. */
  chosen?: ComponentId[];
  /** Told how long each wait for a controller's readiness took (the cell's `ready` phase). */
  waited?: (ms: number) => void;
};

/** How this version of the component runs as a host process (the catalog's `process`), if the catalog says. */
export function processMode(id: ComponentId, version: string): ProcessMode | undefined {
  const catalog = loadCatalog();
  return component(catalog, id).process.find((p) => satisfies(catalog, id, version, p.range));
}
