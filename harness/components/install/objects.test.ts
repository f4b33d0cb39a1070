// The files an install writes for kubectl and reads back (lib/objects.ts), and the CRDs of a tree
// kept as JSON once read (skew.ts treeCrds). kubectl taking these files is shown by every install
// test (install.test.ts, stack.test.ts): they apply and uninstall through them.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { stringify } from 'yaml';
import { parseObjects, readObjects, writeObjects } from '../../../lib/objects.js';
import { treeCrds } from './skew.js';
import { render } from './common.js';
import { resolveSource } from '../source.js';
import { testKubernetes, toolchainEntry } from '../../toolchain/index.js';
import type { InstallContext } from './context.js';

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { a: '1' } });

test('objects written as one v1 List read back the same; a YAML stream and a single JSON object read too, documents without a kind left out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-objects-'));
  try {
    const file = join(dir, 'owned.yaml');
    writeObjects(file, [cm('a'), cm('b')]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(readObjects(file)).toEqual([cm('a'), cm('b')]);
    expect(parseObjects(`${stringify(cm('a'))}---\n# only a comment\n---\n${stringify(cm('b'))}`)).toEqual([cm('a'), cm('b')]);
    expect(parseObjects(JSON.stringify(cm('c')))).toEqual([cm('c')]);
    expect(() => parseObjects('{"kind": "List", "items": [')).toThrow();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a tree's CRDs at a version are read once: kept as JSON, they come back the same with the YAML gone", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-kept-'));
  const before = process.env.CODEFLARE_MATRIX_HOME;
  process.env.CODEFLARE_MATRIX_HOME = join(dir, 'home');
  try {
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'config/crd/bases'), { recursive: true });
    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'rayjobs.ray.io' }, spec: { group: 'ray.io', names: { kind: 'RayJob', plural: 'rayjobs' }, versions: [{ name: 'v1', storage: true, schema: { openAPIV3Schema: { properties: { spec: { properties: { entrypoint: { type: 'string' } } } } } } }] } };
    writeFileSync(join(tree, 'config/crd/bases/ray.io_rayjobs.yaml'), stringify(crd));
    writeFileSync(join(tree, 'config/crd/bases/kustomization.yaml'), stringify({ resources: ['ray.io_rayjobs.yaml'] }));
    const first = await treeCrds('kuberay', 'v1.1.0', tree);
    expect(first).toEqual([crd]);
    rmSync(join(tree, 'config'), { recursive: true });
    expect(await treeCrds('kuberay', 'v1.1.0', tree)).toEqual(first);
    // another version of the same folder is another tree: nothing kept for it
    expect(await treeCrds('kuberay', 'v1.2.2', tree)).toEqual([]);
  } finally {
    if (before === undefined) delete process.env.CODEFLARE_MATRIX_HOME;
    else process.env.CODEFLARE_MATRIX_HOME = before;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a component's manifests at a fixed version are rendered once and kept; a checkout with changes is rendered every time", async () => {
  const source = await resolveSource('kuberay', 'v1.3.2');
  // rendering needs no cluster: kubectl kustomize
  const ctx = { kubectl: toolchainEntry('kubernetes', testKubernetes('>=1.29.0')).bin.kubectl! } as InstallContext;
  const dir = mkdtempSync(join(tmpdir(), 'cfm-rendered-'));
  const before = process.env.CODEFLARE_MATRIX_HOME;
  process.env.CODEFLARE_MATRIX_HOME = join(dir, 'home');
  try {
    const built = { source, binary: '', provenance: {} } as never;
    const first = await render(ctx, 'kuberay', built);
    expect(first.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort()).toEqual(['rayclusters.ray.io', 'rayjobs.ray.io', 'rayservices.ray.io']);
    const kept = readdirSync(join(dir, 'home/rendered/kuberay'));
    expect(kept).toHaveLength(1);
    expect(await render(ctx, 'kuberay', built)).toEqual(first);
    // a kept file that does not read (cut short, edited) is rendered again
    writeFileSync(join(dir, 'home/rendered/kuberay', kept[0]!), '{"kind": "List", "items": [');
    expect(await render(ctx, 'kuberay', built)).toEqual(first);
    await render(ctx, 'kuberay', { source: { ...source, dirty: true }, binary: '', provenance: {} } as never);
    expect(readdirSync(join(dir, 'home/rendered/kuberay'))).toEqual(kept);
  } finally {
    if (before === undefined) delete process.env.CODEFLARE_MATRIX_HOME;
    else process.env.CODEFLARE_MATRIX_HOME = before;
    rmSync(dir, { recursive: true, force: true });
  }
});
