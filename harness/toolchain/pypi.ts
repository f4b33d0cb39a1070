// Python packages as PyPI serves them, for the SDK's virtualenvs and the images the kind provider
// makes: the pip that resolves as of a date, and when PyPI received a file.

/** pip that knows --uploaded-prior-to (added in pip 25.x), pinned for repeatable resolution. */
export const PIP = 'pip==26.3';

/** When PyPI received a file (argv: project, file name), from its simple JSON API, with the interpreter's own TLS setup. */
export const UPLOAD_TIME = `
import json, sys, urllib.request
req = urllib.request.Request(f"https://pypi.org/simple/{sys.argv[1]}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
files = json.load(urllib.request.urlopen(req, timeout=60))["files"]
print(next(f["upload-time"] for f in files if f["filename"] == sys.argv[2]))
`;
