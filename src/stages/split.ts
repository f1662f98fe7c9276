// Split: assign every utterance to train, val or test, stratified by emotion, by file or by speaker, or as one
// fold of leave-one-speaker-out (`folds: loso`, `fold: k`; planning expands a spec without `fold` into every fold).
// Split comes before chunk, so that the chunks of one file (or one speaker) never land on two sides.

import type { ParamProblem } from '../core/stage-type.js';
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
  checkParams: splitParamProblems,
  keyParams: withFoldDefaults,
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

/** Ratios must leave something to train on and sum to 1; the fold params apply only to leave-one-speaker-out. */
function splitParamProblems(params: JsonObject): ParamProblem[] {
  if (params.folds === 'loso') return losoProblems(params);
  const stray = ['fold', 'speakers'].find((k) => params[k] !== undefined);
  if (stray) {
    return [{ message: `${stray} applies only with folds: loso`, path: [stray], hint: 'set folds: loso (leave one speaker out, with by: speaker), or leave it out' }];
  }
  const val = Number(params.val ?? 0);
  const test = Number(params.test ?? 0);
  if (params.train === undefined) {
    return 1 - val - test > 1e-9
      ? []
      : [{ message: `val + test = ${round(val + test)} leaves nothing to train on`, path: ['test'], hint: 'val + test must be below 1 (train is 1 - val - test)' }];
  }
  const sum = Number(params.train) + val + test;
  return Math.abs(sum - 1) <= 1e-6
    ? []
    : [{ message: `train + val + test must sum to 1, got ${round(sum)}`, path: ['train'], hint: 'or leave train out: it is then 1 - val - test' }];
}

/** Leave-one-speaker-out ignores the ratios; it needs whole speakers and a fold within the speaker count. */
function losoProblems(params: JsonObject): ParamProblem[] {
  const problems: ParamProblem[] = [];
  if (params.by !== 'speaker') {
    problems.push({ message: `folds: loso leaves one speaker out per fold, so it needs by: speaker, got by: ${String(params.by)}`, path: ['folds'], hint: 'set by: speaker (train/val/test ratios are ignored with folds: loso)' });
  }
  const speakers = Number(params.speakers ?? LOSO_SPEAKERS);
  if (params.fold !== undefined && Number(params.fold) > speakers) {
    problems.push({ message: `fold ${params.fold} is above speakers ${speakers}`, path: ['fold'], hint: `folds run 1..${speakers}; set speakers to the data's speaker count` });
  }
  return problems;
}

/**
 * A split's params as they enter its cache key. `folds`, `fold` and `speakers` came after EMO-DB results were
 * cached, so they have no schema defaults (a default would change every split's key); here `folds: none` written
 * out is dropped, as if left out, and LOSO gets its speaker count, so writing a default never changes a key.
 */
function withFoldDefaults(params: JsonObject): JsonObject {
  if (params.folds === 'none') delete params.folds;
  if (params.folds === 'loso' && params.speakers === undefined) params.speakers = LOSO_SPEAKERS;
  return params;
}
