import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { configJsonSchema, loadConfig, parseConfig, seconds } from './config.js';
import { defaultConfigPath } from '../harness/paths.js';

test('the JSON Schema file is generated from the config schema (npm run schema)', () => {
  const file = JSON.parse(readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8'));
  expect(file).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
});

test('the default config is valid and has one operator row per era A–D', () => {
  const { config } = loadConfig(defaultConfigPath);
  expect(config.provider).toBe('local');
  expect(config.components['codeflare-operator']).toEqual(['v0.2.3', 'v1.2.0', 'v1.4.1', 'v1.16.0']);
});

test('defaults, durations and the config hash', () => {
  const a = parseConfig('kubernetes: "1.27"', 'a.yaml');
  expect(a.config).toMatchObject({ strategy: 'full', provider: 'local', retries: 1, suites: ['*'] });
  expect(seconds(a.config.timeouts.install)).toBe(900);
  expect(seconds('90s')).toBe(90);
  expect(seconds('1.5h')).toBe(5400);
  expect(parseConfig('kubernetes: "1.27"\n# a comment', 'b.yaml').hash).toBe(a.hash);
  expect(parseConfig('kubernetes: "1.31"', 'c.yaml').hash).not.toBe(a.hash);
});
