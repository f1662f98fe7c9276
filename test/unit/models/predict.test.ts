// Per-file predictions in both framings: `chunk` averages a file's chunk probabilities, `file` sees the file whole.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readChunks } from '../../../src/dataset/chunk-files.js';
import { selectBackend } from '../../../src/models/backend.js';
import { loadModel } from '../../../src/models/model-io.js';
import { predictFiles } from '../../../src/models/predict.js';
import { train, type TrainJob, type TrainParams } from '../../../src/models/train-loop.js';
import { writeSeparableChunks } from './separable-chunks.js';

const PARAMS: TrainParams = {
  model: 'cnn',
  input: 'chunk',
  epochs: 6,
  patience: 6,
  batchSize: 8,
  lr: 0.05,
  momentum: 0.9,
  nesterov: true,
  filters: [8, 8, 8, 8],
  kernelSizes: [16, 3, 3, 3],
  strides: [4, 1, 1, 1],
  poolSizes: [2, 2, 2, 2],
  lstmUnits: 8,
  denseUnits: 8,
  frameLength: 32,
  dropout: 0,
};

let chunkDir: string;
beforeAll(async () => {
  // Files of 1, 2 or 3 chunks of 256 samples.
  chunkDir = await writeSeparableChunks({ perClass: 20, length: 256, chunksPerFile: 3 });
});

async function trained(params: Partial<TrainParams>): Promise<string> {
  const job: TrainJob = {
    chunkDir,
    params: { ...PARAMS, ...params },
    seed: 1,
    scratchDir: mkdtempSync(join(tmpdir(), 'pipe-scratch-')),
    outDir: mkdtempSync(join(tmpdir(), 'pipe-model-')),
    backend: 'wasm',
  };
  await train(job, () => {}, () => false);
  return job.outDir;
}

const testFiles = (): string[] => [...new Set(readChunks(chunkDir).manifest.rows.filter((r) => r.split === 'test').map((r) => r.utterance))];
const accuracy = (files: { label: number; probs: number[] }[]): number =>
  files.filter((f) => f.probs.indexOf(Math.max(...f.probs)) === f.label).length / files.length;

describe('predictFiles', () => {
  it('chunk framing: one row per file, the mean of its chunks’ probabilities', async () => {
    const modelDir = await trained({ input: 'chunk' });
    const result = await predictFiles(modelDir, chunkDir, 'test', { backend: 'wasm' });
    expect(result.backend).toBe('wasm');
    expect(result.classes).toEqual(['anger', 'sadness', 'neutral']);
    expect(result.files.map((f) => f.utterance)).toEqual(testFiles());
    expect(accuracy(result.files)).toBeGreaterThan(0.7);

    // Each chunk through the saved model by hand, then averaged per file.
    const { tf } = await selectBackend('wasm');
    const model = await loadModel(tf, modelDir);
    const { manifest, chunk } = readChunks(chunkDir);
    for (const file of result.files) {
      const rows = manifest.rows.filter((r) => r.utterance === file.utterance);
      const probs = tf.tidy(() => {
        const x = tf.stack(rows.map((r) => tf.tensor2d(chunk(r.index), [manifest.length, 1])));
        return Array.from(tf.mean(model.predict(x) as tfjs.Tensor, 0).dataSync());
      });
      probs.forEach((p, k) => expect(file.probs[k]).toBeCloseTo(p, 5));
      expect(file).toMatchObject({ speaker: rows[0].speaker, label: rows[0].label });
    }
    model.dispose();
  });

  it('file framing: each file one example of maxChunks chunks, recorded in train.json', async () => {
    const modelDir = await trained({ input: 'file', model: 'cnn_lstm', epochs: 12, patience: 12 });
    expect(JSON.parse(readFileSync(join(modelDir, 'train.json'), 'utf8'))).toMatchObject({ maxChunks: 3, size: 768 });
    const result = await predictFiles(modelDir, chunkDir, 'test', { backend: 'wasm' });
    expect(result.files.map((f) => f.utterance)).toEqual(testFiles());
    expect(accuracy(result.files)).toBeGreaterThan(0.7);
    for (const f of result.files) expect(f.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});
