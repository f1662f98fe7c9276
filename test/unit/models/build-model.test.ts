// The four models' shapes, their FLOP counts (by hand), and dropout masks that change per step but repeat per seed.

import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../../src/models/backend.js';
import { buildModel, inputShape, reseedDropout, type ModelParams } from '../../../src/models/build-model.js';
import { modelFlops } from '../../../src/models/flops.js';
import { TINY_MODEL } from './tiny-model.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await selectBackend('wasm'));
});

const classNames = (model: tfjs.LayersModel): string[] => model.layers.map((l) => l.getClassName());

describe('buildModel', () => {
  it('builds the four models of the paper from the same params', () => {
    const block = ['Conv1D', 'BatchNormalization', 'ELU', 'MaxPooling1D'];
    const layers = (model: ModelParams['model']): string[] => classNames(buildModel(tf, { ...TINY_MODEL, model, dropout: 0.2 }, 512, 3, 1));
    expect(layers('nn')).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(layers('lstm')).toEqual(['LSTM', 'Dropout', 'Dense']);
    expect(layers('cnn')).toEqual([...block, ...block, ...block, ...block, 'GlobalAveragePooling1D', 'Dropout', 'Dense']);
    expect(layers('cnn_lstm')).toEqual([...block, ...block, ...block, ...block, 'LSTM', 'Dropout', 'Dense']);
  });

  it('frames the waveform for the lstm, keeps it one channel for the convolutions and flat for nn', () => {
    expect(inputShape({ ...TINY_MODEL, model: 'lstm' }, 512)).toEqual([16, 32]);
    expect(inputShape({ ...TINY_MODEL, model: 'cnn' }, 512)).toEqual([512, 1]);
    expect(inputShape({ ...TINY_MODEL, model: 'nn' }, 1024)).toEqual([1024]);
    const model = buildModel(tf, { ...TINY_MODEL, model: 'cnn_lstm' }, 512, 3, 1);
    // 512 → conv 16/4: 125 → pool 62 → 60 → 30 → 28 → 14 → 12 → 6 steps of 8 features into the LSTM.
    expect((model.layers.find((l) => l.getClassName() === 'LSTM')!.input as tfjs.SymbolicTensor).shape).toEqual([null, 6, 8]);
    expect(model.outputs[0].shape).toEqual([null, 3]);
  });

  it('says which block is too short for its kernel', () => {
    expect(() => buildModel(tf, { ...TINY_MODEL, model: 'cnn', kernelSizes: [16, 3, 3, 30] }, 512, 3, 1)).toThrow(/conv block 4: the sequence is shorter than its kernel \(30\)/);
  });

  it('seeds dropout per step: the same step seed gives the same mask, another seed another', () => {
    const model = buildModel(tf, { ...TINY_MODEL, model: 'nn', dropout: 0.5 }, 64, 3, 1);
    const x = tf.ones([4, 64]);
    const apply = (stepSeed: number): number[] => {
      reseedDropout(model, stepSeed);
      return Array.from((model.apply(x, { training: true }) as tfjs.Tensor).dataSync());
    };
    expect(apply(1)).toEqual(apply(1));
    expect(apply(2)).not.toEqual(apply(1));
  });
});

describe('modelFlops', () => {
  it('counts forward and backward matrix products layer by layer', () => {
    const flops = modelFlops(buildModel(tf, { ...TINY_MODEL, model: 'cnn_lstm' }, 512, 3, 1));
    // Conv: 2·K·Cin·Cout·Lout. LSTM (6 steps, 8 in, 5 units): input 2·4·5·8·6, state 2·4·5·5·6. Dense 2·5·3.
    expect(flops.layers.map((l) => [l.className, l.forward])).toEqual([
      ['Conv1D', 2 * 16 * 1 * 4 * 125],
      ['Conv1D', 2 * 3 * 4 * 6 * 60],
      ['Conv1D', 2 * 3 * 6 * 6 * 28],
      ['Conv1D', 2 * 3 * 6 * 8 * 12],
      ['LSTM', 1920 + 1200],
      ['Dense', 30],
    ]);
    // The first convolution needs no input gradient; the LSTM always back-propagates through its state.
    expect(flops.layers.map((l) => l.backward)).toEqual([16000, 2 * 8640, 2 * 6048, 2 * 3456, 3120 + 1200 + 1920, 60]);
    expect(flops.forward).toBe(37294);
    expect(flops.backward).toBe(58588);
  });
});
