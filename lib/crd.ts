// What a mutating webhook built with an older API of a custom resource removes from it. Such a
// webhook decodes each object into the Go types it was compiled with, defaults it, and answers with a
// patch from its re-encoding; before controller-runtime v0.20 that patch removes every field those
// types lack (v0.20.0 pkg/webhook/admission/defaulter_custom.go keeps them unless
// DefaulterRemoveUnknownOrOmitableFields). The fields are the CRD's at the version the cluster runs
// that the CRD at the webhook's version lacks.
import semver from 'semver';

export type Schema = { properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean };
export type Crd = { kind: string; metadata: { name: string }; spec: { group: string; names: { kind: string; plural: string }; versions: { name: string; storage?: boolean; schema?: { openAPIV3Schema?: Schema } }[] } };
export type Hook = { name: string; rules?: { apiGroups?: string[]; apiVersions?: string[]; resources?: string[]; operations?: string[] }[] };

/** Webhook defaulting in controller-runtime keeps unknown fields from this version on. */
const KEEPS_UNKNOWN = '0.20.0';

/** Whether a controller-runtime version answers its defaulting webhooks with a patch that drops unknown fields. */
export const dropsUnknown = (controllerRuntime: string | undefined): boolean => {
  const v = controllerRuntime?.replace(/^v/, '');
  return !!v && !!semver.valid(v) && semver.lt(v, KEEPS_UNKNOWN);
};

/** Every property path of a schema (`spec.submissionMode`; list items as `[]`). */
function paths(s: Schema | undefined, at = ''): string[] {
  if (!s) return [];
  const own = Object.entries(s.properties ?? {}).flatMap(([k, v]) => [`${at}${k}`, ...paths(v, `${at}${k}.`)]);
  return [...own, ...paths(s.items, `${at}[].`), ...(typeof s.additionalProperties === 'object' ? paths(s.additionalProperties, `${at}*.`) : [])];
}

/** The fields a schema has and an older one lacks, each named once at its highest new level. */
export function added(now: Schema | undefined, then: Schema | undefined): string[] {
  const old = new Set(paths(then));
  const fresh = paths(now).filter((p) => !old.has(p));
  return fresh.filter((p) => !fresh.some((q) => p.startsWith(`${q}.`)));
}

/**
 * Fields of the resource's own types: status is written through its subresource, which no such
 * webhook takes; Kubernetes' own types inside (pod templates, resource requirements) are decoded
 * with the controller's own k8s.io/api, not the other component's API, so left out.
 */
const own = (field: string) => !field.startsWith('status') && !/(^|\.)(template|resources)\./.test(field);

const schemaOf = (crd: Crd | undefined, version: string | undefined) => (crd?.spec.versions.find((v) => v.name === version) ?? crd?.spec.versions.find((v) => v.storage))?.schema?.openAPIV3Schema;

type Rule = NonNullable<Hook['rules']>[number];
/** Whether a rule admits objects of a CRD when they are created or updated. */
const admitsTo = (rule: Rule, crd: Crd) => (rule.operations ?? []).some((op) => ['CREATE', 'UPDATE', '*'].includes(op)) && !!rule.apiGroups?.includes(crd.spec.group) && !!rule.resources?.includes(crd.spec.names.plural);

/** Whether any of the webhooks admits objects of any of the CRDs. */
export const admits = (hooks: Hook[], crds: Crd[]): boolean => hooks.some((h) => (h.rules ?? []).some((r) => crds.some((c) => admitsTo(r, c))));

/** For each webhook rule that admits (creates or updates) a kind of `now`: the fields `then` lacks. */
export function webhookDrops(hooks: Hook[], now: Crd[], then: Crd[]): { webhook: string; kind: string; fields: string[] }[] {
  const out: { webhook: string; kind: string; fields: string[] }[] = [];
  for (const hook of hooks) {
    for (const rule of hook.rules ?? []) {
      for (const crd of now.filter((c) => admitsTo(rule, c))) {
        // a kind the older API has not: its webhook is not for it
        const before = then.find((c) => c.metadata.name === crd.metadata.name);
        const version = rule.apiVersions?.find((v) => crd.spec.versions.some((x) => x.name === v));
        const fields = before ? added(schemaOf(crd, version), schemaOf(before, version)).filter(own) : [];
        if (fields.length) out.push({ webhook: hook.name, kind: crd.spec.names.kind, fields });
      }
    }
  }
  return out;
}
