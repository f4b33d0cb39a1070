// A run folder is uploaded as a CI artifact and shared: it must hold no credential. Kubeconfigs
// with client keys (the SDK user's ~/.kube/config, a kept cluster's) and private keys are removed
// from it when the run ends, whatever wrote them; the Action and the workflow exclude the same names.
import { lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';

/** Names that are credentials whatever they hold. */
const NAMES = [/^kubeconfig/, /\.key$/, /-key\.pem$/];
/** Content that is a credential: a kubeconfig's client key or token, a PEM private key. */
const CONTENT = /client-key-data:|^\s*token: |-----BEGIN [A-Z ]*PRIVATE KEY-----/m;
/** Files larger than this are logs and reports, not credentials (a kubeconfig is a few KiB). */
const SMALL = 64 * 1024;

/** Whether a file of the run folder (`rel` below `dir`) is a credential. */
export function isSecret(dir: string, rel: string): boolean {
  if (NAMES.some((n) => n.test(basename(rel))) || rel.split(sep).includes('.kube')) return true;
  const path = join(dir, rel);
  const st = lstatSync(path);
  return st.isFile() && st.size <= SMALL && CONTENT.test(readFileSync(path, 'latin1'));
}

/** Removes every credential under `dir`; returns what it removed, relative to `dir`. */
export function removeSecrets(dir: string): string[] {
  const removed: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const rel = relative(dir, join(e.parentPath, e.name));
    if (!isSecret(dir, rel)) continue;
    rmSync(join(dir, rel), { force: true });
    removed.push(rel);
  }
  return removed;
}
