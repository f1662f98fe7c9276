// The paper's four models, built from the train stage's params.
//   nn:       the input flattened → dense → dropout → softmax
//   cnn:      four blocks Conv1D → BatchNorm → ELU → MaxPool1D, global average pool → dropout → softmax
//   lstm:     the waveform cut into frames of `frameLength` samples (a [steps, frameLength] sequence) → LSTM → softmax
//   cnn_lstm: the four conv blocks, then one LSTM (tanh) over the conv output sequence → dropout → softmax
//   logreg:   the input flattened → one dense softmax layer (multinomial logistic regression)
//   svm:      the input flattened → one dense layer of class scores → softmax (linear-svm.ts trains the scores
//             with a multiclass squared hinge; the softmax only turns them into uncalibrated probabilities)
// On features ([frames, dims] from a features stage) the dims are the channels: the convolutions run over time and
// the lstm reads the frames. `pooling: attention` replaces the average (cnn) or last state (lstm, cnn_lstm) with a
// learned softmax-weighted sum over time.
// Stock tfjs layers throughout, so model.json loads in any tfjs; wasm-training.ts makes their gradients run on WASM,
// and fused-lstm.ts and fused-batch-norm.ts make the LSTM and BatchNorm layers train in far fewer kernels.

import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './backend.js';
import { fuseBatchNormLayers } from './fused-batch-norm.js';
import { fuseLstmLayers } from './fused-lstm.js';

export type ModelKind = 'nn' | 'cnn' | 'lstm' | 'cnn_lstm' | 'logreg' | 'svm';

/** The linear models: one dense layer on the flattened input, no dropout, no hidden units. */
export function isLinear(model: ModelKind): model is 'logreg' | 'svm' {
  return model === 'logreg' || model === 'svm';
}

export interface ModelParams {
  model: ModelKind;
  filters: number[];
  kernelSizes: number[];
  strides: number[];
  poolSizes: number[];
  lstmUnits: number;
  denseUnits: number;
  frameLength: number;
  dropout: number;
  /** How a sequence becomes one vector: default (cnn: average over time; lstm: its last state) or attention. */
  pooling?: 'default' | 'attention';
  /** BatchNorm's moving-average momentum; tfjs' (and Keras') default 0.99 when left out. */
  bnMomentum?: number;
}

/** Input standardisation fitted on the training split: (x − mean) / std, as the model's first layer. */
export interface InputScaling {
  mean: number;
  std: number;
}

/**
 * Input shape of one example: [steps, channels] for sequence models, [values] for nn. `example` is a waveform's
 * sample count or a [steps, channels] matrix (frames × dims of features); the lstm cuts a waveform into frames of
 * `frameLength` samples, and reads a feature matrix's frames as they are.
 */
export function inputShape(params: ModelParams, example: number | [number, number]): number[] {
  const [steps, channels] = typeof example === 'number' ? [example, 1] : example;
  if (params.model === 'nn' || isLinear(params.model)) return [steps * channels];
  if (params.model === 'lstm' && channels === 1) return [Math.floor(steps / params.frameLength), params.frameLength];
  return [steps, channels];
}

export function buildModel(
  tf: Tf,
  params: ModelParams,
  example: number | [number, number],
  classes: number,
  seed: number,
  scaling?: InputScaling,
): tfjs.LayersModel {
  let s = seed * 1000;
  const next = (): number => ++s;
  const shape = inputShape(params, example);
  if (shape[0] < 1) throw new Error(`an example of ${String(example)} samples holds no frame of ${params.frameLength}; shorten frameLength`);
  const attention = params.pooling === 'attention' && params.model !== 'nn';
  // Keras' LSTM defaults (sigmoid gates), which the paper's models would have used; tfjs defaults to hardSigmoid.
  const lstm = (extra: Partial<Parameters<Tf['layers']['lstm']>[0]> = {}): tfjs.layers.Layer =>
    tf.layers.lstm({
      units: params.lstmUnits,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: next() }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: next() }),
      returnSequences: attention,
      ...extra,
    });
  // The layers up to a sequence (or, for nn, a vector); attention pooling or the model's own reduction follows.
  // A stock Rescaling layer standardises the input, so model.json carries the scaling to prediction.
  const body: tfjs.layers.Layer[] = scaling ? [tf.layers.rescaling({ inputShape: shape, scale: 1 / scaling.std, offset: -scaling.mean / scaling.std })] : [];
  const inputShapeArg = scaling ? {} : { inputShape: shape };
  if (isLinear(params.model)) {
    // The svm's scores are the dense layer's output; a Softmax layer after it keeps predict.ts and evaluate unchanged.
    const dense = tf.layers.dense({ ...inputShapeArg, units: classes, activation: params.model === 'logreg' ? 'softmax' : 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed: next() }) });
    const output = params.model === 'svm' ? [tf.layers.softmax()] : [];
    return tf.sequential({ name: params.model, layers: [...body, dense, ...output] });
  }
  switch (params.model) {
    case 'nn':
      body.push(tf.layers.dense({ ...inputShapeArg, units: params.denseUnits, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: next() }) }));
      break;
    case 'lstm':
      body.push(lstm(inputShapeArg));
      break;
    case 'cnn':
    case 'cnn_lstm': {
      body.push(...convBlocks(tf, params, shape, next, inputShapeArg));
      if (params.model === 'cnn_lstm') body.push(lstm());
      else if (!attention) body.push(tf.layers.globalAveragePooling1d());
      break;
    }
  }
  // The train loop reseeds dropout before every step (reseedDropout): a fixed seed would draw the same mask each time.
  const head = (): tfjs.layers.Layer[] => [
    ...(params.dropout > 0 ? [tf.layers.dropout({ rate: params.dropout, seed: next() })] : []),
    tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: next() }) }),
  ];
  if (!attention) return fused(tf.sequential({ name: params.model, layers: [...body, ...head()] }));
  const input = tf.input({ shape });
  const sequence = body.reduce<tfjs.SymbolicTensor>((x, layer) => layer.apply(x) as tfjs.SymbolicTensor, input);
  const pooled = attentionPooling(tf, sequence, next);
  const output = head().reduce<tfjs.SymbolicTensor>((x, layer) => layer.apply(x) as tfjs.SymbolicTensor, pooled);
  return fused(tf.model({ name: params.model, inputs: input, outputs: output }));

  function fused(model: tfjs.LayersModel): tfjs.LayersModel {
    fuseLstmLayers(tf, model);
    fuseBatchNormLayers(tf, model);
    return model;
  }
}

/**
 * Attention pooling over time: a learned score per step (dense → 1), softmax over the steps, and the
 * score-weighted sum of the steps. Stock layers only (Dense, Softmax, Dot), so model.json loads in any tfjs.
 */
function attentionPooling(tf: Tf, sequence: tfjs.SymbolicTensor, next: () => number): tfjs.SymbolicTensor {
  const steps = sequence.shape[1] as number;
  const apply = (layer: tfjs.layers.Layer, x: tfjs.SymbolicTensor | tfjs.SymbolicTensor[]) => layer.apply(x) as tfjs.SymbolicTensor;
  const scores = apply(tf.layers.flatten(), apply(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: next() }) }), sequence));
  const weights = apply(tf.layers.reshape({ targetShape: [steps, 1] }), apply(tf.layers.softmax(), scores));
  return apply(tf.layers.flatten(), apply(tf.layers.dot({ axes: 1 }), [weights, sequence]));
}

/** Seeds every dropout layer for one training step, so masks differ per step yet repeat per (seed, step). */
export function reseedDropout(model: tfjs.LayersModel, stepSeed: number): void {
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Dropout') (layer as unknown as { seed: number }).seed = stepSeed;
  }
}

function convBlocks(tf: Tf, params: ModelParams, shape: number[], next: () => number, inputShapeArg: { inputShape?: number[] }): tfjs.layers.Layer[] {
  const layers: tfjs.layers.Layer[] = [];
  let length = shape[0];
  params.filters.forEach((filters, i) => {
    const kernelSize = params.kernelSizes[i];
    const strides = params.strides[i];
    const poolSize = params.poolSizes[i];
    length = Math.floor((length - kernelSize) / strides) + 1;
    if (length < 1) throw new Error(`conv block ${i + 1}: the sequence is shorter than its kernel (${kernelSize}); shorten kernels or strides`);
    layers.push(
      tf.layers.conv1d({ filters, kernelSize, strides, kernelInitializer: tf.initializers.glorotUniform({ seed: next() }), ...(i === 0 ? inputShapeArg : {}) }),
      tf.layers.batchNormalization(params.bnMomentum === undefined ? {} : { momentum: params.bnMomentum }),
      tf.layers.elu(),
    );
    if (poolSize > 1 && Math.floor(length / poolSize) >= 1) {
      layers.push(tf.layers.maxPooling1d({ poolSize, strides: poolSize }));
      length = Math.floor(length / poolSize);
    }
  });
  return layers;
}
