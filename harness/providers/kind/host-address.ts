// Where a kind cluster's pods reach a server the harness runs on the host (the package index and
// the synthetic MNIST): the host's address on the kind network, its bridge's gateway. A pod's
// traffic leaves its node container through the node's NAT onto that bridge, so the pods need no
// image of the wheelhouse (gigabytes of torch) and the host's resolver is left alone; the address is
// the bridge's own, reachable from the containers on that network and not from beyond the host.
import { dockerOk } from '../../docker.js';

export async function kindHostAddress(network = 'kind'): Promise<string> {
  const out = await dockerOk(['network', 'inspect', network, '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}']);
  const v4 = out.trim().split(/\s+/).find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
  if (!v4) throw new Error(`docker network ${network} has no IPv4 gateway (${out.trim() || 'none'}): the kind provider makes it with its first cluster`);
  return v4;
}
