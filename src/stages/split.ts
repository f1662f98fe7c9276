// Split: assign every utterance to train, val or test, stratified by emotion, by file or by speaker, or as one
// fold of leave-one-speaker-out (`folds: loso`, `fold: k`; planning expands a spec without `fold` into every fold).
// Split comes before chunk, so that the chunks of one file (or one speaker) never land on two sides.

import { DataError } from '../errors.js';
import { FileProgress } from '../dataset/file-progress.js';
import type { JsonObject } from '../json.js';
import { assignByFile, assignBySpeaker, assignLeaveOneSpeakerOut, effectiveShares, type Side } from '../dataset/split-assign.js';
import type { Emotion, Utterance } from '../dataset/types.js';
import { readUtterances, writeUtterances, type UtteranceWithSamples } from '../dataset/utterance-files.js';
import { defineStage } from './stage.js';

export interface SplitParams {
  train?: number;
  val: number;
  test: number;
  by: 'file' | 'speaker';
  /** Absent means 'none' (see the schema). */
  folds?: 'none' | 'loso';
  fold?: number;
  /** Absent means LOSO_SPEAKERS. */
  speakers?: number;
}

/** EMO-DB's speaker count: the number of leave-one-speaker-out folds unless `speakers` says otherwise. */
export const LOSO_SPEAKERS = 10;

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
      // No defaults below: a default would enter every split's params, so every existing cache key would change.
      folds: { enum: ['none', 'loso'], description: "default none; loso: leave one speaker out (needs by: speaker; ignores train/val/test)" },
      fold: { type: 'integer', minimum: 1, description: 'with folds: loso, the fold to run (1..speakers); left out, the plan runs every fold' },
      // Planning cannot read the data folder, so the fold count is a param; the stage checks it against the data.
      speakers: { type: 'integer', minimum: 3, description: `with folds: loso, the number of speakers (folds); default ${LOSO_SPEAKERS}, EMO-DB's` },
    },
  },
  async run(ctx) {
    const { by } = ctx.params;
    const input = readUtterances(ctx.inputs[0].dir);
    const { classes, rows } = input.manifest;
    if (rows.length === 0) throw new DataError('the dataset to split is empty', { stage: ctx.name });
    const sides = assignSides(rows, classes, ctx.params, ctx.seed, ctx.name);
    const shares = ctx.params.folds === 'loso' ? actualShares(sides) : effectiveShares(ctx.params, ctx.name);
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
    const fold: JsonObject = ctx.params.folds === 'loso' ? { folds: 'loso', fold: ctx.params.fold! } : {};
    return summary(rows, classes, sides, by, shares, fold);
  },
});

function assignSides(rows: Utterance[], classes: Emotion[], params: SplitParams, seed: number, stage: string): Map<string, Side> {
  if (params.folds !== 'loso') return (params.by === 'speaker' ? assignBySpeaker : assignByFile)(rows, classes, params, seed, stage);
  if (params.fold === undefined) {
    throw new DataError('folds: loso without a fold', { stage }, `planning runs every fold; to run one by hand, set ${stage}.fold`);
  }
  return assignLeaveOneSpeakerOut(rows, classes, { fold: params.fold, speakers: params.speakers ?? LOSO_SPEAKERS }, seed, stage);
}

/** Leave-one-speaker-out ignores the ratios; the info reports the shares the speakers give. */
function actualShares(sides: Map<string, Side>): Record<Side, number> {
  const all = [...sides.values()];
  return Object.fromEntries(SIDES.map((s) => [s, all.filter((x) => x === s).length / all.length])) as Record<Side, number>;
}

function summary(rows: Utterance[], classes: Emotion[], sides: Map<string, Side>, by: string, shares: Record<Side, number>, fold: JsonObject) {
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
      ...fold,
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
