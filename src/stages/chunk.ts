// Chunk: cut each utterance into fixed-length chunks, zero-padding the last.
//
// Chunk k starts at k·hop. An utterance of n samples gives 1 + ceil((n − length) / hop) chunks (1 when
// n ≤ length), so every utterance gives at least one chunk and every sample is in some chunk when hop ≤ length;
// `maxChunks` keeps the first ones. Chunks keep their utterance's id, speaker, label and split.

import type { ParamProblem } from '../core/stage-type.js';
import { DataError } from '../errors.js';
import type { JsonObject } from '../json.js';
import { writeChunks, type ChunkWithSamples } from '../dataset/chunk-files.js';
import { FileProgress } from '../dataset/file-progress.js';
import type { SplitName } from '../dataset/types.js';
import { readUtterances } from '../dataset/utterance-files.js';
import { defineStage } from './stage.js';

export interface ChunkParams {
  length: number;
  hop?: number;
  maxChunks?: number;
}

/** How many chunks an utterance of `samples` samples gives. */
export function chunkCount(samples: number, length: number, hop: number, maxChunks = Infinity): number {
  const all = samples <= length ? 1 : 1 + Math.ceil((samples - length) / hop);
  return Math.min(all, maxChunks);
}

export const chunkStage = defineStage<ChunkParams>({
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
  checkParams: chunkParamProblems,
  async run(ctx) {
    const { length, maxChunks } = ctx.params;
    const hop = ctx.params.hop ?? length;
    const input = readUtterances(ctx.inputs[0].dir);
    const { classes, rows, sampleRate } = input.manifest;
    if (sampleRate === null) {
      throw new DataError('the utterances have different sample rates', { stage: ctx.name }, 'put a normalize stage (which resamples to one rate) before chunk');
    }
    const unsplit = rows.find((r) => r.split === undefined);
    if (unsplit) {
      throw new DataError(`utterance ${unsplit.id} has no train/val/test side`, { stage: ctx.name }, 'put a split stage before chunk (split comes before chunk, so chunks of one file stay on one side)');
    }
    const counts: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
    let padded = 0;
    const progress = new FileProgress(ctx.report, ctx.signal, rows.length);
    function* chunks(): Generator<ChunkWithSamples> {
      for (const row of rows) {
        progress.check();
        const audio = input.samples(row);
        const label = classes.indexOf(row.emotion);
        const n = chunkCount(audio.length, length, hop, maxChunks);
        for (let position = 0; position < n; position++) {
          const start = position * hop;
          const samples = new Float32Array(length);
          samples.set(audio.subarray(start, Math.min(start + length, audio.length)));
          if (start + length > audio.length) padded++;
          counts[row.split!]++;
          yield { row: { utterance: row.id, speaker: row.speaker, position, label, split: row.split! }, samples };
        }
        progress.step();
      }
    }
    const manifest = await writeChunks(ctx.outDir, { classes, sampleRate, length }, chunks());
    return {
      metrics: {
        chunks: manifest.rows.length,
        'chunks.train': counts.train,
        'chunks.val': counts.val,
        'chunks.test': counts.test,
        padded,
        files: rows.length,
      },
      info: { length, hop, maxChunks: maxChunks ?? null, sampleRate, seconds: length / sampleRate },
    };
  },
});

/** A hop longer than the chunk would skip samples between chunks. */
function chunkParamProblems(params: JsonObject): ParamProblem[] {
  if (params.hop !== undefined && Number(params.hop) > Number(params.length)) {
    return [{ message: `hop ${params.hop} is longer than length ${params.length}: samples would be skipped`, path: ['hop'], hint: 'hop <= length' }];
  }
  return [];
}
