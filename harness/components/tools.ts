// The command-line tools a client release drives as subprocesses (catalog `tools`: SDKs before
// v0.6.0 run oc through openshift-client), as they run for a cell: the tool on this machine's PATH;
// else the stand-in the catalog names (kubectl of the cell's Kubernetes, for oc's apply/create/
// delete/get, which are kubectl's own code vendored into oc), named to the client's library by an
// environment variable and recorded as a stand-in; else none, and the tests that use the client are
// blocked with the reason. A client in a container (kind) never sees the host's PATH: there only a
// stand-in, copied into the container, runs.
import { loadCatalog, component, type Component, type ComponentId } from '../../matrix/catalog/index.js';
import { satisfies } from '../../matrix/versions.js';
import { run } from '../../lib/exec.js';
import { pathOf } from '../../lib/files.js';
import { kubectlFor } from '../toolchain/index.js';
import type { ClientTool, Provenance } from './types.js';

export type { ClientTool };
type Tool = Component['tools'][number];

/** Where the container's copy of a stand-in goes (kind: the client's container). */
export const CONTAINER_TOOLS = '/opt/codeflare-matrix/bin';

/** The tools `id` at `version` drives (catalog `tools`), each with why and its stand-in, if any. */
export function toolsOf(id: ComponentId, version: string): Tool[] {
  const catalog = loadCatalog();
  return component(catalog, id).tools.filter((t) => satisfies(catalog, id, version, t.range));
}

/** The tools of client `id` at `version` as they run here, beside a cluster of Kubernetes `kubernetes`. */
export async function clientTools(id: ComponentId, version: string, kubernetes: string, o: { inContainer: boolean; path?: string }): Promise<ClientTool[]> {
  const out: ClientTool[] = [];
  for (const t of toolsOf(id, version)) {
    const onHost = o.inContainer ? undefined : pathOf(t.tool, o.path);
    if (onHost) out.push({ tool: t.tool, why: t.why, how: 'path', binary: onHost });
    else if (t.standIn) {
      const binary = kubectlFor(kubernetes);
      const r = await run(binary, ['version', '--client', '-o', 'json'], { timeout: 30_000 });
      const v = r.ok ? (JSON.parse(r.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion : undefined;
      if (!v) throw new Error(`${binary} version --client failed: ${r.all.trim().split('\n').pop()}`);
      out.push({ tool: t.tool, why: t.why, how: 'stand-in', standIn: t.standIn.tool, version: v, binary, env: t.standIn.env, commands: t.standIn.commands });
    } else out.push({ tool: t.tool, why: t.why, how: 'none' });
  }
  return out;
}

/** The client's provenance with its tools as they run (a stand-in said so in its differences too: never the real tool). */
export function withTools(p: Provenance, tools: ClientTool[]): Provenance {
  if (!tools.length) return p;
  const said = tools.map((t) =>
    t.how === 'path' ? `${t.tool}: ${t.binary} (on PATH)` : t.how === 'stand-in' ? `${t.tool}: ${t.standIn} ${t.version} standing in (${t.commands.join(', ')})` : `${t.tool}: none here`,
  );
  const differences = tools.flatMap((t) =>
    t.how === 'stand-in'
      ? [`${p.component} ${p.resolved} runs ${t.tool} as ${t.standIn} ${t.version}, standing in (no ${t.tool} here): ${t.commands.join(', ')} are ${t.standIn}'s code vendored into ${t.tool}; not the real ${t.tool}`]
      : [],
  );
  return { ...p, tools: said, differences: [...p.differences, ...differences] };
}

/** The environment that names each stand-in to the client's library: its binary here, or its copy in the client's container. */
export function toolEnv(tools: ClientTool[], inContainer: boolean): Record<string, string> {
  return Object.fromEntries(tools.flatMap((t) => (t.how === 'stand-in' ? [[t.env, inContainer ? `${CONTAINER_TOOLS}/${t.standIn}` : t.binary]] : [])));
}

/** The stand-ins' binaries to copy into the client's container. */
export const toolFiles = (tools: ClientTool[]): { source: string; target: string }[] =>
  tools.flatMap((t) => (t.how === 'stand-in' ? [{ source: t.binary, target: `${CONTAINER_TOOLS}/${t.standIn}` }] : []));

/**
 * Why a client's run failed for want of the real tool: it ran a subcommand the stand-in lacks
 * (kubectl says `unknown command "project" for "kubectl"`). Undefined when that is not why.
 */
export function standInLacks(tools: ClientTool[], output: string): string | undefined {
  for (const t of tools) {
    if (t.how !== 'stand-in') continue;
    // as kubectl prints it, or quoted again inside the JSON of openshift-client's exception
    const m = new RegExp(`unknown command \\\\?"([^"\\\\]+)\\\\?" for \\\\?"${t.standIn}\\\\?"`).exec(output);
    if (m) return `it ran \`${t.tool} ${m[1]}\`, which ${t.standIn} ${t.version} (standing in for ${t.tool}: ${t.commands.join(', ')}) does not have; needs the real ${t.tool} on PATH`;
  }
  return undefined;
}

/** What the tool printed on its stderr, last, where the client's exception holds it (openshift-client's result JSON, "err"). */
export function toolSaid(output: string): string | undefined {
  return [...output.matchAll(/"err": ("(?:[^"\\]|\\.)+")/g)].map((m) => (JSON.parse(m[1]!) as string).trim()).filter(Boolean).pop();
}
