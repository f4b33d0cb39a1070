import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { configJsonSchema, loadConfig, parseConfig, seconds } from './config.js';
import { defaultConfigPath } from '../lib/paths.js';

test('the JSON Schema file is generated from the config schema (npm run schema)', () => {
  const file = JSON.parse(readFileSync(new URL('./config.schema.json', import.meta.url), 'utf8'));
  expect(file).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
});

test('every config field explains itself to an editor (a description in the JSON Schema)', () => {
  const undescribed: string[] = [];
  const walk = (node: Record<string, unknown>, at: string): void => {
    for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>)) {
      if (!child.description) undescribed.push(`${at}${key}`);
      walk(child, `${at}${key}.`);
      if (child.items) walk(child.items as Record<string, unknown>, `${at}${key}[].`);
      if (child.additionalProperties && typeof child.additionalProperties === 'object') for (const alt of ((child.additionalProperties as { anyOf?: Record<string, unknown>[] }).anyOf ?? [child.additionalProperties])) walk(alt as Record<string, unknown>, `${at}${key}.*.`);
    }
  };
  walk(configJsonSchema() as Record<string, unknown>, '');
  expect(undescribed).toEqual([]);
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

test("a baseline's selector names components: an unknown one is said with the components to choose from", () => {
  const e = (() => {
    try {
      parseConfig('kubernetes: ["1.31"]\nbaseline: { nosuch: v1.0.0 }\n', 'b.yaml');
    } catch (err) {
      return err as { message: string; where?: string; fix?: string };
    }
  })();
  expect(e).toMatchObject({ message: 'unknown component "nosuch" in baseline', where: expect.stringMatching(/^b\.yaml:2:\d+$/), fix: expect.stringMatching(/^use one of: .*kuberay/) });
});
