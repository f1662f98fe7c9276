// Split: assign every utterance to train, val or test, stratified by emotion, by file or by speaker.
// Split comes before chunk, so that the chunks of one file (or one speaker) never land on two sides.

import { DataError } from '../errors.js';
import { FileProgress } from '../dataset/file-progress.js';
import { assignByFile, assignBySpeaker, effectiveShares, type Side } from '../dataset/split-assign.js';
import type { Emotion, Utterance } from '../dataset/types.js';
import { readUtterances, writeUtterances, type UtteranceWithSamples } from '../dataset/utterance-files.js';
import { defineStage } from './stage.js';

export interface SplitParams {
  train?: number;
  val: number;
  test: number;
  by: 'file' | 'speaker';
}

const SIDES: Side[] = ['train', 'val', 'test'];

export const splitStage = defineStage<SplitParams>({
  type: 'split',
  version: 1,
  usesSeed: true,
  scope: 'cell',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      // No default, so that a spec can change val or test alone (`--set split.test=0.3`) and train follows.
      train: { type: 'number', minimum: 0, maximum: 1, description: 'default 1 - val - test; if given, train + val + test = 1' },
      val: { type: 'number', minimum: 0, maximum: 1, default: 0.16 },
      test: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.2 },
      by: { enum: ['file', 'speaker'], default: 'file' },
    },
  },
  async run(ctx) {
    const { by } = ctx.params;
    const input = readUtterances(ctx.inputs[0].dir);
    const { classes, rows } = input.manifest;
    if (rows.length === 0) throw new DataError('the dataset to split is empty', { stage: ctx.name });
    const shares = effectiveShares(ctx.params, ctx.name);
    const assign = by === 'speaker' ? assignBySpeaker : assignByFile;
    const sides = assign(rows, classes, ctx.params, ctx.seed, ctx.name);
    const progress = new FileProgress(ctx.report, ctx.signal, rows.length);
    function* withSplit(): Generator<UtteranceWithSamples> {
      for (const row of rows) {
        progress.check();
        const { offset, length, ...labels } = row;
        yield { row: { ...labels, split: sides.get(row.id)! }, samples: input.samples(row) };
        progress.step();
      }
    }
    await writeUtterances(ctx.outDir, classes, withSplit());
    return summary(rows, classes, sides, by, shares);
  },
});

function summary(rows: Utterance[], classes: Emotion[], sides: Map<string, Side>, by: string, shares: Record<Side, number>) {
  const counts = Object.fromEntries(SIDES.map((s) => [s, Object.fromEntries(classes.map((c) => [c, 0]))])) as Record<Side, Record<Emotion, number>>;
  const speakers = Object.fromEntries(SIDES.map((s) => [s, new Set<string>()])) as Record<Side, Set<string>>;
  for (const row of rows) {
    const side = sides.get(row.id)!;
    counts[side][row.emotion]++;
    speakers[side].add(row.speaker);
  }
  const metrics: Record<string, number> = {};
  for (const side of SIDES) metrics[`files.${side}`] = Object.values(counts[side]).reduce((a, b) => a + b, 0);
  return {
    metrics,
    info: {
      by,
      shares: Object.fromEntries(SIDES.map((s) => [s, round(shares[s])])),
      counts,
      speakers: Object.fromEntries(SIDES.map((s) => [s, [...speakers[s]].sort()])),
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
