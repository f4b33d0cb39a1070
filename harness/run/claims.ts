// Ports a cell's controllers bind fixed in code (the catalog's webhooks.port and hostPorts): where
// a provider's cells share the host's network (local without network namespaces: not root), two cells
// that claim the same port run one after the other; cells with networks of their own never queue.
// A lane takes a queued cell that claims no port a running cell holds.

/** Whether a provider's cells queue on fixed ports: only host processes sharing the host's network do. */
export function sharesNetwork(provider: { installMode: 'process' | 'image'; ownNetwork: boolean }): boolean {
  return provider.installMode === 'process' && !provider.ownNetwork;
}

/** A cell's claims: port → the component and version that binds it. */
export type Claims = Map<number, string>;

export type Clash = { cell: string; holder: string; port: number; by: string };

/** Which running cell (`holding`: cell id → its claims) holds a port `id` claims, or undefined. */
export function clash(id: string, claims: Claims, holding: Map<string, Claims>): Clash | undefined {
  for (const [port, by] of claims) for (const [holder, held] of holding) if (held.has(port)) return { cell: id, holder, port, by };
  return undefined;
}

/** One line per running cell that others wait for. */
export function waitLines(clashes: Clash[]): string[] {
  const byHolder = new Map<string, Clash[]>();
  for (const c of clashes) byHolder.set(c.holder, [...(byHolder.get(c.holder) ?? []), c]);
  return [...byHolder].map(([holder, cs]) => {
    const port = (c: Clash) => `${c.port} (${c.by}, fixed in its code)`;
    if (cs.length === 1) return `cell ${cs[0]!.cell} waits for ${holder}: both bind port ${port(cs[0]!)}`;
    return `${cs.length} cells wait for ${holder}, each for a port it holds: ${cs.map((c) => `${c.cell} binds ${port(c)}`).join('; ')}`;
  });
}

/**
 * The index of the cell of `queue` to start now, or -1 when every one waits for a running cell. Of
 * those that can start, the one whose ports the most queued cells claim too: a chain of cells that
 * must run one after the other starts first, so the other lanes run the rest beside it instead of
 * idling at the end; ties keep the queue's order.
 */
export function nextCell<C extends { id: string }>(queue: C[], claimsOf: (c: C) => Claims, holding: Map<string, Claims>): number {
  const claims = queue.map(claimsOf);
  let best = -1;
  let bestRivals = -1;
  claims.forEach((mine, i) => {
    if (clash(queue[i]!.id, mine, holding)) return;
    const rivals = claims.filter((other, j) => j !== i && [...mine.keys()].some((port) => other.has(port))).length;
    if (rivals > bestRivals) [best, bestRivals] = [i, rivals];
  });
  return best;
}
