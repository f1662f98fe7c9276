// Small conv/LSTM sizes for model-structure and gradient tests: every layer type of the four models, quickly.

import type { ModelParams } from '../../../src/models/build-model.js';

export const TINY_MODEL: Omit<ModelParams, 'model'> = {
  filters: [4, 6, 6, 8],
  kernelSizes: [16, 3, 3, 3],
  strides: [4, 1, 1, 1],
  poolSizes: [2, 2, 2, 2],
  lstmUnits: 5,
  denseUnits: 7,
  frameLength: 32,
  dropout: 0,
};
