// Lookups in a loaded catalog, apart from its loader (YAML, zod): the CLI's light commands and the
// version helpers use them without loading those.
import type { Catalog, Component, ComponentId } from './schema.js';

export function component(catalog: Catalog, id: ComponentId): Component {
  const c = catalog.components.find((x) => x.id === id);
  if (!c) throw new Error(`catalog has no component ${id}`);
  return c;
}
