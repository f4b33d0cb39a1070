// Python packages as PyPI serves them, for the SDK's virtualenvs and the images the kind provider
// makes: the pip that resolves as of a date, and when PyPI received a file.

/** pip that knows --uploaded-prior-to (added in pip 25.x), pinned for repeatable resolution. */
export const PIP = 'pip==26.3';

/**
 * The pinned pip that knows --uploaded-prior-to and runs on Python `minor` (3.9): pip 26.1 and
 * later need 3.10, 26.0.1 is the last for 3.9; pip 25.0.1, the last for 3.8, predates the option.
 */
export function pipFor(minor: string): string {
  const m = Number(minor.split('.')[1] ?? 0);
  if (m >= 10) return PIP;
  if (m === 9) return 'pip==26.0.1';
  throw new Error(`no pip that resolves as of a date runs on Python ${minor} (pip's --uploaded-prior-to needs Python 3.9 or later)`);
}

/** When PyPI received a file (argv: project, file name), from its simple JSON API, with the interpreter's own TLS setup. */
export const UPLOAD_TIME = `
import json, sys, urllib.request
req = urllib.request.Request(f"https://pypi.org/simple/{sys.argv[1]}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
files = json.load(urllib.request.urlopen(req, timeout=60))["files"]
print(next(f["upload-time"] for f in files if f["filename"] == sys.argv[2]))
`;

/** One file of a project on PyPI, as its simple JSON API (PEP 691) lists it. */
export type PypiFile = { filename: string; url: string; sha256?: string; requiresPython?: string; uploadTime?: string; yanked?: boolean };

const SIMPLE = 'https://pypi.org/simple';

/** The files PyPI serves for `project` (every version), from its simple JSON API. */
export async function pypiFiles(project: string): Promise<PypiFile[]> {
  const name = project.toLowerCase().replace(/[-_.]+/g, '-');
  const res = await fetch(`${SIMPLE}/${name}/`, { headers: { Accept: 'application/vnd.pypi.simple.v1+json' }, signal: AbortSignal.timeout(60_000) });
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`PyPI ${SIMPLE}/${name}/: HTTP ${res.status}`);
  const body = (await res.json()) as { files: { filename: string; url: string; hashes?: { sha256?: string }; 'requires-python'?: string | null; 'upload-time'?: string; yanked?: boolean | string }[] };
  return body.files.map((f) => ({
    filename: f.filename,
    url: f.url,
    ...(f.hashes?.sha256 ? { sha256: f.hashes.sha256 } : {}),
    ...(f['requires-python'] ? { requiresPython: f['requires-python'] } : {}),
    ...(f['upload-time'] ? { uploadTime: f['upload-time'] } : {}),
    ...(f.yanked ? { yanked: true } : {}),
  }));
}

/** The version in a distribution's file name (a wheel's second field, an sdist's tail), normalized to lower case. */
export function fileVersion(project: string, filename: string): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_.]+/g, '_');
  if (filename.endsWith('.whl')) {
    const [n, v] = filename.split('-');
    return n && norm(n) === norm(project) ? v : undefined;
  }
  const m = /^(.*)-([^-]+)\.(tar\.gz|zip|tar\.bz2)$/.exec(filename);
  return m && norm(m[1]!) === norm(project) ? m[2] : undefined;
}
