// Ports a cell's controllers bind fixed in code (the catalog's webhooks.port and hostPorts): host
// processes share one network where pods have their own, so two cells that claim the same port run
// one after the other. A lane takes the first queued cell that claims no port a running cell holds.

/** A cell's claims: port → the component and version that binds it. */
export type Claims = Map<number, string>;

/** Why `id` cannot start beside the running cells (`holding`: cell id → its claims), or undefined. */
export function clash(id: string, claims: Claims, holding: Map<string, Claims>): string | undefined {
  for (const [port, by] of claims) for (const [other, held] of holding) if (held.has(port)) return `cell ${id} waits for ${other}: both bind port ${port} (${by}, fixed in its code)`;
  return undefined;
}

/** The index of the first cell of `queue` that can start now, or -1 when every one waits for a running cell. */
export function nextCell<C extends { id: string }>(queue: C[], claimsOf: (c: C) => Claims, holding: Map<string, Claims>): number {
  return queue.findIndex((c) => !clash(c.id, claimsOf(c), holding));
}
