// What the component layer hands to installers and reports: where a component's code came from,
// the binary built from it, and the provenance of what actually runs.
import type { ComponentId } from '../../matrix/catalog/index.js';
import type { BuildDep, Provenance } from '../../model/results.js';

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

export type GitOrigin = NonNullable<Provenance['git']>;
export type { BuildDep, Provenance };

/** A built Go component: the binary and its provenance. */
export type Built = { source: Source; binary: string; provenance: Provenance };

/** A CodeFlare SDK installed in its own virtualenv; for a cell, with the tools it drives as they run there (tools.ts). */
export type Sdk = { version: string; venv: string; python: string; provenance: Provenance; tools?: ClientTool[] };

/** How one command-line tool a client drives runs for a cell: on PATH, a stand-in (named to the client by `env`), or not at all. */
export type ClientTool = { tool: string; why: string } & (
  | { how: 'path'; binary: string }
  | { how: 'stand-in'; standIn: string; version: string; binary: string; env: string; commands: string[] }
  | { how: 'none' }
);
