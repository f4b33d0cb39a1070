import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { stringify } from 'yaml';
import type { ComponentId } from '../../../matrix/catalog/index.js';
import { resolveSource } from '../source.js';
import type { Installed } from './common.js';
import { fieldsDropped } from './skew.js';
import { noteDrops, type InstallContext } from './index.js';
import { added } from '../../../lib/crd.js';
import { dropLine } from '../../../model/results.js';

test('the fields a schema added, each at its highest new level', () => {
  const then = { properties: { spec: { properties: { entrypoint: {}, template: { properties: { a: {} } } } } } };
  const now = { properties: { spec: { properties: { entrypoint: {}, mode: {}, deadline: { properties: { seconds: {} } }, template: { properties: { a: {}, b: {} } }, list: { items: { properties: { x: {} } } } } } } };
  expect(added(now, then)).toEqual(['spec.mode', 'spec.deadline', 'spec.template.b', 'spec.list']);
  expect(added(then, then)).toEqual([]);
});

test('a webhook built with controller-runtime before v0.20 and an older API of another component\'s kind: the fields it removes, named from both versions\' CRDs (KubeRay v1.1.0 beside Kueue v0.6.2\'s v1.1.0-alpha.0; v1.3.2 beside the operator v1.16.0\'s v1.2.1)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-skew-'));
  try {
    // KubeRay v1.1.0 as the Go module proxy serves it: its RayJob CRD is what the cell applies
    const kuberay = await resolveSource('kuberay', 'v1.1.0');
    const crd = readFileSync(join(kuberay.dir, 'config/crd/bases/ray.io_rayjobs.yaml'), 'utf8');
    writeFileSync(join(dir, 'kuberay.yaml'), crd);
    // Kueue's mutating webhook for RayJobs, as kueue@v0.6.2 config/components/webhook/manifests.yaml has it
    const hook = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'kueue-mutating-webhook-configuration' }, webhooks: [{ name: 'mrayjob.kb.io', rules: [{ apiGroups: ['ray.io'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['rayjobs'] }] }] };
    writeFileSync(join(dir, 'kueue.yaml'), stringify(hook));
    const provenance = (component: string, module: string, resolved: string, deps: [string, string][]) => ({ component, requested: resolved, resolved, module, deps: deps.map(([path, version]) => ({ path, version })), differences: [] });
    const stack = (cr: string, api: string) =>
      [
        { component: 'kuberay', version: 'v1.1.0', provenance: provenance('kuberay', 'github.com/ray-project/kuberay/ray-operator', 'v1.1.0', []) },
        { component: 'kueue', version: 'v0.6.2', provenance: provenance('kueue', 'sigs.k8s.io/kueue', 'v0.6.2', [['sigs.k8s.io/controller-runtime', cr], ['github.com/ray-project/kuberay/ray-operator', api]]) },
      ] as unknown as Installed[];
    const owned = (id: ComponentId) => join(dir, `${id}.yaml`);
    const drops = (await fieldsDropped(stack('v0.17.5', 'v1.1.0-alpha.0'), owned)).get('kueue');
    expect(drops).toEqual([{ webhook: 'mrayjob.kb.io', kind: 'RayJob', api: { component: 'kuberay', version: 'v1.1.0-alpha.0' }, controllerRuntime: 'v0.17.5', runs: 'v1.1.0', fields: expect.any(Array) }]);
    expect(drops![0]!.fields.sort()).toEqual(['spec.activeDeadlineSeconds', 'spec.submissionMode']);
    expect(dropLine({ component: 'kueue', resolved: 'v0.6.2' }, drops![0]!)).toBe("kueue v0.6.2's mutating webhook mrayjob.kb.io re-encodes each RayJob it admits with kuberay's API at v1.1.0-alpha.0 (controller-runtime v0.17.5): it removes what kuberay v1.1.0 added, spec.activeDeadlineSeconds, spec.submissionMode");
    // controller-runtime v0.20 keeps unknown fields; the same API version drops nothing
    expect((await fieldsDropped(stack('v0.20.3', 'v1.1.0-alpha.0'), owned)).size).toBe(0);
    expect((await fieldsDropped(stack('v0.17.5', 'v1.1.0'), owned)).size).toBe(0);
    // The operator v1.16.0 in its published row: its RayCluster webhook (controller-runtime replaced
    // by v0.19.3, KubeRay's API by v1.2.1, codeflare-operator@v1.16.0 go.mod) beside KubeRay v1.3.2
    const v132 = await resolveSource('kuberay', 'v1.3.2');
    writeFileSync(join(dir, 'kuberay.yaml'), readFileSync(join(v132.dir, 'config/crd/bases/ray.io_rayclusters.yaml'), 'utf8'));
    writeFileSync(join(dir, 'codeflare-operator.yaml'), stringify({ ...hook, webhooks: [{ name: 'mraycluster.ray.openshift.ai', rules: [{ apiGroups: ['ray.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['rayclusters'] }] }] }));
    const row = [
      { component: 'kuberay', version: 'v1.3.2', provenance: provenance('kuberay', 'github.com/ray-project/kuberay/ray-operator', 'v1.3.2', []) },
      { component: 'codeflare-operator', version: 'v1.16.0', provenance: provenance('codeflare-operator', 'github.com/project-codeflare/codeflare-operator', 'v1.16.0', [['sigs.k8s.io/controller-runtime', 'v0.19.3'], ['github.com/ray-project/kuberay/ray-operator', 'v1.2.1']]) },
    ] as unknown as Installed[];
    const op = (await fieldsDropped(row, owned)).get('codeflare-operator')!;
    expect(op[0]!.fields.sort()).toEqual(['spec.gcsFaultToleranceOptions', 'spec.managedBy', 'spec.workerGroupSpecs.[].idleTimeoutSeconds', 'spec.workerGroupSpecs.[].suspend']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the skew read again after an upgrade: the drop of the stack as installed goes from the provenance when the upgraded component no longer drops', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-skew-'));
  try {
    const kuberay = await resolveSource('kuberay', 'v1.1.0');
    const file = (id: string, body: string) => {
      mkdirSync(join(dir, 'components', id), { recursive: true });
      writeFileSync(join(dir, 'components', id, `${id}-owned.yaml`), body);
    };
    file('kuberay', readFileSync(join(kuberay.dir, 'config/crd/bases/ray.io_rayjobs.yaml'), 'utf8'));
    file('kueue', stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'kueue-mutating-webhook-configuration' }, webhooks: [{ name: 'mrayjob.kb.io', rules: [{ apiGroups: ['ray.io'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['rayjobs'] }] }] }));
    const kueue = (cr: string) => ({ component: 'kueue', version: 'v0.6.2', provenance: { component: 'kueue', requested: 'v0.6.2', resolved: 'v0.6.2', module: 'sigs.k8s.io/kueue', deps: [{ path: 'sigs.k8s.io/controller-runtime', version: cr }, { path: 'github.com/ray-project/kuberay/ray-operator', version: 'v1.1.0-alpha.0' }], differences: ['a difference of its own'] } });
    const stack = [{ component: 'kuberay', version: 'v1.1.0', provenance: { component: 'kuberay', requested: 'v1.1.0', resolved: 'v1.1.0', module: 'github.com/ray-project/kuberay/ray-operator', deps: [], differences: [] } }, kueue('v0.17.5')] as unknown as Installed[];
    const ctx = { cluster: { dir } } as unknown as InstallContext;
    await noteDrops(ctx, stack);
    expect(stack[1]!.provenance.drops).toHaveLength(1);
    expect(stack[1]!.provenance.differences).toEqual(['a difference of its own', expect.stringContaining('removes what kuberay v1.1.0 added')]);
    // the same stack read again: the line once, not twice
    await noteDrops(ctx, stack);
    expect(stack[1]!.provenance.differences).toHaveLength(2);
    // Kueue upgraded in place to a build whose controller-runtime keeps unknown fields
    stack[1] = { ...kueue('v0.20.3'), provenance: { ...kueue('v0.20.3').provenance, drops: stack[1]!.provenance.drops!, differences: stack[1]!.provenance.differences } } as unknown as Installed;
    await noteDrops(ctx, stack);
    expect(stack[1]!.provenance.drops).toBeUndefined();
    expect(stack[1]!.provenance.differences).toEqual(['a difference of its own']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
