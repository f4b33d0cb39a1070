// `kind export logs`: every node's journal, kubelet and containerd logs, and each pod's containers.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../lib/exec.js';
import { kindBinary, kindName } from './provision.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

export async function exportLogs(name: string, dest: string): Promise<string[]> {
  const r = await run(kindBinary(), ['export', 'logs', dest, '--name', kindName(name)], { timeout: 300_000 });
  if (!r.ok) throw new Error(`kind export logs ${kindName(name)} failed: ${r.all.trim().split('\n').slice(-3).join(' | ')}`);
  return files(dest);
}
