// Which webhooks a process-mode install waits for: those for resources the server has.
import { test, expect } from '@playwright/test';
import { forServed } from './process.js';

test('a webhook counts when its rules name a served resource (core, grouped, a subresource, a wildcard); one for a kind not installed does not', () => {
  const has = new Set(['pods', 'rayclusters.ray.io', 'jobs.batch']);
  expect(forServed([{ apiGroups: [''], resources: ['pods'] }], has)).toBe(true);
  expect(forServed([{ apiGroups: ['ray.io'], resources: ['rayclusters'] }], has)).toBe(true);
  expect(forServed([{ apiGroups: ['batch'], resources: ['jobs/status'] }], has)).toBe(true);
  expect(forServed([{ apiGroups: ['*'], resources: ['anything'] }], has)).toBe(true);
  expect(forServed([{ apiGroups: ['kubeflow.org'], resources: ['mpijobs'] }], has)).toBe(false);
  expect(forServed([{ apiGroups: ['ray.io'], resources: ['rayjobs'] }], has)).toBe(false);
  expect(forServed(undefined, has)).toBe(false);
});
