// Normalize: resample every utterance to one rate and scale it (RMS as in the paper, or peak).
// Resampling comes first so that the level is measured on the audio the models will see.

import { normalizePeak, normalizeRms, SILENCE_RMS, type Leveled } from '../audio/level.js';
import { resample } from '../audio/resample.js';
import { FileProgress } from '../dataset/file-progress.js';
import { readUtterances, writeUtterances, type UtteranceWithSamples } from '../dataset/utterance-files.js';
import { defineStage } from './stage.js';

export interface NormalizeParams {
  sampleRate: number;
  method: 'rms' | 'peak' | 'none';
  target: number;
}

/** Silent files named in the warning before "and N more". */
const LIST_LIMIT = 10;

export const normalizeStage = defineStage<NormalizeParams>({
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
    const { sampleRate, method, target } = ctx.params;
    const input = readUtterances(ctx.inputs[0].dir);
    const rows = input.manifest.rows;
    const silent: string[] = [];
    let resampled = 0;
    const progress = new FileProgress(ctx.report, ctx.signal, rows.length);
    function* normalized(): Generator<UtteranceWithSamples> {
      for (const row of rows) {
        progress.check();
        const audio = resample(input.samples(row), row.sampleRate, sampleRate);
        if (row.sampleRate !== sampleRate) resampled++;
        const leveled = level(audio, method, target);
        if (leveled.silent) silent.push(row.id);
        const { offset, length, ...labels } = row;
        yield { row: { ...labels, sampleRate }, samples: leveled.samples };
        progress.step();
      }
    }
    const manifest = await writeUtterances(ctx.outDir, input.manifest.classes, normalized());
    if (silent.length > 0) {
      const shown = silent.slice(0, LIST_LIMIT).join(', ') + (silent.length > LIST_LIMIT ? `, and ${silent.length - LIST_LIMIT} more` : '');
      ctx.report({ kind: 'log', level: 'warn', message: `${silent.length === 1 ? '1 file is' : `${silent.length} files are`} silent (RMS below ${SILENCE_RMS}) and were left unscaled: ${shown}` });
    }
    return {
      metrics: { files: manifest.rows.length, resampled, silent: silent.length },
      info: { sampleRate, method, target, silentFiles: silent },
    };
  },
});

function level(samples: Float32Array, method: NormalizeParams['method'], target: number): Leveled {
  switch (method) {
    case 'rms':
      return normalizeRms(samples, target);
    case 'peak':
      return normalizePeak(samples, target);
    case 'none':
      return { samples, gain: 1, silent: false };
  }
}
