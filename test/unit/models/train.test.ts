// Training on separable data: every model learns, runs are reproducible, and a killed training resumes.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelKind } from '../../../src/models/build-model.js';
import { train, type EpochRecord, type TrainJob, type TrainParams } from '../../../src/models/train-loop.js';
import { predictFiles } from '../../../src/models/predict.js';
import { featuresStage } from '../../../src/stages/features.js';
import { makeStageContext } from '../../helpers/stage-context.js';
import { writeSeparableChunks } from './separable-chunks.js';

const TINY: Omit<TrainParams, 'model'> = {
  input: 'chunk',
  epochs: 12,
  patience: 12,
  batchSize: 16,
  lr: 0.05,
  momentum: 0.9,
  nesterov: true,
  filters: [8, 8, 8, 8],
  kernelSizes: [16, 3, 3, 3],
  strides: [4, 1, 1, 1],
  poolSizes: [2, 2, 2, 2],
  lstmUnits: 12,
  denseUnits: 16,
  frameLength: 32,
  dropout: 0,
};

let chunkDir: string;
beforeAll(async () => {
  chunkDir = await writeSeparableChunks();
});

function job(model: ModelKind, overrides: Partial<TrainParams> = {}, seed = 1): TrainJob {
  return {
    chunkDir,
    params: { ...TINY, model, ...overrides },
    seed,
    scratchDir: mkdtempSync(join(tmpdir(), 'pipe-scratch-')),
    outDir: mkdtempSync(join(tmpdir(), 'pipe-model-')),
    backend: 'wasm',
  };
}

/** The separable chunks as 16-band log-mel features (train-split standardisation), in a features artifact. */
async function featureDir(): Promise<string> {
  const ctx = makeStageContext(featuresStage, { kind: 'logmel', bands: 16, windowMs: 8, hopMs: 4, fftSize: 128 }, { inputs: [chunkDir] });
  await featuresStage.run(ctx);
  return ctx.outDir;
}

const history = (dir: string): EpochRecord[] => JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as EpochRecord[];

describe('train', () => {
  it.each(['nn', 'cnn', 'lstm', 'cnn_lstm'] as const)('%s beats chance (33%%) by a wide margin on separable data', async (model) => {
    const j = job(model);
    const summary = await train(j, () => {}, () => false);
    expect(summary.backend).toBe('wasm');
    const predictions = await predictFiles(j.outDir, chunkDir, 'test', { backend: 'wasm' });
    const correct = predictions.files.filter((f) => f.probs.indexOf(Math.max(...f.probs)) === f.label).length;
    expect(predictions.files).toHaveLength(24);
    expect(correct / predictions.files.length).toBeGreaterThan(0.7);
  });

  it.each([
    ['cnn', {}],
    ['cnn', { pooling: 'attention' }],
    ['cnn_lstm', { pooling: 'attention' }],
    ['lstm', {}],
  ] as const)('%s %o learns from [frames, dims] features (log-mel of the same chunks), with masks, mixup and class weights', async (model, extra) => {
    const features = await featureDir();
    const j = {
      ...job(model, { ...extra, filters: [8, 8], kernelSizes: [3, 3], strides: [1, 1], poolSizes: [2, 1], optimizer: 'adam', lr: 0.01, timeMasks: 1, bandMasks: 1, classWeights: 'balanced', mixup: 0.2 }),
      chunkDir: features,
    };
    await train(j, () => {}, () => false);
    const trained = JSON.parse(readFileSync(join(j.outDir, 'train.json'), 'utf8')) as { shape: number[] };
    // 1024 samples, 128-sample window, 64 hop: 1 + (1024 − 128) / 64 = 15 frames of 16 bands.
    expect(trained.shape).toEqual([15, 16]);
    const predictions = await predictFiles(j.outDir, features, 'test', { backend: 'wasm' });
    const correct = predictions.files.filter((f) => f.probs.indexOf(Math.max(...f.probs)) === f.label).length;
    expect(correct / predictions.files.length).toBeGreaterThan(0.7);
  });

  it('refuses band masks on a waveform, which has no bands', async () => {
    await expect(train(job('cnn', { bandMasks: 1, epochs: 1 }), () => {}, () => false)).rejects.toThrow(/bandMasks masks feature dims/);
  });

  it('same seed and backend give the same history; another seed does not', async () => {
    // With dropout: its masks are seeded per step too.
    const a = job('cnn_lstm', { epochs: 3, dropout: 0.3 });
    const b = job('cnn_lstm', { epochs: 3, dropout: 0.3 });
    const c = job('cnn_lstm', { epochs: 3, dropout: 0.3 }, 2);
    await train(a, () => {}, () => false);
    await train(b, () => {}, () => false);
    await train(c, () => {}, () => false);
    expect(history(b.outDir).map((h) => h.loss)).toEqual(history(a.outDir).map((h) => h.loss));
    expect(history(c.outDir).map((h) => h.loss)).not.toEqual(history(a.outDir).map((h) => h.loss));
  });

  it('a training stopped after epoch 2 resumes from its checkpoint at epoch 3 and ends as an uninterrupted one', async () => {
    const whole = job('cnn', { epochs: 4, dropout: 0.3 });
    await train(whole, () => {}, () => false);

    const killed = job('cnn', { epochs: 4, dropout: 0.3 });
    let epochs = 0;
    await expect(
      train(killed, (p) => (p.kind === 'epoch' ? (epochs = p.epoch) : 0), () => epochs >= 2),
    ).rejects.toThrow(/cancelled/);
    const seen: number[] = [];
    const resumed = await train(killed, (p) => (p.kind === 'epoch' ? seen.push(p.epoch) : 0), () => false);
    expect(resumed.resumedFrom).toBe(2);
    expect(seen).toEqual([3, 4]);
    const [h1, h2] = [history(whole.outDir), history(killed.outDir)];
    expect(h2.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    // The checkpoint holds weights, optimizer state and early-stopping state exactly; dropout masks depend on
    // (seed, epoch, batch) only: the resumed run is the uninterrupted one.
    expect(h2.map(({ ms, ...h }) => h)).toEqual(h1.map(({ ms, ...h }) => h));
  });

  it('early stopping keeps the weights of the best validation epoch', async () => {
    const j = job('nn', { epochs: 6, patience: 1, lr: 0.5 });
    const summary = await train(j, () => {}, () => false);
    const h = history(j.outDir);
    const best = h.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
    expect(summary.bestEpoch).toBe(best.epoch);
    expect(h.length).toBeLessThanOrEqual(6);
    // The saved model is the best epoch's: its validation loss is that epoch's.
    const val = await predictFiles(j.outDir, chunkDir, 'val', { backend: 'wasm' });
    const loss = val.files.reduce((s, f) => s - Math.log(Math.max(f.probs[f.label], 1e-7)), 0) / val.files.length;
    expect(loss).toBeCloseTo(best.valLoss, 4);
  });
});
