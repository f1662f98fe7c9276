// Train: fit one of the paper's models with SGD (momentum, Nesterov), early stopping and checkpoints.

import { StageError } from '../errors.js';
import { defineStage } from './stage.js';

export const trainStage = defineStage({
  type: 'train',
  version: 1,
  usesSeed: true,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      model: { enum: ['nn', 'cnn', 'lstm', 'cnn_lstm'], default: 'cnn_lstm' },
      input: { enum: ['chunk', 'file'], default: 'chunk', description: 'chunk: each chunk one example; file: the file [chunks, length] one example' },
      epochs: { type: 'integer', minimum: 1, default: 50 },
      patience: { type: 'integer', minimum: 1, default: 10 },
      batchSize: { type: 'integer', minimum: 1, default: 32 },
      lr: { type: 'number', exclusiveMinimum: 0, default: 0.01 },
      momentum: { type: 'number', minimum: 0, maximum: 1, default: 0.9 },
      nesterov: { type: 'boolean', default: true },
    },
  },
  async run(ctx) {
    throw new StageError('the train stage is not built yet', { stage: ctx.name });
  },
});
