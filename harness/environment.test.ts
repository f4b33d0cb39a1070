// The table of events that say the environment, on events recorded from clusters of the harness's
// own (testdata/events.json), and the time windows they are laid over.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { causeIn, environmentEvent, podRequest, quantity, type KubeEvent } from './environment.js';

const recorded = (JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', 'events.json'), 'utf8')) as { items: KubeEvent[] }).items;
const find = (reason: string, message: RegExp) => recorded.find((e) => e.reason === reason && message.test(e.message ?? ''))!;

test('recorded events: no node with room, an image no registry here serves say the environment; the rest (a probe, the pull error that only names itself) do not', () => {
  const kindScheduler = find('FailedScheduling', /^0\/1 nodes/);
  expect(environmentEvent(kindScheduler)).toEqual({
    what: 'capacity',
    at: Date.parse(kindScheduler.firstTimestamp!),
    seconds: true,
    line: 'rec/big: 0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..',
  });
  // a scheduler that writes events.k8s.io events: eventTime, to the microsecond
  const localScheduler = find('FailedScheduling', /^0\/2 nodes/);
  expect(environmentEvent(localScheduler)).toMatchObject({ what: 'capacity', at: Date.parse(localScheduler.eventTime!), seconds: false });
  expect(environmentEvent(find('Failed', /^Failed to pull image/))).toMatchObject({ what: 'image-pull', line: expect.stringMatching(/^rec\/unreachable: Failed to pull image "quay\.io\/codeflare-matrix-test\/absent:1\.0": .*no such host$/) });
  expect(environmentEvent(find('Failed', /^Error: ErrImagePull$/))).toBeUndefined();
  expect(environmentEvent(find('Failed', /^Error: ImagePullBackOff$/))).toBeUndefined();
  expect(environmentEvent(find('Unhealthy', /Readiness probe failed/))).toBeUndefined();
  expect(recorded.map(environmentEvent).filter(Boolean)).toHaveLength(3);
});

test('events the component can cause itself are not the environment: a selector no node fits, an image name a registry does not have, a pod over its own limit', () => {
  // Written in the scheduler's and the kubelet's words (no machine here ran low on memory, nor reached a registry that said "not found").
  const ev = (reason: string, message: string): KubeEvent => ({ type: 'Warning', reason, message, involvedObject: { kind: 'Pod', namespace: 'ns', name: 'p' }, firstTimestamp: '2026-01-01T00:00:00Z' });
  expect(environmentEvent(ev('FailedScheduling', "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."))).toBeUndefined();
  expect(environmentEvent(ev('FailedScheduling', '0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 Insufficient cpu.'))?.what).toBe('capacity');
  expect(environmentEvent(ev('Failed', 'Failed to pull image "quay.io/org/tool:v9": rpc error: code = NotFound desc = failed to pull and unpack image "quay.io/org/tool:v9": not found'))).toBeUndefined();
  expect(environmentEvent(ev('Evicted', 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 60Mi.'))?.what).toBe('node-pressure');
  expect(environmentEvent(ev('Evicted', 'Pod ephemeral local storage usage exceeds the total limit of containers 1Gi.'))).toBeUndefined();
  expect(environmentEvent({ ...ev('FailedScheduling', '0/1 nodes are available: 1 Insufficient cpu.'), type: 'Normal' })).toBeUndefined();
});

test("a failure's window: events that began in it are its cause (deduplicated, capped), those before or after are not", () => {
  const at = (iso: string, line: string, seconds = false) => ({ what: 'capacity', at: Date.parse(iso), seconds, line });
  const events = [at('2026-01-01T00:00:05.100Z', 'a/p: 0/1 nodes are available: 1 Insufficient cpu.'), at('2026-01-01T00:00:06.000Z', 'a/p: 0/1 nodes are available: 1 Insufficient cpu.'), at('2026-01-01T00:00:20Z', 'b/q: later')];
  const window = (from: string, to: string) => causeIn(events, Date.parse(from), Date.parse(to), 'test');
  expect(window('2026-01-01T00:00:05Z', '2026-01-01T00:00:10Z')).toEqual({ by: 'environment', what: 'capacity', evidence: ['a/p: 0/1 nodes are available: 1 Insufficient cpu.'], scope: 'test' });
  expect(window('2026-01-01T00:00:05.200Z', '2026-01-01T00:00:05.900Z')).toBeUndefined();
  expect(window('2026-01-01T00:00:10Z', '2026-01-01T00:00:19Z')).toBeUndefined();
  // a time in whole seconds happened somewhen in that second
  expect(causeIn([at('2026-01-01T00:00:05Z', 'x', true)], Date.parse('2026-01-01T00:00:05.500Z'), Date.parse('2026-01-01T00:00:09Z'), 'test')?.evidence).toEqual(['x']);
  const many = Array.from({ length: 14 }, (_, i) => ({ what: i % 2 ? 'image-pull' : 'capacity', at: 1000, seconds: false, line: `ns/p${i}: …` }));
  expect(causeIn(many, 0, 2000, 'suite')).toMatchObject({ what: 'capacity, image-pull', evidence: [...many.slice(0, 10).map((e) => e.line), '… and 4 more'], scope: 'suite' });
});

test("a pod's request as the scheduler counts it, and quantities as Kubernetes writes them", () => {
  expect([quantity('2'), quantity('1550m'), quantity('1.5Gi'), quantity('64Gi'), quantity('129M'), quantity('1e3'), quantity(undefined)]).toEqual([2, 1.55, 1.5 * 2 ** 30, 64 * 2 ** 30, 129e6, 1000, 0]);
  const pod = (containers: string[], init: string[] = [], overhead?: string): V1Pod => ({
    spec: { containers: containers.map((cpu, i) => ({ name: `c${i}`, resources: { requests: { cpu } } })), initContainers: init.map((cpu, i) => ({ name: `i${i}`, resources: { requests: { cpu } } })), ...(overhead ? { overhead: { cpu: overhead } } : {}) },
  });
  expect(podRequest(pod(['100m', '250m']), 'cpu')).toBeCloseTo(0.35);
  expect(podRequest(pod(['100m'], ['500m', '200m']), 'cpu')).toBeCloseTo(0.5);
  expect(podRequest(pod(['100m'], [], '50m'), 'cpu')).toBeCloseTo(0.15);
  expect(podRequest(pod(['100m']), 'memory')).toBe(0);
});
