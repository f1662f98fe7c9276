// Evaluate: per-file predictions on the test split; accuracy, UA, macro-F1, per-class recall, confusion matrix.

import { StageError } from '../errors.js';
import { defineStage } from './stage.js';

export const evaluateStage = defineStage({
  type: 'evaluate',
  version: 1,
  usesSeed: false,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {},
  },
  async run(ctx) {
    throw new StageError('the evaluate stage is not built yet', { stage: ctx.name });
  },
});
