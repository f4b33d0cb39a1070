// The providers by name.
import { UserError } from '../../lib/errors.js';
import { LocalProvider } from './local/provider.js';
import { ExistingProvider } from './existing/provider.js';
import { KindProvider } from './kind/provider.js';
import { providerNames, type ProviderName } from '../../matrix/ids.js';
import type { Provider } from './provider.js';

const providers: Record<ProviderName, () => Provider> = {
  local: () => new LocalProvider(),
  kind: () => new KindProvider(),
  existing: () => new ExistingProvider(),
};

export function providerFor(name: ProviderName | string): Provider {
  const make = Object.hasOwn(providers, name) ? providers[name as ProviderName] : undefined;
  if (!make) throw new UserError(`unknown provider "${name}"`, 'provider', `use ${providerNames.join(', ')}`);
  return make();
}

export type { Provider, Cluster, ClusterSpec, ClusterStatus, NodeSpec } from './provider.js';
