// What the component layer hands to installers and reports: where a component's code came from,
// the binary built from it, and the provenance of what actually runs.
import type { ComponentId } from '../../matrix/catalog/index.js';

/** A component's code at a version: a Go module tree (read-only, in the module cache) or a local checkout. */
export type Source = {
  component: ComponentId;
  /** What the cell asked for: a tag, "dev", "ref:<ref>", "path:<dir>". */
  requested: string;
  /** What was taken: the module version (a tag, or a pseudo-version for dev/ref), or "path:<dir>". */
  resolved: string;
  module: string;
  /** The source tree: config/, deployment/, go.mod … */
  dir: string;
  /** go.sum-style hash of the module zip (h1:…), absent for a local checkout. */
  sum?: string;
  /** Git commit, where the proxy or the checkout tells it. */
  commit?: string;
  time?: string;
  /** A local checkout with uncommitted changes, or not a git repository: never taken from the build cache. */
  dirty?: boolean;
  /** A clean local checkout exactly at a tag: that tag (without the tag prefix). */
  tag?: string;
  /** Modules (path@version) fetched without a checksum-database check (the database did not have them). */
  unverified?: string[];
  /** Where the tree came from: the Go module proxy (the default), a git repository the user named, a local checkout. */
  origin?: 'proxy' | 'git' | 'checkout';
  /** A tree from a git source: the repository, the tree hash at the commit, and why git rather than the proxy. */
  git?: GitOrigin;
};

export type GitOrigin = { repository: string; tree: string; why?: string };

/** One dependency as the binary itself reports it (`go version -m`), after replace directives. */
export type BuildDep = { path: string; version: string; sum?: string; replacedBy?: { path: string; version: string; sum?: string } };

export type Provenance = {
  component: ComponentId;
  requested: string;
  resolved: string;
  module: string;
  sum?: string;
  commit?: string;
  /** Where the tree came from (absent: the Go module proxy); a git tree has no checksum-database entry. */
  origin?: 'proxy' | 'git' | 'checkout';
  git?: GitOrigin;
  /** Requirements the proxy refused, replaced with trees of other configured git sources (path@version → commit). */
  fromGit?: Record<string, string>;
  /** From the binary: Go version and the dependencies compiled in (for Go components). */
  goVersion?: string;
  /** The main module as the binary reports it; "(devel)" for a build inside a source tree. */
  main?: { path: string; version: string; sum?: string };
  deps?: BuildDep[];
  /** Module overrides the cell asked for (e.g. the operator rebuilt with another MCAD). */
  overrides?: Record<string, string>;
  binarySha256?: string;
  imageDigest?: string;
  /** SDK: the wheel installed and its hash. */
  wheel?: { file: string; sha256: string };
  /** SDK: its dependencies resolved as PyPI served them before this time (the day after its release). */
  resolvedBefore?: string;
  /** Where what ran differs from what was asked for, in words. */
  differences: string[];
};

/** A built Go component: the binary and its provenance. */
export type Built = { source: Source; binary: string; provenance: Provenance };

/** A CodeFlare SDK installed in its own virtualenv. */
export type Sdk = { version: string; venv: string; python: string; provenance: Provenance };
