// Compare: one table across the cells of a matrix, beside reference values, as markdown, CSV and JSON.

import { StageError } from '../errors.js';
import { defineStage } from './stage.js';

export const compareStage = defineStage({
  type: 'compare',
  version: 1,
  usesSeed: false,
  scope: 'plan',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      metric: { enum: ['accuracy', 'ua', 'macroF1'], default: 'accuracy' },
      reference: { enum: ['paper-table2', 'none'], default: 'none' },
    },
  },
  async run(ctx) {
    throw new StageError('the compare stage is not built yet', { stage: ctx.name });
  },
});
