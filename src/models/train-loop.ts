// The training loop: SGD with momentum (Nesterov), seeded shuffling, early stopping on validation loss with
// patience, and a checkpoint after every epoch (current weights, optimizer state, best weights, history) so that a
// killed training resumes from its last finished epoch.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { mixSeed, mulberry32, shuffled } from '../dataset/random.js';
import type { StageProgress } from '../stages/stage.js';
import { selectBackend, type Tf } from './backend.js';
import { restoreCheckpoint, saveCheckpoint, type EpochRecord } from './checkpoint.js';
import { buildModel, inputShape, reseedDropout, type ModelParams } from './build-model.js';
import { gatherBatch, loadExamples, type ExampleSet, type Framing } from './examples.js';
import { modelFlops } from './flops.js';
import { packWeights, saveModel, unpackWeights } from './model-io.js';
import { mixBatch } from './mixup.js';
import { MASK_DEFAULTS, maskBatch, type MaskParams } from './spec-augment.js';

export interface TrainParams extends ModelParams, Partial<MaskParams> {
  input: Framing;
  epochs: number;
  patience: number;
  batchSize: number;
  /** sgd (default): the paper's (momentum, Nesterov); adam ignores momentum and nesterov. */
  optimizer?: 'sgd' | 'adam';
  lr: number;
  momentum: number;
  nesterov: boolean;
  /** Mixup's α (Beta(α, α)); absent or 0: no mixup. */
  mixup?: number;
  /** balanced: each class's loss weighted by n / (classes · its count in the training split); default none. */
  classWeights?: 'none' | 'balanced';
}

export interface TrainJob {
  chunkDir: string;
  params: TrainParams;
  seed: number;
  scratchDir: string;
  outDir: string;
  backend?: string;
}

export type { EpochRecord };

export interface TrainSummary {
  backend: string;
  epochs: number;
  bestEpoch: number;
  bestValLoss: number;
  bestValAccuracy: number;
  resumedFrom: number;
  msPerEpoch: number;
  examplesPerSecond: number;
  /** Forward + backward FLOPs of one training example (flops.ts). */
  trainingFlopsPerExample: number;
  /** examplesPerSecond × trainingFlopsPerExample, in GFLOP/s. */
  gflops: number;
}

export async function train(job: TrainJob, report: (p: StageProgress) => void, cancelled: () => boolean): Promise<TrainSummary> {
  const { tf, name: backend } = await selectBackend(job.backend);
  // Never the test split: early stopping and the checkpoint kept read validation only.
  const data = loadExamples(job.chunkDir, job.params.input, { splits: ['train', 'val'] });
  const classes = data.classes.length;
  const trainSet = data.bySplit.train;
  // Without a validation split, early stopping watches the training loss.
  const valSet = data.bySplit.val.n > 0 ? data.bySplit.val : trainSet;
  const model = buildModel(tf, job.params, data.shape, classes, job.seed);
  const optimizer = job.params.optimizer === 'adam' ? tf.train.adam(job.params.lr) : tf.train.momentum(job.params.lr, job.params.momentum, job.params.nesterov);
  const shape = inputShape(job.params, data.shape);
  const weights = job.params.classWeights === 'balanced' ? balancedWeights(trainSet.labels, classes) : undefined;
  const masks: MaskParams = { ...MASK_DEFAULTS, ...job.params };
  const masking = masks.timeMasks > 0 || masks.bandMasks > 0;
  if (masks.bandMasks > 0 && data.shape[1] === 1) {
    throw new Error('bandMasks masks feature dims, and a waveform has one: put a features stage before train, or set bandMasks: 0');
  }

  const restored = await restoreCheckpoint(tf, job.scratchDir, model, optimizer);
  let best = restored?.best ?? packWeights(model.getWeights());
  const history: EpochRecord[] = restored?.state.history ?? [];
  let { bestEpoch, bestValLoss, wait } = restored?.state ?? { bestEpoch: 0, bestValLoss: Infinity, wait: 0 };
  const resumedFrom = restored?.state.epoch ?? 0;
  let trainedExamples = 0;
  let trainingMs = 0;
  const batchBuffer = new Float32Array(job.params.batchSize * trainSet.size);

  for (let epoch = resumedFrom + 1; epoch <= job.params.epochs && wait < job.params.patience; epoch++) {
    if (cancelled()) throw new Error('cancelled');
    const t0 = Date.now();
    const order = shuffled(Array.from({ length: trainSet.n }, (_, i) => i), mulberry32(mixSeed(job.seed, epoch)));
    const batches = Math.ceil(order.length / job.params.batchSize);
    let lossSum = 0;
    let correct = 0;
    let lastReport = 0;
    for (let b = 0; b < batches; b++) {
      const idx = order.slice(b * job.params.batchSize, (b + 1) * job.params.batchSize);
      const stepSeed = mixSeed(mixSeed(job.seed, epoch), b);
      reseedDropout(model, stepSeed);
      const x = gatherBatch(trainSet, idx, batchBuffer);
      if (masking) maskBatch(x, idx.length, data.shape[0], data.shape[1], masks, mulberry32(mixSeed(stepSeed, 7)));
      const labels = Int32Array.from(idx, (i) => trainSet.labels[i]);
      const targets = job.params.mixup ? mixBatch(x, labels, classes, job.params.mixup, mulberry32(mixSeed(stepSeed, 11))) : undefined;
      const [l, c] = trainStep(tf, model, optimizer, { x, labels, targets }, shape, classes, weights);
      lossSum += l * idx.length;
      correct += c;
      if (Date.now() - lastReport > 250 || b === batches - 1) {
        report({ kind: 'batch', epoch, batch: b + 1, batches });
        lastReport = Date.now();
        if (cancelled()) throw new Error('cancelled');
      }
    }
    trainingMs += Date.now() - t0;
    trainedExamples += trainSet.n;
    const val = evaluateSet(tf, model, valSet, shape, classes, job.params.batchSize);
    const record: EpochRecord = {
      epoch,
      loss: lossSum / trainSet.n,
      accuracy: correct / trainSet.n,
      valLoss: val.loss,
      valAccuracy: val.accuracy,
      ms: Date.now() - t0,
    };
    history.push(record);
    if (record.valLoss < bestValLoss - 1e-6) {
      bestValLoss = record.valLoss;
      bestEpoch = epoch;
      best = packWeights(model.getWeights());
      wait = 0;
    } else {
      wait += 1;
    }
    await saveCheckpoint(job.scratchDir, model, optimizer, best, { epoch, bestEpoch, bestValLoss, wait, history });
    report({ kind: 'epoch', epochs: job.params.epochs, ...record });
  }

  const bestWeights = unpackWeights(tf, best, model.getWeights());
  model.setWeights(bestWeights);
  tf.dispose(bestWeights);
  await saveModel(tf, model, job.outDir);
  const bestRecord = history.find((h) => h.epoch === bestEpoch);
  const examplesPerSecond = trainingMs ? (trainedExamples / trainingMs) * 1000 : 0;
  const { forward, backward } = modelFlops(model);
  const flops = forward + backward;
  writeFileSync(join(job.outDir, 'history.json'), JSON.stringify(history, null, 1) + '\n');
  const summary: TrainSummary = {
    backend,
    epochs: history.length,
    bestEpoch,
    bestValLoss,
    bestValAccuracy: bestRecord?.valAccuracy ?? 0,
    resumedFrom,
    msPerEpoch: history.length ? history.reduce((s, h) => s + h.ms, 0) / history.length : 0,
    examplesPerSecond,
    trainingFlopsPerExample: flops,
    gflops: (examplesPerSecond * flops) / 1e9,
  };
  writeFileSync(
    join(job.outDir, 'train.json'),
    JSON.stringify({ model: job.params.model, params: job.params, seed: job.seed, classes: data.classes, size: data.size, shape: data.shape, maxChunks: data.maxChunks, ...summary }, null, 2) + '\n',
  );
  return summary;
}

/** `rows` examples as the model's input; the lstm's framing drops the samples that fill no whole frame. */
export function toInput(tf: Tf, buffer: Float32Array, rows: number, shape: number[]): tfjs.Tensor {
  const used = shape.reduce((a, b) => a * b, 1);
  const size = buffer.length / rows;
  if (used === size) return tf.tensor(buffer, [rows, ...shape], 'float32');
  return tf.tidy(() => tf.reshape(tf.slice(tf.tensor2d(buffer, [rows, size]), [0, 0], [rows, used]), [rows, ...shape]));
}

/** n / (classes · count) per class of the training labels: every class weighs the same in the loss in total. */
export function balancedWeights(labels: Int32Array, classes: number): Float32Array {
  const counts = new Float32Array(classes);
  for (const l of labels) counts[l] += 1;
  return counts.map((c) => (c > 0 ? labels.length / (classes * c) : 0));
}

/** One batch: its values (row-major) and labels; soft targets [rows, classes] replace the one-hot labels (mixup). */
export interface Batch {
  x: Float32Array;
  labels: Int32Array;
  targets?: Float32Array;
}

/**
 * One optimizer step; returns [mean loss, correct predictions] with a single read back from the backend. With
 * class weights the loss is the mean of each example's cross-entropy times its class's weight.
 */
export function trainStep(
  tf: Tf,
  model: tfjs.LayersModel,
  optimizer: tfjs.Optimizer,
  batch: Batch,
  shape: number[],
  classes: number,
  classWeights?: Float32Array,
): [number, number] {
  return tf.tidy(() => {
    const x = toInput(tf, batch.x, batch.labels.length, shape);
    const labels = tf.tensor1d(batch.labels, 'int32');
    const y = batch.targets ? tf.tensor2d(batch.targets, [batch.labels.length, classes]) : tf.oneHot(labels, classes);
    const weights = classWeights ? tf.gather(tf.tensor1d(classWeights), labels) : undefined;
    let correct: tfjs.Tensor | undefined;
    const loss = optimizer.minimize(() => {
      const probs = model.apply(x, { training: true }) as tfjs.Tensor;
      // Kept past minimize's own scope, then released by the outer tidy.
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probs, -1), labels), 'float32')));
      const perExample = tf.metrics.categoricalCrossentropy(y, probs);
      return tf.mean(weights ? tf.mul(perExample, weights) : perExample) as tfjs.Scalar;
    }, true)!;
    // One 8-byte read per batch. The WASM, CPU and tfjs-node backends compute eagerly, so it stalls nothing.
    const values = tf.stack([loss, correct!]).dataSync();
    correct!.dispose();
    return [values[0], values[1]];
  });
}

/** Mean loss and accuracy over a set, in inference mode. */
export function evaluateSet(
  tf: Tf,
  model: tfjs.LayersModel,
  set: ExampleSet,
  shape: number[],
  classes: number,
  batchSize: number,
): { loss: number; accuracy: number } {
  const probs = predictSet(tf, model, set, shape, batchSize);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < set.n; i++) {
    const row = probs.subarray(i * classes, (i + 1) * classes);
    loss -= Math.log(Math.max(row[set.labels[i]], 1e-7));
    let arg = 0;
    for (let k = 1; k < classes; k++) if (row[k] > row[arg]) arg = k;
    if (arg === set.labels[i]) correct += 1;
  }
  return { loss: set.n ? loss / set.n : 0, accuracy: set.n ? correct / set.n : 0 };
}

/** Class probabilities of every example, row-major [n, classes]. */
export function predictSet(tf: Tf, model: tfjs.LayersModel, set: ExampleSet, shape: number[], batchSize: number): Float32Array {
  const parts: Float32Array[] = [];
  for (let start = 0; start < set.n; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, set.n - start) }, (_, i) => start + i);
    parts.push(
      tf.tidy(() => (model.apply(toInput(tf, gatherBatch(set, idx), idx.length, shape), { training: false }) as tfjs.Tensor).dataSync() as Float32Array),
    );
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
