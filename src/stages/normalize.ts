// Normalize: resample every utterance to one rate and scale it (RMS as in the paper, or peak).

import { StageError } from '../errors.js';
import { defineStage } from './stage.js';

export const normalizeStage = defineStage({
  type: 'normalize',
  version: 1,
  usesSeed: false,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      sampleRate: { type: 'integer', minimum: 1000, default: 16000 },
      method: { enum: ['rms', 'peak', 'none'], default: 'rms' },
      target: { type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'RMS (or peak) level after normalisation' },
    },
  },
  async run(ctx) {
    throw new StageError('the normalize stage is not built yet', { stage: ctx.name });
  },
});
