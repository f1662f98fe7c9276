// Chunk: cut each utterance into fixed-length chunks, zero-padding the last.

import { StageError } from '../errors.js';
import { defineStage } from './stage.js';

export const chunkStage = defineStage({
  type: 'chunk',
  version: 1,
  usesSeed: false,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      length: { type: 'integer', minimum: 1, default: 16000 },
      hop: { type: 'integer', minimum: 1, description: 'samples between chunk starts; default = length (no overlap)' },
      maxChunks: { type: 'integer', minimum: 1, description: 'keep at most this many chunks per utterance' },
    },
  },
  async run(ctx) {
    throw new StageError('the chunk stage is not built yet', { stage: ctx.name });
  },
});
