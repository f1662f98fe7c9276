// Features: turn each chunk of waveform into a feature matrix [frames, dims] (log-mel bands, MFCCs, their deltas,
// or their statistics over time), then standardise it: per utterance, or with a mean and std fitted on the
// training split only. Writes the chunk format (chunks.json + chunks.f32) with `shape`, so train and evaluate
// read either.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StageError } from '../errors.js';
import { utteranceFeatures, type FeatureOptions } from '../audio/utterance-features.js';
import { readChunks, writeChunks } from '../dataset/chunk-files.js';
import { applyStandardiser, fitStandardiser, standardiseOwnFrames, type FeatureScaling } from '../dataset/feature-scaling.js';
import { FileProgress } from '../dataset/file-progress.js';
import { defineStage } from './stage.js';

export interface FeaturesParams extends FeatureOptions {
  normalize: FeatureScaling;
}

export const featuresStage = defineStage<FeaturesParams>({
  type: 'features',
  version: 1,
  usesSeed: false,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      kind: { enum: ['raw', 'logmel', 'mfcc', 'stats'], default: 'logmel', description: 'stats: mean, std, min, max over time of statsOf' },
      windowMs: { type: 'number', exclusiveMinimum: 0, default: 25 },
      hopMs: { type: 'number', exclusiveMinimum: 0, default: 10 },
      fftSize: { type: 'integer', minimum: 2, default: 512, description: 'a power of two at least the window length in samples' },
      bands: { type: 'integer', minimum: 1, default: 64, description: 'mel bands' },
      fMin: { type: 'number', minimum: 0, default: 0 },
      fMax: { type: 'number', exclusiveMinimum: 0, description: 'default: half the sample rate' },
      coefficients: { type: 'integer', minimum: 1, default: 13, description: 'MFCCs kept (kind mfcc, or stats of mfcc)' },
      deltas: { enum: [0, 1, 2], default: 0, description: '1: append Δ; 2: append Δ and ΔΔ' },
      statsOf: { enum: ['logmel', 'mfcc'], default: 'logmel' },
      normalize: { enum: ['none', 'utterance', 'train'], default: 'train', description: 'train: mean/std fitted on the training split only' },
    },
  },
  async run(ctx) {
    const p = ctx.params;
    if (p.kind === 'stats' && p.normalize === 'utterance') {
      throw new StageError('kind stats gives one row per chunk, which cannot be standardised over its own frames', { stage: ctx.name }, 'use normalize: train (or none) with kind stats');
    }
    if (ctx.inputs.length !== 1) throw new StageError('needs a chunk stage as its one input', { stage: ctx.name }, 'add `needs: [chunk]`');
    // readChunks explains an input that is not a chunk artifact.
    const { manifest, chunk } = readChunks(ctx.inputs[0].dir);
    const options: FeatureOptions = { ...p };
    const progress = new FileProgress(ctx.report, ctx.signal, manifest.rows.length, 'chunks');
    const matrices: Float32Array[] = [];
    let shape: [number, number] = [0, 0];
    for (const row of manifest.rows) {
      progress.check();
      const m = computeOrExplain(() => utteranceFeatures(chunk(row.index), manifest.sampleRate, options), ctx.name);
      shape = [m.frames, m.dims];
      matrices.push(p.normalize === 'utterance' ? standardiseOwnFrames(m.data, m.dims) : m.data);
      progress.step();
    }
    const trainRows = manifest.rows.filter((r) => r.split === 'train');
    if (p.normalize === 'train') {
      if (trainRows.length === 0) throw new StageError('normalize: train needs training chunks, and there are none', { stage: ctx.name }, 'check the split, or use normalize: utterance');
      // Fitted on the training split alone: validation and test are scaled with numbers they did not shape.
      const scaler = fitStandardiser(trainRows.map((r) => matrices[r.index]), shape[1]);
      for (const m of matrices) applyStandardiser(m, scaler);
      writeFileSync(join(ctx.outDir, 'scaling.json'), JSON.stringify({ fittedOn: 'train', chunks: trainRows.length, ...scaler }) + '\n');
    }
    const features = { ...p, fMax: p.fMax ?? manifest.sampleRate / 2 };
    await writeChunks(
      ctx.outDir,
      { classes: manifest.classes, sampleRate: manifest.sampleRate, length: shape[0] * shape[1], shape, features },
      manifest.rows.map(({ index, ...row }) => ({ row, samples: matrices[index] })),
    );
    return {
      metrics: { chunks: manifest.rows.length, frames: shape[0], dims: shape[1] },
      info: { kind: p.kind, shape, normalize: p.normalize, fittedOnChunks: p.normalize === 'train' ? trainRows.length : null },
    };
  },
});

/** The spectra module's RangeErrors (an FFT smaller than the window, fMax above Nyquist) become stage errors. */
function computeOrExplain<T>(compute: () => T, stage: string): T {
  try {
    return compute();
  } catch (err) {
    if (err instanceof RangeError) throw new StageError(err.message, { stage }, 'check the features params (windowMs, fftSize, bands, fMax, coefficients)');
    throw err;
  }
}
