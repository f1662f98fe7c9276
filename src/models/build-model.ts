// The paper's four models, built from the train stage's params.
//   nn:       the input flattened → dense → dropout → softmax
//   cnn:      four blocks Conv1D → BatchNorm → ELU → MaxPool1D, global average pool → dropout → softmax
//   lstm:     the waveform cut into frames of `frameLength` samples (a [steps, frameLength] sequence) → LSTM → softmax
//   cnn_lstm: the four conv blocks, then one LSTM (tanh) over the conv output sequence → dropout → softmax
// Conv1D is MatMulConv1D (see matmul-conv1d.ts) so that every model trains on the WASM backend.

import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './backend.js';
import { convOutputLength, matMulConv1DClass } from './matmul-conv1d.js';

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

/** Input shape of one example: [steps, channels] for sequence models, [features] for nn. */
export function inputShape(params: ModelParams, samples: number): number[] {
  if (params.model === 'nn') return [samples];
  if (params.model === 'lstm') return [Math.floor(samples / params.frameLength), params.frameLength];
  return [samples, 1];
}

export function buildModel(tf: Tf, params: ModelParams, samples: number, classes: number, seed: number): tfjs.Sequential {
  const model = tf.sequential({ name: params.model });
  let s = seed * 1000;
  const next = (): number => ++s;
  const shape = inputShape(params, samples);
  switch (params.model) {
    case 'nn':
      model.add(tf.layers.dense({ inputShape: shape, units: params.denseUnits, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: next() }) }));
      break;
    case 'lstm':
      model.add(tf.layers.lstm({ inputShape: shape, units: params.lstmUnits, kernelInitializer: tf.initializers.glorotUniform({ seed: next() }), recurrentInitializer: tf.initializers.orthogonal({ seed: next() }) }));
      break;
    case 'cnn':
    case 'cnn_lstm': {
      addConvBlocks(tf, model, params, shape, next);
      if (params.model === 'cnn') model.add(tf.layers.globalAveragePooling1d());
      else model.add(tf.layers.lstm({ units: params.lstmUnits, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: next() }), recurrentInitializer: tf.initializers.orthogonal({ seed: next() }) }));
      break;
    }
  }
  if (params.dropout > 0) model.add(tf.layers.dropout({ rate: params.dropout, seed: next() }));
  model.add(tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: next() }) }));
  return model;
}

function addConvBlocks(tf: Tf, model: tfjs.Sequential, params: ModelParams, shape: number[], next: () => number): void {
  const Conv = matMulConv1DClass(tf);
  let length = shape[0];
  params.filters.forEach((filters, i) => {
    const kernelSize = params.kernelSizes[i];
    const strides = params.strides[i];
    const poolSize = params.poolSizes[i];
    length = convOutputLength(length, kernelSize, strides);
    if (length < 1) throw new Error(`conv block ${i + 1}: the sequence is shorter than its kernel (${kernelSize}); shorten kernels or strides`);
    model.add(new Conv({ filters, kernelSize, strides, seed: next(), ...(i === 0 ? { inputShape: shape } : {}) }));
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.elu());
    if (poolSize > 1 && Math.floor(length / poolSize) >= 1) {
      model.add(tf.layers.maxPooling1d({ poolSize, strides: poolSize }));
      length = Math.floor(length / poolSize);
    }
  });
}

/** Forward multiply-adds × 2 per example, counted layer by layer (conv: 2·K·Cin·Cout·Lout; LSTM: 8·(in+units)·units per step). */
export function forwardFlops(params: ModelParams, samples: number, classes: number): number {
  let flops = 0;
  const shape = inputShape(params, samples);
  let features: number;
  if (params.model === 'nn') {
    flops += 2 * shape[0] * params.denseUnits;
    features = params.denseUnits;
  } else if (params.model === 'lstm') {
    flops += shape[0] * 8 * (shape[1] + params.lstmUnits) * params.lstmUnits;
    features = params.lstmUnits;
  } else {
    let length = shape[0];
    let channels = 1;
    params.filters.forEach((filters, i) => {
      length = convOutputLength(length, params.kernelSizes[i], params.strides[i]);
      flops += 2 * params.kernelSizes[i] * channels * filters * length;
      channels = filters;
      if (params.poolSizes[i] > 1) length = Math.floor(length / params.poolSizes[i]);
    });
    if (params.model === 'cnn_lstm') {
      flops += length * 8 * (channels + params.lstmUnits) * params.lstmUnits;
      features = params.lstmUnits;
    } else {
      features = channels;
    }
  }
  return flops + 2 * features * classes;
}
