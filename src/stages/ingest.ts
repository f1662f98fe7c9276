// Ingest: scan a folder of EMO-DB files (or generate a synthetic corpus) into an utterance manifest.

import { StageError } from '../errors.js';
import { defineStage } from './stage.js';

export const ingestStage = defineStage({
  type: 'ingest',
  version: 1,
  usesSeed: false,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      format: { enum: ['emodb', 'synthetic'], default: 'emodb' },
      root: { type: 'string', minLength: 1, description: 'folder of EMO-DB wav files (format: emodb)' },
      classes: {
        default: 'all7',
        oneOf: [
          { enum: ['all7', 'four'] },
          { type: 'array', minItems: 2, uniqueItems: true, items: { enum: ['anger', 'boredom', 'disgust', 'fear', 'happiness', 'sadness', 'neutral'] } },
        ],
      },
      strict: { type: 'boolean', default: false, description: 'error (instead of warn) on files not named like EMO-DB' },
      count: { type: 'integer', minimum: 7, default: 140, description: 'synthetic: number of utterances' },
      minSeconds: { type: 'number', exclusiveMinimum: 0, default: 1 },
      maxSeconds: { type: 'number', exclusiveMinimum: 0, default: 9 },
      sampleRate: { type: 'integer', minimum: 1000, default: 16000, description: 'synthetic: sample rate of the generated audio' },
      corpusSeed: { type: 'integer', default: 1, description: 'synthetic: seed of the generated corpus' },
    },
  },
  async run(ctx) {
    throw new StageError('the ingest stage is not built yet', { stage: ctx.name });
  },
});
