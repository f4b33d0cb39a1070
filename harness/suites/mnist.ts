// A synthetic MNIST: a stand-in for the data set the operator's MNIST e2e downloads (mnist.py
// requests `${MNIST_DATASET_URL}<name>`, torchvision its mirrors' `<name>.gz`). Deterministic idx
// files, 60 000 train + 10 000 test 28×28 images of seven-segment digits with jitter and noise, so a
// model learns something; the tests assert only that the job succeeds. Made once at
// home()/datasets/mnist-synthetic-<GENERATOR>/, every file's sha256 in manifest.json, and recorded
// in a cell's results as a stand-in (mnistRecord), never as the real data set.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { publishDir } from '../../lib/files.js';
import { home } from '../../lib/paths.js';
import type { Dataset } from '../../model/results.js';

/** Bump when the images change: a new folder, new hashes. */
export const GENERATOR = 'v1';
const SEED = 0x4d4e4953;
const SIDE = 28;
/** The upstream mirror's names (torchvision datasets/mnist.py resources; operator test/e2e/mnist.py datasetFiles). */
export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;
export const COUNTS = { train: 60_000, t10k: 10_000 } as const;

const Manifest = z.object({ generator: z.string(), seed: z.number(), counts: z.object({ train: z.number(), t10k: z.number() }), files: z.array(z.object({ file: z.string(), sha256: z.string(), size: z.number() })), createdAt: z.string() });
export type MnistManifest = z.infer<typeof Manifest>;

/** mulberry32: a small seeded generator, the same numbers on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Seven segments (top, top-left, top-right, middle, bottom-left, bottom-right, bottom) per digit.
const SEGMENTS = ['1110111', '0010010', '1011101', '1011011', '0111010', '1101011', '1101111', '1010010', '1111111', '1111011'];
// Each segment as a rectangle [x0, y0, x1, y1) in a 12×20 box.
const RECTS: [number, number, number, number][] = [[2, 0, 10, 2], [0, 1, 2, 10], [10, 1, 12, 10], [2, 9, 10, 11], [0, 10, 2, 19], [10, 10, 12, 19], [2, 18, 10, 20]];

/** One split: idx images (magic 2051) and labels (magic 2049). */
function split(count: number, next: () => number): { images: Buffer; labels: Buffer } {
  const images = Buffer.alloc(16 + count * SIDE * SIDE);
  images.writeUInt32BE(2051, 0);
  images.writeUInt32BE(count, 4);
  images.writeUInt32BE(SIDE, 8);
  images.writeUInt32BE(SIDE, 12);
  const labels = Buffer.alloc(8 + count);
  labels.writeUInt32BE(2049, 0);
  labels.writeUInt32BE(count, 4);
  for (let i = 0; i < count; i++) {
    const digit = Math.floor(next() * 10);
    labels[8 + i] = digit;
    const base = 16 + i * SIDE * SIDE;
    const dx = 8 + Math.floor(next() * 5) - 2, dy = 4 + Math.floor(next() * 5) - 2;
    const ink = 180 + Math.floor(next() * 76);
    SEGMENTS[digit]!.split('').forEach((on, s) => {
      if (on !== '1') return;
      const [x0, y0, x1, y1] = RECTS[s]!;
      for (let y = y0 + dy; y < y1 + dy; y++) for (let x = x0 + dx; x < x1 + dx; x++) if (x >= 0 && x < SIDE && y >= 0 && y < SIDE) images[base + y * SIDE + x] = ink;
    });
    for (let k = 0; k < 20; k++) images[base + Math.floor(next() * SIDE * SIDE)] = Math.floor(next() * 128); // noise
  }
  return { images, labels };
}

export const mnistDir = (): string => join(home(), 'datasets', `mnist-synthetic-${GENERATOR}`);

/** Makes sure the synthetic MNIST exists (each file raw and gzipped), and returns its folder and manifest. */
export async function ensureMnist(): Promise<{ dir: string; manifest: MnistManifest }> {
  const dir = mnistDir();
  try {
    const m = Manifest.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    if (m.files.every((f) => existsSync(join(dir, f.file)))) return { dir, manifest: m };
  } catch {
    // not made yet
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const next = prng(SEED);
  const train = split(COUNTS.train, next);
  const t10k = split(COUNTS.t10k, next);
  const content: Record<(typeof MNIST_FILES)[number], Buffer> = { 'train-images-idx3-ubyte': train.images, 'train-labels-idx1-ubyte': train.labels, 't10k-images-idx3-ubyte': t10k.images, 't10k-labels-idx1-ubyte': t10k.labels };
  const files: MnistManifest['files'] = [];
  for (const name of MNIST_FILES) {
    // gzip's header carries no time from Node's zlib: the same bytes every time.
    for (const [file, bytes] of [[name, content[name]], [`${name}.gz`, gzipSync(content[name])]] as const) {
      await writeFile(join(tmp, file), bytes);
      files.push({ file, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
    }
  }
  const manifest: MnistManifest = { generator: GENERATOR, seed: SEED, counts: { ...COUNTS }, files, createdAt: new Date().toISOString() };
  await mkdir(join(home(), 'datasets'), { recursive: true });
  await publishDir(tmp, dir, manifest);
  return { dir, manifest };
}

/** The stand-in as a cell records it: what it is, where it was served, and its files' hashes. */
export function mnistRecord(manifest: MnistManifest, url: string): Dataset {
  return {
    name: 'MNIST',
    standIn: `synthetic (codeflare-matrix generator ${manifest.generator}, seed ${manifest.seed}): ${manifest.counts.train} train + ${manifest.counts.t10k} test seven-segment digits, not the LeCun et al. data set`,
    url,
    files: manifest.files.filter((f) => f.file.endsWith('.gz')).map(({ file, sha256 }) => ({ file, sha256 })),
  };
}
