// Waits say what they saw last: a timeout names the last value or error, not only what was awaited.
import { test, expect } from '@playwright/test';
import { rejection, until } from './testing.js';

test('until: a timeout reports the last value, or the last error', async () => {
  let n = 0;
  const value = await rejection(until('three polls', async () => (n++, false), 600));
  expect(value.message).toMatch(/^timed out after 1 s waiting for three polls; last value: false$/);
  const error = await rejection(until('a pod', async () => Promise.reject(Object.assign(new Error('HTTP-Code: 404'), { body: '{"kind":"Status","message":"pods \\"x\\" not found"}' })), 300));
  expect(error.message).toBe('timed out after 0 s waiting for a pod; last error: pods "x" not found');
  expect(await until('a value', async () => (n > 0 ? n : undefined))).toBeGreaterThan(0);
});
