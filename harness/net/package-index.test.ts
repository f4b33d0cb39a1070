// The package index the cluster's pip reaches and the synthetic MNIST beside it: a small real pin
// set downloaded from PyPI, served as a simple index and installed with pip into a fresh virtualenv;
// the MNIST files parsed back as idx. No torch here: the real pin sets are gigabytes.
import { test, expect } from '@playwright/test';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadCatalog, pinSetsOf } from '../../matrix/catalog/index.js';
import { run } from '../../lib/exec.js';
import { repoRoot } from '../../lib/paths.js';
import { scratchDir } from '../../lib/testing.js';
import { sha256File } from '../toolchain/entry.js';
import { ensureWheelhouse, wheelhouseKey } from '../toolchain/wheelhouse.js';
import { COUNTS, ensureMnist, MNIST_FILES, mnistRecord } from '../suites/mnist.js';
import { pinSetsToServe } from '../suites/served.js';
import { upstreamSuite } from '../suites/catalog.js';
import { indexEnv, servePackageIndex } from './package-index.js';

test.describe.configure({ mode: 'serial', timeout: 10 * 60_000 });

const saved = process.env.CODEFLARE_MATRIX_HOME;
test.beforeAll(() => {
  process.env.CODEFLARE_MATRIX_HOME = scratchDir('cfm-index');
});
test.afterAll(() => {
  if (saved === undefined) delete process.env.CODEFLARE_MATRIX_HOME;
  else process.env.CODEFLARE_MATRIX_HOME = saved;
});

/** pip with nothing of this machine's configuration: no pip.conf, no find-links, no cache. */
const pipEnv = { PIP_CONFIG_FILE: '/dev/null', PIP_FIND_LINKS: '', PIP_NO_CACHE_DIR: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PIP_INDEX_URL: '', PIP_EXTRA_INDEX_URL: '' };

test('the catalog’s pin sets: the operator’s MNIST e2e at each era’s tags', () => {
  const catalog = loadCatalog();
  expect(pinSetsOf(catalog, 'codeflare-operator', 'v0.2.3').map((p) => p.requirements)).toEqual([['pytorch_lightning==1.5.10', 'torchmetrics==0.9.1', 'torchvision==0.12.0']]);
  expect(pinSetsOf(catalog, 'codeflare-operator', 'v1.10.0').map((p) => p.python)).toEqual(['3.9']);
  expect(pinSetsOf(catalog, 'codeflare-operator', 'v1.16.0').map((p) => p.requirements.find((r) => r.startsWith('torchvision')))).toEqual(['torchvision==0.20.1', 'torchvision==0.19.1']);
  expect(pinSetsOf(catalog, 'kuberay', 'v1.3.2')).toEqual([]);
  // what the tests that run install: v1.16.0's PyTorch Job the 2.4 set, its RayJobs their own; v1.14.0's RayJobs the PyTorch Job's (the same pins)
  const wants = (v: string) => upstreamSuite('codeflare-operator', v)!.tests.filter((t) => !t.reason).map((t) => t.needs?.packageIndex);
  expect(pinSetsToServe('codeflare-operator', 'v1.16.0', wants('v1.16.0')).map((p) => p.id)).toEqual(['operator-mnist-pl2.4', 'operator-mnist-rayjob-tv0.19']);
  expect(pinSetsToServe('codeflare-operator', 'v1.14.0', wants('v1.14.0')).map((p) => p.id)).toEqual(['operator-mnist-pl2.4']);
  expect(pinSetsToServe('codeflare-operator', 'v1.16.0', [true]).map((p) => p.id)).toEqual(['operator-mnist-pl2.4', 'operator-mnist-rayjob-tv0.19']);
  expect(() => pinSetsToServe('codeflare-operator', 'v1.10.0', [['operator-mnist-pl2.4']])).toThrow(/names pin set operator-mnist-pl2\.4 for codeflare-operator v1\.10\.0.*operator-mnist-pl1\.9/);
  expect(() => pinSetsToServe('kuberay', 'v1.3.2', [true])).toThrow(/no pin set/);
  // A test entry naming a pin set its versions lack is an error in the catalog itself, at load.
  const dir = scratchDir('catalog-');
  cpSync(join(repoRoot, 'matrix', 'catalog'), dir, { recursive: true });
  const upstream = readFileSync(join(dir, 'upstream.yaml'), 'utf8');
  writeFileSync(join(dir, 'upstream.yaml'), upstream.replace('range: ">=1.10.0 <1.13.0"\n        needs: { images: [pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime], packageIndex: true }', 'range: ">=1.10.0 <1.13.0"\n        needs: { images: [pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime], packageIndex: [operator-mnist-pl2.4] }'));
  expect(readFileSync(join(dir, 'upstream.yaml'), 'utf8')).not.toBe(upstream);
  expect(() => loadCatalog(dir)).toThrow(/codeflare-operator v1\.10\.0's test entry .*needs pin set operator-mnist-pl2\.4, which wheelhouses\.yaml has not for that version \(it has operator-mnist-pl1\.9\)/);
  // The key is the pin set's content, not its name or order.
  const a = { python: '3.9', platforms: ['manylinux2014_x86_64'], requirements: ['six==1.16.0', 'idna==3.4'] };
  expect(wheelhouseKey(a)).toBe(wheelhouseKey({ ...a, requirements: ['idna==3.4', 'six==1.16.0'] }));
  expect(wheelhouseKey(a)).not.toBe(wheelhouseKey({ ...a, python: '3.11' }));
});

test('a pin set downloaded once, served as a simple index, installed by pip from it alone', async () => {
  const pinSet = { id: 'tiny', python: '3.9', platforms: ['manylinux2014_x86_64'], before: '2024-01-01', requirements: ['six==1.16.0'] };
  const house = await ensureWheelhouse(pinSet, { log: (l) => console.log(l) });
  expect(house.manifest.files.map((f) => f.file)).toEqual(['six-1.16.0-py2.py3-none-any.whl']);
  expect(house.manifest.files[0]!.sha256).toBe(await sha256File(join(house.dir, 'files', house.manifest.files[0]!.file)));
  // Cached: the same folder, no second download.
  expect((await ensureWheelhouse(pinSet)).manifest.createdAt).toBe(house.manifest.createdAt);

  const index = await servePackageIndex({ wheelhouses: [house] });
  try {
    expect(index.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const simple = await (await fetch(`${index.indexUrl}six/`)).text();
    expect(simple).toContain(`six-1.16.0-py2.py3-none-any.whl#sha256=${house.manifest.files[0]!.sha256}`);
    expect((await fetch(`${index.url}files/..%2Fmanifest.json`)).status).toBe(404);

    const venv = join(scratchDir('cfm-index-venv'), 'venv');
    expect((await run('python3', ['-m', 'venv', venv])).ok).toBe(true);
    const pip = (args: string[]) => run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--index-url', index.indexUrl, '--trusted-host', index.trustedHost, ...args], { env: pipEnv, timeout: 120_000 });
    const ok = await pip(['six==1.16.0']);
    expect(ok.ok, ok.all).toBe(true);
    expect(ok.all).toContain(index.indexUrl);
    expect((await run(join(venv, 'bin', 'python'), ['-c', 'import six; print(six.__version__)'])).stdout.trim()).toBe('1.16.0');
    // What the wheelhouse lacks, the index does not serve: pip reaches nothing else.
    const missing = await pip(['idna==3.4']);
    expect(missing.ok).toBe(false);
    expect(missing.all).toMatch(/No matching distribution found for idna==3\.4/);
  } finally {
    await index.close();
  }
});

test('a project PyPI has only as source: served as its sdist, which pip builds from the index as the pods’ pip does', async () => {
  // future, a requirement of pytorch_lightning 1.5.10 (the operator's MNIST pin set), ships no wheel
  const pinSet = { id: 'source-only', python: '3.11', platforms: ['manylinux2014_x86_64'], before: '2024-01-01', requirements: ['future==0.18.3'], sdists: ['future'] };
  const house = await ensureWheelhouse(pinSet, { log: (l) => console.log(l) });
  // the wheel built here only to resolve is not served; what pip's isolated build fetches is
  expect(house.manifest.files.map((f) => f.file.split('-')[0])).toEqual(['future', 'setuptools', 'wheel']);
  expect(house.manifest.files[0]!.file).toBe('future-0.18.3.tar.gz');
  expect(house.manifest.pinSet.sdists).toEqual(['future']);
  expect(house.manifest.key).not.toBe(wheelhouseKey({ ...pinSet, sdists: [] }));
  const index = await servePackageIndex({ wheelhouses: [house] });
  try {
    const venv = join(scratchDir('cfm-index-venv'), 'venv');
    expect((await run('python3', ['-m', 'venv', venv])).ok).toBe(true);
    // built in pip's isolated environment, of what the index serves
    const ok = await run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--index-url', index.indexUrl, '--trusted-host', index.trustedHost, 'future==0.18.3'], { env: pipEnv, timeout: 300_000 });
    expect(ok.ok, ok.all).toBe(true);
    expect((await run(join(venv, 'bin', 'python'), ['-c', 'import future; print(future.__version__)'])).stdout.trim()).toBe('0.18.3');
  } finally {
    await index.close();
  }
});

test('the synthetic MNIST: idx files with MNIST’s magic numbers and counts, served raw and gzipped by name', async () => {
  const { dir, manifest } = await ensureMnist();
  const parse = (file: string) => {
    const raw = readFileSync(join(dir, file));
    expect(gunzipSync(readFileSync(join(dir, `${file}.gz`))).equals(raw)).toBe(true);
    return raw;
  };
  for (const split of ['train', 't10k'] as const) {
    const images = parse(`${split}-images-idx3-ubyte`);
    const labels = parse(`${split}-labels-idx1-ubyte`);
    expect([images.readUInt32BE(0), images.readUInt32BE(4), images.readUInt32BE(8), images.readUInt32BE(12)]).toEqual([2051, COUNTS[split], 28, 28]);
    expect(images.length).toBe(16 + COUNTS[split] * 28 * 28);
    expect([labels.readUInt32BE(0), labels.readUInt32BE(4)]).toEqual([2049, COUNTS[split]]);
    const seen = new Set(labels.subarray(8));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }
  expect(COUNTS).toEqual({ train: 60_000, t10k: 10_000 });

  const index = await servePackageIndex({ wheelhouses: [], mnist: { dir, files: manifest.files.map((f) => f.file) } });
  try {
    expect(indexEnv(index).MNIST_DATASET_URL).toBe(`${index.url}mnist/`);
    // mnist.py asks for `${MNIST_DATASET_URL}<name>` without .gz; torchvision's mirrors serve <name>.gz.
    for (const name of MNIST_FILES) {
      const got = Buffer.from(await (await fetch(`${index.mnistUrl}${name}`)).arrayBuffer());
      expect(got.equals(readFileSync(join(dir, name)))).toBe(true);
      expect((await fetch(`${index.mnistUrl}${name}.gz`)).status).toBe(200);
    }
    const record = mnistRecord(manifest, index.mnistUrl!);
    expect(record.standIn).toContain('synthetic');
    expect(record.files.map((f) => f.file).sort()).toEqual(MNIST_FILES.map((f) => `${f}.gz`).sort());
  } finally {
    await index.close();
  }
  // Deterministic: made again elsewhere, the same bytes.
  const first = manifest.files.map((f) => f.sha256);
  process.env.CODEFLARE_MATRIX_HOME = scratchDir('cfm-index');
  expect((await ensureMnist()).manifest.files.map((f) => f.sha256)).toEqual(first);
});
