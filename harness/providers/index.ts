// The providers by name.
import { UserError } from '../errors.js';
import { LocalProvider } from './local/provider.js';
import { ExistingProvider } from './existing/provider.js';
import { KindProvider } from './kind/provider.js';
import type { Provider, ProviderName } from './provider.js';

export function providerFor(name: ProviderName | string): Provider {
  switch (name) {
    case 'local':
      return new LocalProvider();
    case 'existing':
      return new ExistingProvider();
    case 'kind':
      return new KindProvider();
    default:
      throw new UserError(`unknown provider "${name}"`, 'provider', 'use local, kind or existing');
  }
}

export type { Provider, ProviderName, Cluster, ClusterSpec, ClusterStatus, NodeSpec } from './provider.js';
