// The training loop: SGD with momentum (Nesterov), seeded shuffling, early stopping on validation loss with
// patience, and a checkpoint after every epoch (current weights, optimizer state, best weights, history) so that a
// killed training resumes from its last finished epoch. Beyond the paper, each off unless asked for: input
// standardisation, weight decay, gradient clipping, a learning-rate warm-up and reduce-on-plateau, smoothed
// selection with a minimum number of epochs (schedule.ts), and waveform augmentation of training batches
// (augment.ts). The best validation epoch's weights are always the ones kept.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { StageProgress } from '../core/stage-progress.js';
import { mixSeed, mulberry32, shuffled } from '../dataset/random.js';
import { selectBackend, type Tf } from './backend.js';
import { restoreCheckpoint, saveCheckpoint, type EpochRecord } from './checkpoint.js';
import { buildModel, inputShape, reseedDropout, type InputScaling, type ModelParams } from './build-model.js';
import { gatherBatch, loadExamples, type ExampleSet, type Framing } from './examples.js';
import { modelFlops } from './flops.js';
import { packWeights, saveModel, unpackWeights } from './model-io.js';
import { mixBatch } from './mixup.js';
import { AUGMENT_DEFAULTS, augmentBatch, augmenting, type AugmentParams } from './augment.js';
import { replaySchedule, warmedUp } from './schedule.js';
import { scoresModel, squaredHinge, squaredHingeOfProbs, type LossKind } from './linear-svm.js';
import { MASK_DEFAULTS, maskBatch, type MaskParams } from './spec-augment.js';

export interface TrainParams extends ModelParams, Partial<MaskParams>, Partial<AugmentParams> {
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
  /** Standardise the input with one mean and std fitted on the training split (a Rescaling layer in the model). */
  standardize?: boolean;
  /** L2 weight decay on kernels (not biases or BatchNorm): decay · w added to each kernel's gradient. */
  weightDecay?: number;
  /** Clip the gradients to this global L2 norm. */
  clipNorm?: number;
  /** Linear learning-rate warm-up over this many epochs' steps. */
  warmupEpochs?: number;
  /** Reduce on plateau: multiply the learning rate by plateauFactor after plateauPatience epochs without improvement. */
  plateauFactor?: number;
  plateauPatience?: number;
  /** Early stopping may not stop before this epoch. */
  minEpochs?: number;
  /** Selection and early stopping watch the mean validation loss of the last `smoothing` epochs. */
  smoothing?: number;
  /** An ensemble of this many models over derived seeds (train-members.ts); absent: one model. */
  members?: number;
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
  /** The kept epoch; absent for an ensemble (train-members.ts), whose members each keep their own. */
  bestEpoch?: number;
  bestValLoss: number;
  bestValAccuracy: number;
  resumedFrom: number;
  msPerEpoch: number;
  examplesPerSecond: number;
  /** Forward + backward FLOPs of one training example (flops.ts). */
  trainingFlopsPerExample: number;
  /** examplesPerSecond × trainingFlopsPerExample, in GFLOP/s. */
  gflops: number;
  /** Training accuracy of the kept epoch (measured during that epoch, with dropout and augmentation on). */
  bestTrainAccuracy: number;
  /** An ensemble's number of members (train-members.ts); absent for one model. */
  members?: number;
}

export async function train(job: TrainJob, report: (p: StageProgress) => void, cancelled: () => boolean): Promise<TrainSummary> {
  const { tf, name: backend } = await selectBackend(job.backend);
  // Never the test split: early stopping and the checkpoint kept read validation only.
  const data = loadExamples(job.chunkDir, job.params.input, { splits: ['train', 'val'] });
  const classes = data.classes.length;
  const trainSet = data.bySplit.train;
  // Without a validation split, early stopping watches the training loss.
  const valSet = data.bySplit.val.n > 0 ? data.bySplit.val : trainSet;
  const scaling = job.params.standardize ? fitScaling(trainSet.x) : undefined;
  const model = buildModel(tf, job.params, data.shape, classes, job.seed, scaling);
  // The svm trains its scores (the layer before its Softmax) against the hinge; validation scores the same hinge.
  const loss: LossKind = job.params.model === 'svm' ? 'hinge' : 'crossentropy';
  const trained = loss === 'hinge' ? scoresModel(tf, model) : model;
  if (loss === 'hinge' && job.params.mixup) throw new Error('mixup blends targets, which the svm hinge cannot use: set mixup: 0 with model: svm');
  const optimizer = job.params.optimizer === 'adam' ? tf.train.adam(job.params.lr) : tf.train.momentum(job.params.lr, job.params.momentum, job.params.nesterov);
  const update: UpdateRules = { weightDecay: job.params.weightDecay, clipNorm: job.params.clipNorm, decayed: decayedWeights(model) };
  const augment: AugmentParams = { ...AUGMENT_DEFAULTS, ...job.params };
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
  // Every decision (kept epoch, stopping, learning rate) is a replay of the history, so a resumed run decides alike.
  let schedule = replaySchedule(history.map((h) => h.valLoss), job.params);
  const resumedFrom = restored?.state.epoch ?? 0;
  let trainedExamples = 0;
  let trainingMs = 0;
  const batchBuffer = new Float32Array(job.params.batchSize * trainSet.size);

  for (let epoch = resumedFrom + 1; epoch <= job.params.epochs && !schedule.stop; epoch++) {
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
      if (augmenting(augment)) augmentBatch(x, idx.length, data.shape[0], data.shape[1], augment, mulberry32(mixSeed(stepSeed, 13)));
      setLearningRate(optimizer, warmedUp(schedule.lr, job.params.warmupEpochs, epoch, b, batches));
      const labels = Int32Array.from(idx, (i) => trainSet.labels[i]);
      const targets = job.params.mixup ? mixBatch(x, labels, classes, job.params.mixup, mulberry32(mixSeed(stepSeed, 11))) : undefined;
      const [l, c] = trainStep(tf, trained, optimizer, { x, labels, targets }, shape, classes, weights, update, loss);
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
    const val = evaluateSet(tf, model, valSet, shape, classes, predictionRows(valSet.size), loss);
    const record: EpochRecord = {
      epoch,
      loss: lossSum / trainSet.n,
      accuracy: correct / trainSet.n,
      valLoss: val.loss,
      valAccuracy: val.accuracy,
      ms: Date.now() - t0,
      ...(schedule.lr !== job.params.lr || job.params.warmupEpochs ? { lr: schedule.lr } : {}),
    };
    history.push(record);
    schedule = replaySchedule(history.map((h) => h.valLoss), job.params);
    if (schedule.bestEpoch === epoch) best = packWeights(model.getWeights());
    const bestValLoss = history.find((h) => h.epoch === schedule.bestEpoch)?.valLoss ?? Infinity;
    await saveCheckpoint(job.scratchDir, model, optimizer, best, { epoch, bestEpoch: schedule.bestEpoch, bestValLoss, wait: schedule.wait, history });
    report({ kind: 'epoch', epochs: job.params.epochs, ...record });
  }

  const bestWeights = unpackWeights(tf, best, model.getWeights());
  model.setWeights(bestWeights);
  tf.dispose(bestWeights);
  await saveModel(tf, model, job.outDir);
  const bestEpoch = schedule.bestEpoch;
  const bestRecord = history.find((h) => h.epoch === bestEpoch);
  const examplesPerSecond = trainingMs ? (trainedExamples / trainingMs) * 1000 : 0;
  const { forward, backward } = modelFlops(model);
  const flops = forward + backward;
  writeFileSync(join(job.outDir, 'history.json'), JSON.stringify(history, null, 1) + '\n');
  const summary: TrainSummary = {
    backend,
    epochs: history.length,
    bestEpoch,
    bestValLoss: bestRecord?.valLoss ?? Infinity,
    bestValAccuracy: bestRecord?.valAccuracy ?? 0,
    bestTrainAccuracy: bestRecord?.accuracy ?? 0,
    resumedFrom,
    msPerEpoch: history.length ? history.reduce((s, h) => s + h.ms, 0) / history.length : 0,
    examplesPerSecond,
    trainingFlopsPerExample: flops,
    gflops: (examplesPerSecond * flops) / 1e9,
  };
  writeFileSync(
    join(job.outDir, 'train.json'),
    JSON.stringify(
      { model: job.params.model, params: job.params, seed: job.seed, classes: data.classes, size: data.size, shape: data.shape, maxChunks: data.maxChunks, ...(scaling ? { inputScaling: scaling } : {}), ...summary },
      null,
      2,
    ) + '\n',
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

/** One mean and standard deviation over every value of the training examples (std 1 where they are constant). */
export function fitScaling(x: Float32Array): InputScaling {
  let sum = 0;
  for (const v of x) sum += v;
  const mean = x.length ? sum / x.length : 0;
  let squares = 0;
  for (const v of x) squares += (v - mean) * (v - mean);
  const std = x.length ? Math.sqrt(squares / x.length) : 0;
  return { mean, std: std > 0 ? std : 1 };
}

/** Weight decay and clipping, applied to the gradients between their computation and the optimizer's step. */
export interface UpdateRules {
  weightDecay?: number;
  clipNorm?: number;
  /** Names of the variables weight decay applies to (kernels; not biases, BatchNorm or Rescaling). */
  decayed?: ReadonlySet<string>;
}

/** The kernels of a model, by variable name: what weight decay shrinks. */
export function decayedWeights(model: tfjs.LayersModel): Set<string> {
  return new Set(model.trainableWeights.filter((w) => /kernel$/.test(w.originalName)).map((w) => w.name));
}

/** decay · w added to each decayed variable's gradient, then every gradient scaled to at most `clipNorm` in global norm. */
export function applyUpdateRules(tf: Tf, grads: tfjs.NamedTensorMap, rules: UpdateRules): tfjs.NamedTensorMap {
  let out = grads;
  if (rules.weightDecay) {
    const decay = rules.weightDecay;
    const variables = tf.engine().registeredVariables;
    out = Object.fromEntries(
      Object.entries(out).map(([name, g]) => [name, rules.decayed?.has(name) ? tf.add(g, tf.mul(variables[name], decay)) : g]),
    );
  }
  if (rules.clipNorm) {
    const norm = tf.sqrt(tf.addN(Object.values(out).map((g) => tf.sum(tf.square(g)))));
    const scale = tf.minimum(1, tf.div(rules.clipNorm, tf.maximum(norm, 1e-12)));
    out = Object.fromEntries(Object.entries(out).map(([name, g]) => [name, tf.mul(g, scale)]));
  }
  return out;
}

/** Sets the step size of an SGD/momentum or Adam optimizer (both read it on every step). */
export function setLearningRate(optimizer: tfjs.Optimizer, lr: number): void {
  const o = optimizer as tfjs.Optimizer & { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.learningRate === lr) return;
  if (o.setLearningRate) o.setLearningRate(lr);
  else o.learningRate = lr;
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
 * class weights the loss is the mean of each example's loss times its class's weight. With the `hinge` loss the
 * model's output is the svm's scores (linear-svm.ts), whose argmax is also its prediction.
 */
export function trainStep(
  tf: Tf,
  model: tfjs.LayersModel,
  optimizer: tfjs.Optimizer,
  batch: Batch,
  shape: number[],
  classes: number,
  classWeights?: Float32Array,
  update: UpdateRules = {},
  objective: LossKind = 'crossentropy',
): [number, number] {
  return tf.tidy(() => {
    const x = toInput(tf, batch.x, batch.labels.length, shape);
    const labels = tf.tensor1d(batch.labels, 'int32');
    const y = batch.targets ? tf.tensor2d(batch.targets, [batch.labels.length, classes]) : tf.oneHot(labels, classes);
    const weights = classWeights ? tf.gather(tf.tensor1d(classWeights), labels) : undefined;
    let correct: tfjs.Tensor | undefined;
    // What optimizer.minimize does (variableGrads, then applyGradients), with the update rules in between.
    const { value: loss, grads } = tf.variableGrads(() => {
      const output = model.apply(x, { training: true }) as tfjs.Tensor;
      // Kept past variableGrads' own scope, then released by the outer tidy.
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(output, -1), labels), 'float32')));
      const perExample = objective === 'hinge' ? squaredHinge(tf, y, output) : tf.metrics.categoricalCrossentropy(y, output);
      return tf.mean(weights ? tf.mul(perExample, weights) : perExample) as tfjs.Scalar;
    });
    optimizer.applyGradients(applyUpdateRules(tf, grads, update));
    // One 8-byte read per batch. The WASM, CPU and tfjs-node backends compute eagerly, so it stalls nothing.
    const values = tf.stack([loss, correct!]).dataSync();
    correct!.dispose();
    return [values[0], values[1]];
  });
}

/** Mean loss (cross-entropy, or the svm's hinge) and accuracy over a set, in inference mode. */
export function evaluateSet(
  tf: Tf,
  model: tfjs.LayersModel,
  set: ExampleSet,
  shape: number[],
  classes: number,
  batchSize: number,
  kind: LossKind = 'crossentropy',
): { loss: number; accuracy: number } {
  return scoreProbabilities(predictSet(tf, model, set, shape, batchSize), set, classes, kind);
}

/** Mean loss and accuracy of class probabilities [n, classes] (row-major) against a set's labels. */
export function scoreProbabilities(probs: Float32Array, set: Pick<ExampleSet, 'n' | 'labels'>, classes: number, kind: LossKind = 'crossentropy'): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < set.n; i++) {
    const row = probs.subarray(i * classes, (i + 1) * classes);
    loss += kind === 'hinge' ? squaredHingeOfProbs(row, set.labels[i]) : -Math.log(Math.max(row[set.labels[i]], 1e-7));
    let arg = 0;
    for (let k = 1; k < classes; k++) if (row[k] > row[arg]) arg = k;
    if (arg === set.labels[i]) correct += 1;
  }
  return { loss: set.n ? loss / set.n : 0, accuracy: set.n ? correct / set.n : 0 };
}

/** Input values per prediction batch (64 MB): inference keeps no activations for a backward pass. */
const PREDICTION_VALUES = 1 << 24;

/**
 * Rows per batch when predicting (validation, evaluation): as many as fit PREDICTION_VALUES, so that a pass over a
 * set is a few large batches rather than many of the training batch's size (each batch costs a fixed dispatch).
 * Inference has no batch statistics (BatchNorm uses its moving averages), so the batch size changes no result
 * beyond float rounding.
 */
export function predictionRows(size: number): number {
  return Math.max(1, Math.floor(PREDICTION_VALUES / Math.max(1, size)));
}

/** Class probabilities of every example, row-major [n, classes]. */
export function predictSet(tf: Tf, model: tfjs.LayersModel, set: ExampleSet, shape: number[], batchSize: number): Float32Array {
  const parts: Float32Array[] = [];
  const rows = Math.min(batchSize, set.n);
  const buffer = new Float32Array(rows * set.size);
  for (let start = 0; start < set.n; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, set.n - start) }, (_, i) => start + i);
    parts.push(
      tf.tidy(() => (model.apply(toInput(tf, gatherBatch(set, idx, buffer), idx.length, shape), { training: false }) as tfjs.Tensor).dataSync() as Float32Array),
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
