// Split: assign every utterance to train, val or test, stratified by emotion, by file or by speaker.

import { StageError } from '../errors.js';
import { defineStage } from './stage.js';

export const splitStage = defineStage({
  type: 'split',
  version: 1,
  usesSeed: true,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      train: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'default: 1 - val - test' },
      val: { type: 'number', minimum: 0, maximum: 1, default: 0.16 },
      test: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.2 },
      by: { enum: ['file', 'speaker'], default: 'file' },
    },
  },
  async run(ctx) {
    throw new StageError('the split stage is not built yet', { stage: ctx.name });
  },
});
