// Helpers for tests of any folder: scratch folders and the error a promise rejects with.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratchRoots = new Map<string, string>();

/** A fresh temporary folder for a test, under one folder per worker and prefix that goes when the worker exits. */
export function scratchDir(prefix: string): string {
  let root = scratchRoots.get(prefix);
  if (!root) {
    root = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const made = root;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    scratchRoots.set(prefix, root);
  }
  return mkdtempSync(join(root, 't-'));
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}
