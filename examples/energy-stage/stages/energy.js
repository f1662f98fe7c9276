// A module stage: the log-energy contour of each chunk and its frame-to-frame change, as a [frames, 2] feature
// matrix in the chunk format, so that train and evaluate read it as they read pipe's own features stage.
// Made with pipe's defineStage: its params are validated (defaults filled in) like a built-in stage's, it reports
// progress to the dashboard, and its errors are reported with the stage's name.

import { defineStage, readChunks, StageError, writeChunks } from 'pipe-ml/stage';
import { logEnergies } from './frame-energy.js';

export default defineStage({
  type: 'energy',
  version: 1,
  usesSeed: false,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      frameMs: { type: 'number', exclusiveMinimum: 0, default: 25 },
      hopMs: { type: 'number', exclusiveMinimum: 0, default: 10 },
    },
  },
  /** @param {import('pipe-ml/stage').StageContext<{ frameMs: number, hopMs: number }>} ctx */
  async run(ctx) {
    const input = ctx.inputs.find((i) => i.type === 'chunk');
    if (!input) throw new StageError('needs a chunk stage as its input', { stage: ctx.name }, 'add `needs: [chunk]`');
    const { manifest, chunk } = readChunks(input.dir);
    const frame = Math.round((manifest.sampleRate * ctx.params.frameMs) / 1000);
    const hop = Math.round((manifest.sampleRate * ctx.params.hopMs) / 1000);
    const features = manifest.rows.map((row, i) => {
      if (ctx.signal.aborted) throw new StageError('cancelled', { stage: ctx.name });
      ctx.report({ kind: 'progress', done: i, total: manifest.rows.length, unit: 'chunks' });
      return withDeltas(logEnergies(chunk(row.index), frame, hop));
    });
    const frames = features[0].length / 2;
    await writeChunks(
      ctx.outDir,
      { classes: manifest.classes, sampleRate: manifest.sampleRate, length: frames * 2, shape: [frames, 2], features: { kind: 'energy', ...ctx.params } },
      manifest.rows.map(({ index, ...row }) => ({ row, samples: features[index] })),
    );
    return { metrics: { chunks: manifest.rows.length, frames } };
  },
});

/** [frames, 2], row-major: each frame's energy and its change from the frame before. */
function withDeltas(energy) {
  const out = new Float32Array(energy.length * 2);
  for (let f = 0; f < energy.length; f++) {
    out[2 * f] = energy[f];
    out[2 * f + 1] = f === 0 ? 0 : energy[f] - energy[f - 1];
  }
  return out;
}
