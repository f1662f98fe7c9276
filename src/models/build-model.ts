// The paper's four models, built from the train stage's params.
//   nn:       the input flattened → dense → dropout → softmax
//   cnn:      four blocks Conv1D → BatchNorm → ELU → MaxPool1D, global average pool → dropout → softmax
//   lstm:     the waveform cut into frames of `frameLength` samples (a [steps, frameLength] sequence) → LSTM → softmax
//   cnn_lstm: the four conv blocks, then one LSTM (tanh) over the conv output sequence → dropout → softmax
// Stock tfjs layers throughout, so model.json loads in any tfjs; wasm-training.ts makes their gradients run on WASM.

import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './backend.js';

export type ModelKind = 'nn' | 'cnn' | 'lstm' | 'cnn_lstm';

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
}

/**
 * Input shape of one example: [steps, channels] for sequence models, [values] for nn. `example` is a waveform's
 * sample count or a [steps, channels] matrix (frames × dims of features); the lstm cuts a waveform into frames of
 * `frameLength` samples, and reads a feature matrix's frames as they are.
 */
export function inputShape(params: ModelParams, example: number | [number, number]): number[] {
  const [steps, channels] = typeof example === 'number' ? [example, 1] : example;
  if (params.model === 'nn') return [steps * channels];
  if (params.model === 'lstm' && channels === 1) return [Math.floor(steps / params.frameLength), params.frameLength];
  return [steps, channels];
}

export function buildModel(tf: Tf, params: ModelParams, example: number | [number, number], classes: number, seed: number): tfjs.Sequential {
  const model = tf.sequential({ name: params.model });
  let s = seed * 1000;
  const next = (): number => ++s;
  const shape = inputShape(params, example);
  if (shape[0] < 1) throw new Error(`an example of ${String(example)} samples holds no frame of ${params.frameLength}; shorten frameLength`);
  // Keras' LSTM defaults (sigmoid gates), which the paper's models would have used; tfjs defaults to hardSigmoid.
  const lstm = (extra: Partial<Parameters<Tf['layers']['lstm']>[0]> = {}): tfjs.layers.Layer =>
    tf.layers.lstm({
      units: params.lstmUnits,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: next() }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: next() }),
      ...extra,
    });
  switch (params.model) {
    case 'nn':
      model.add(tf.layers.dense({ inputShape: shape, units: params.denseUnits, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: next() }) }));
      break;
    case 'lstm':
      model.add(lstm({ inputShape: shape }));
      break;
    case 'cnn':
    case 'cnn_lstm': {
      addConvBlocks(tf, model, params, shape, next);
      model.add(params.model === 'cnn' ? tf.layers.globalAveragePooling1d() : lstm());
      break;
    }
  }
  // The train loop reseeds dropout before every step (reseedDropout): a fixed seed would draw the same mask each time.
  if (params.dropout > 0) model.add(tf.layers.dropout({ rate: params.dropout, seed: next() }));
  model.add(tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: next() }) }));
  return model;
}

/** Seeds every dropout layer for one training step, so masks differ per step yet repeat per (seed, step). */
export function reseedDropout(model: tfjs.LayersModel, stepSeed: number): void {
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Dropout') (layer as unknown as { seed: number }).seed = stepSeed;
  }
}

function addConvBlocks(tf: Tf, model: tfjs.Sequential, params: ModelParams, shape: number[], next: () => number): void {
  let length = shape[0];
  params.filters.forEach((filters, i) => {
    const kernelSize = params.kernelSizes[i];
    const strides = params.strides[i];
    const poolSize = params.poolSizes[i];
    length = Math.floor((length - kernelSize) / strides) + 1;
    if (length < 1) throw new Error(`conv block ${i + 1}: the sequence is shorter than its kernel (${kernelSize}); shorten kernels or strides`);
    model.add(
      tf.layers.conv1d({ filters, kernelSize, strides, kernelInitializer: tf.initializers.glorotUniform({ seed: next() }), ...(i === 0 ? { inputShape: shape } : {}) }),
    );
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.elu());
    if (poolSize > 1 && Math.floor(length / poolSize) >= 1) {
      model.add(tf.layers.maxPooling1d({ poolSize, strides: poolSize }));
      length = Math.floor(length / poolSize);
    }
  });
}
