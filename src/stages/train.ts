// Train: fit one of the paper's models (or a logistic regression or linear SVM) with SGD (momentum, Nesterov) or
// Adam, early stopping on validation loss and a checkpoint per epoch, in a worker thread. Writes model.json +
// weights.bin, history.json, train.json, curves.svg; with `members: K`, K models in member-1 … member-K (each with
// its own model, history and train.json), a train.json that lists them, and the first member's curves.svg.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParamProblem } from '../core/stage-type.js';
import { StageError } from '../errors.js';
import type { JsonObject } from '../json.js';
import type { EpochRecord, TrainParams } from '../models/train-loop.js';
import { MASK_DEFAULTS } from '../models/spec-augment.js';
import { memberDir } from '../models/member-dir.js';
import { defineStage, EXAMPLE_TYPES, inputOfTypes } from './stage.js';

export const trainStage = defineStage<TrainParams>({
  type: 'train',
  version: 3,
  usesSeed: true,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      model: { enum: ['nn', 'cnn', 'lstm', 'cnn_lstm', 'logreg', 'svm'], default: 'cnn_lstm', description: 'logreg: one dense softmax layer; svm: one dense layer of scores, squared multiclass hinge (both on the flattened input)' },
      input: { enum: ['chunk', 'file'], default: 'chunk', description: 'chunk: each chunk one example; file: the file [chunks, length] one example' },
      epochs: { type: 'integer', minimum: 1, default: 40 },
      patience: { type: 'integer', minimum: 1, default: 8 },
      batchSize: { type: 'integer', minimum: 1, default: 32 },
      // The params added after the paper's have no schema default, so that specs which leave them out keep their
      // cache keys (and trained artifacts); left out, each means the paper's behaviour (sgd, no weights, no masks).
      optimizer: { enum: ['sgd', 'adam'], description: 'default sgd: momentum + Nesterov, as the paper; adam ignores momentum and nesterov' },
      lr: { type: 'number', exclusiveMinimum: 0, default: 0.01 },
      momentum: { type: 'number', minimum: 0, maximum: 1, default: 0.9 },
      nesterov: { type: 'boolean', default: true },
      filters: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, default: [16, 32, 64, 64] },
      kernelSizes: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, default: [64, 8, 8, 8] },
      strides: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, default: [8, 1, 1, 1] },
      poolSizes: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, default: [4, 4, 2, 2] },
      lstmUnits: { type: 'integer', minimum: 1, default: 64 },
      denseUnits: { type: 'integer', minimum: 1, default: 128 },
      frameLength: { type: 'integer', minimum: 1, default: 400, description: 'lstm: samples per frame (25 ms at 16 kHz)' },
      dropout: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.3 },
      pooling: { enum: ['default', 'attention'], description: 'default: cnn averages over time, lstm keeps its last state; attention: a learned weighted sum over time' },
      mixup: { type: 'number', minimum: 0, description: "mixup's α: each training example blended with another of its batch, λ ~ Beta(α, α) (default 0: off)" },
      classWeights: { enum: ['none', 'balanced'], description: 'default none; balanced: loss weighted by n / (classes · class count) of the training split' },
      timeMasks: { type: 'integer', minimum: 0, description: 'SpecAugment: masked runs of frames per training example (default 0)' },
      timeMaskWidth: { type: 'integer', minimum: 0, description: `SpecAugment: longest masked run of frames (default ${MASK_DEFAULTS.timeMaskWidth})` },
      bandMasks: { type: 'integer', minimum: 0, description: 'SpecAugment: masked runs of feature dims (mel bands) per training example (default 0)' },
      bandMaskWidth: { type: 'integer', minimum: 0, description: `SpecAugment: longest masked run of dims (default ${MASK_DEFAULTS.bandMaskWidth})` },
      // Standard remedies the paper leaves open (issue 12); each absent means off, so older keys are kept.
      standardize: { type: 'boolean', description: 'standardise the input with one mean and std fitted on the training split (default false)' },
      bnMomentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: "BatchNorm's moving-average momentum (default 0.99, as Keras; PyTorch's default is 0.9 in these terms)" },
      weightDecay: { type: 'number', minimum: 0, description: 'L2 weight decay on kernels: decay · w added to their gradients (default 0)' },
      clipNorm: { type: 'number', exclusiveMinimum: 0, description: 'clip the gradients to this global L2 norm (default: no clipping)' },
      warmupEpochs: { type: 'integer', minimum: 0, description: 'linear learning-rate warm-up over this many epochs (default 0)' },
      plateauFactor: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'reduce on plateau: multiply the learning rate by this after plateauPatience epochs without improvement' },
      plateauPatience: { type: 'integer', minimum: 1, description: 'reduce on plateau: epochs without improvement before the learning rate is reduced' },
      minEpochs: { type: 'integer', minimum: 1, description: 'early stopping may not stop before this epoch (default: it may stop at any)' },
      smoothing: { type: 'integer', minimum: 1, description: 'selection and early stopping watch the mean validation loss of the last N epochs (default 1)' },
      shift: { type: 'integer', minimum: 0, description: 'augmentation: shift each training example by up to this many steps, zero-filled (default 0)' },
      gainDb: { type: 'number', minimum: 0, description: 'augmentation: random gain of up to ± this many dB per training example (default 0)' },
      noiseSnr: { type: 'number', description: 'augmentation: add white noise at this signal-to-noise ratio (dB) to each training example (default: none)' },
      members: { type: 'integer', minimum: 1, description: "an ensemble of this many models over derived seeds, their probabilities averaged (default 1: one model)" },
    },
  },
  checkParams: trainParamProblems,
  async run(ctx) {
    const p = ctx.params;
    const blocks = [p.filters.length, p.kernelSizes.length, p.strides.length, p.poolSizes.length];
    if (new Set(blocks).size !== 1) {
      throw new StageError(
        `filters, kernelSizes, strides and poolSizes must have one entry per conv block, got ${blocks.join(', ')}`,
        { stage: ctx.name },
      );
    }
    const chunk = inputOfTypes(ctx.inputs, EXAMPLE_TYPES);
    if (!chunk) throw new StageError('needs a chunk or features stage as input', { stage: ctx.name }, 'add `needs: [chunk]` (or `needs: [features]`)');
    const { trainInWorker } = await import('../models/train-in-worker.js');
    const job = { chunkDir: chunk.dir, params: p, seed: ctx.seed, scratchDir: ctx.scratchDir, outDir: ctx.outDir, backend: ctx.options.backend };
    const summary = await trainInWorker(job, ctx.report, ctx.signal);
    const historyDir = summary.members ? join(ctx.outDir, memberDir(1)) : ctx.outDir;
    const history = JSON.parse(await readFile(join(historyDir, 'history.json'), 'utf8')) as EpochRecord[];
    const { learningCurvesSvg } = await import('../charts/learning-curves.js');
    const title = summary.members ? `${p.model} (member 1 of ${summary.members})` : p.model;
    await writeFile(join(ctx.outDir, 'curves.svg'), await learningCurvesSvg(history, title));
    return {
      metrics: {
        epochs: summary.epochs,
        ...(summary.bestEpoch === undefined ? {} : { bestEpoch: summary.bestEpoch }),
        ...(summary.members ? { members: summary.members } : {}),
        valLoss: summary.bestValLoss,
        valAccuracy: summary.bestValAccuracy,
        trainAccuracy: summary.bestTrainAccuracy,
        msPerEpoch: summary.msPerEpoch,
        examplesPerSecond: summary.examplesPerSecond,
        gflops: summary.gflops,
      },
      info: { backend: summary.backend, model: p.model, resumedFrom: summary.resumedFrom, trainingFlopsPerExample: summary.trainingFlopsPerExample },
    };
  },
});

/** Reduce-on-plateau needs both its factor and its patience; the svm's hinge cannot use mixup's soft targets. */
function trainParamProblems(params: JsonObject): ParamProblem[] {
  if (params.model === 'svm' && typeof params.mixup === 'number' && params.mixup > 0) {
    return [{ message: "mixup blends the targets, which the svm's hinge cannot use", path: ['mixup'], hint: 'set mixup: 0 with model: svm, or use model: logreg' }];
  }
  if ((params.plateauFactor === undefined) !== (params.plateauPatience === undefined)) {
    const given = params.plateauFactor === undefined ? 'plateauPatience' : 'plateauFactor';
    return [{ message: 'plateauFactor and plateauPatience go together', path: [given], hint: 'set both (e.g. plateauFactor: 0.5, plateauPatience: 4) or neither' }];
  }
  return [];
}
