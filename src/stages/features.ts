// Features: turn each chunk of waveform into a feature matrix [frames, dims] (log-mel bands, MFCCs, prosodic and
// spectral descriptors, their deltas, or their statistics over time), then standardise it: per utterance, with a
// mean and std fitted on the training split only, or per speaker (a protocol variant that reads the test speakers'
// unlabelled audio, which the manifest's `features.normalize` tells evaluate and compare). Writes the chunk format
// (chunks.json + chunks.f32) with `shape`, so train and evaluate read either.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StageError } from '../errors.js';
import { STATISTIC_NAMES } from '../audio/frame-statistics.js';
import type { FeatureOptions } from '../audio/utterance-features.js';
import type { ParamProblem } from '../core/stage-type.js';
import { readChunks, writeChunks } from '../dataset/chunk-files.js';
import { applyStandardiser, fitStandardiser, standardiseOwnFrames, standardisePerSpeaker, type FeatureScaling } from '../dataset/feature-scaling.js';
import type { JsonObject } from '../json.js';
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
      kind: {
        enum: ['raw', 'logmel', 'mfcc', 'descriptors', 'stats'],
        default: 'logmel',
        description: 'descriptors: F0, voicing, energy, ZCR and spectral shape per frame; stats: statistics over time of statsOf',
      },
      windowMs: { type: 'number', exclusiveMinimum: 0, default: 25 },
      hopMs: { type: 'number', exclusiveMinimum: 0, default: 10 },
      fftSize: { type: 'integer', minimum: 2, default: 512, description: 'a power of two at least the window length in samples' },
      bands: { type: 'integer', minimum: 1, default: 64, description: 'mel bands' },
      fMin: { type: 'number', minimum: 0, default: 0 },
      fMax: { type: 'number', exclusiveMinimum: 0, description: 'default: half the sample rate' },
      coefficients: { type: 'integer', minimum: 1, default: 13, description: 'MFCCs kept (kind mfcc, or stats of mfcc)' },
      deltas: { enum: [0, 1, 2], default: 0, description: '1: append Δ; 2: append Δ and ΔΔ' },
      statsOf: { enum: ['logmel', 'mfcc', 'descriptors'], default: 'logmel' },
      // No defaults for the params below: specs without them keep their cache keys and their outputs.
      descriptors: { type: 'boolean', description: 'append the descriptors (with their deltas) to the log-mel or MFCC frames' },
      statistics: {
        type: 'array',
        items: { enum: [...STATISTIC_NAMES] },
        minItems: 1,
        uniqueItems: true,
        description: 'what kind stats keeps of every dimension, in order (absent: mean, std, min, max)',
      },
      normalize: {
        enum: ['none', 'utterance', 'train', 'speaker'],
        default: 'train',
        description: "train: mean/std fitted on the training split only; speaker: each speaker's own mean/std over all their rows (uses the test speakers' unlabelled audio)",
      },
    },
  },
  checkParams: featuresParamProblems,
  async run(ctx) {
    const p = ctx.params;
    if (p.kind === 'stats' && p.normalize === 'utterance') {
      throw new StageError('kind stats gives one row per chunk, which cannot be standardised over its own frames', { stage: ctx.name }, 'use normalize: train (or none) with kind stats');
    }
    if (ctx.inputs.length !== 1) throw new StageError('needs a chunk stage as its one input', { stage: ctx.name }, 'add `needs: [chunk]`');
    // readChunks explains an input that is not a chunk artifact.
    const { manifest, chunk } = readChunks(ctx.inputs[0].dir);
    // The feature code (fft.js) is imported when the stage runs: planning and a cached run load this file for its
    // definition only.
    const { memoisedUtteranceFeatures } = await import('../audio/features-memo.js');
    const options: FeatureOptions = { ...p };
    const progress = new FileProgress(ctx.report, ctx.signal, manifest.rows.length, 'chunks');
    const matrices: Float32Array[] = [];
    let shape: [number, number] = [0, 0];
    for (const row of manifest.rows) {
      progress.check();
      const m = computeOrExplain(() => memoisedUtteranceFeatures(chunk(row.index), manifest.sampleRate, options), ctx.name);
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
    if (p.normalize === 'speaker') {
      // Each speaker's rows of every split, test included: the test speakers' audio (never their labels) shapes
      // the numbers their own features are scaled with.
      const speakers = standardisePerSpeaker(manifest.rows, matrices, shape[1]);
      writeFileSync(join(ctx.outDir, 'scaling.json'), JSON.stringify({ fittedOn: 'speaker', usesTestAudio: true, chunks: manifest.rows.length, speakers }) + '\n');
    }
    const features = { ...p, fMax: p.fMax ?? manifest.sampleRate / 2 };
    await writeChunks(
      ctx.outDir,
      { classes: manifest.classes, sampleRate: manifest.sampleRate, length: shape[0] * shape[1], shape, features },
      manifest.rows.map(({ index, ...row }) => ({ row, samples: matrices[index] })),
    );
    return {
      metrics: { chunks: manifest.rows.length, frames: shape[0], dims: shape[1] },
      info: {
        kind: p.kind,
        shape,
        normalize: p.normalize,
        fittedOnChunks: p.normalize === 'train' ? trainRows.length : p.normalize === 'speaker' ? manifest.rows.length : null,
      },
    };
  },
});

/** Combinations the schema cannot refuse: statistics only summarise, descriptors join log-mel or MFCC frames. */
function featuresParamProblems(params: JsonObject): ParamProblem[] {
  const kind = params.kind ?? 'logmel';
  const problems: ParamProblem[] = [];
  if (params.statistics !== undefined && kind !== 'stats') {
    problems.push({ message: `statistics summarise frames over time, which kind ${String(kind)} keeps`, path: ['statistics'], hint: 'use kind: stats, or drop statistics' });
  }
  const describes = kind === 'descriptors' || kind === 'raw' || (kind === 'stats' && params.statsOf === 'descriptors');
  if (params.descriptors === true && describes) {
    problems.push({
      message: `descriptors: true appends the descriptors to log-mel or MFCC frames, and kind ${String(kind)}${kind === 'stats' ? ' of descriptors' : ''} has none`,
      path: ['descriptors'],
      hint: 'use it with kind logmel or mfcc, or with kind stats of logmel or mfcc',
    });
  }
  return problems;
}

/** The spectra module's RangeErrors (an FFT smaller than the window, fMax above Nyquist) become stage errors. */
function computeOrExplain<T>(compute: () => T, stage: string): T {
  try {
    return compute();
  } catch (err) {
    if (err instanceof RangeError) throw new StageError(err.message, { stage }, 'check the features params (windowMs, fftSize, bands, fMax, coefficients)');
    throw err;
  }
}
