// Assign utterances to train / val / test, stratified by emotion, by file or by speaker, or one fold of
// leave-one-speaker-out. Pure: rows and a seed in, a side per row out, so the no-leak and stratification
// guarantees are tested without files.
//
// Ratios: `train` is 1 − val − test; when it is given as well, the three must sum to 1 (the spec layer checks
// this too, with the same rule). So `--set split.test=0.3` with train left out means 54/16/30.

import { DataError } from '../errors.js';
import { mixSeed, mulberry32, shuffled } from './random.js';
import type { Emotion, SplitName } from './types.js';

export interface SplitRatios {
  /** Default: 1 − val − test. */
  train?: number;
  val: number;
  test: number;
}

export type Side = SplitName;

export interface SplitRow {
  id: string;
  speaker: string;
  emotion: Emotion;
}

/** Floating-point slack: 0.64 + 0.16 + 0.2 is not exactly 1. */
const EPS = 1e-6;

/** Candidate speaker partitions tried for `by: speaker`; the seed picks them, the best one wins. */
const SPEAKER_CANDIDATES = 500;

/** The fraction of files each side gets; DataError when val + test leave nothing or train does not fit. */
export function effectiveShares(ratios: SplitRatios, stage?: string): Record<Side, number> {
  const train = 1 - ratios.val - ratios.test;
  if (train <= EPS) {
    throw new DataError(
      `split.val + split.test = ${round(ratios.val + ratios.test)}, which leaves nothing for training`,
      { stage },
      'lower split.val or split.test so that they sum to less than 1',
    );
  }
  if (ratios.train !== undefined && Math.abs(ratios.train - train) > EPS) {
    throw new DataError(
      `split.train + split.val + split.test must sum to 1, got ${round(ratios.train + ratios.val + ratios.test)}`,
      { stage },
      'or leave split.train out: it is then 1 - val - test',
    );
  }
  return { train, val: ratios.val, test: ratios.test };
}

/** Per class: shuffle its files, then cut test and val by rounded counts; train gets the rest. */
export function assignByFile(rows: SplitRow[], classes: Emotion[], ratios: SplitRatios, seed: number, stage?: string): Map<string, Side> {
  const shares = effectiveShares(ratios, stage);
  const random = mulberry32(mixSeed(seed, 1));
  const sides = new Map<string, Side>();
  for (const emotion of classes) {
    const ids = rows.filter((r) => r.emotion === emotion).map((r) => r.id).sort();
    if (ids.length === 0) continue;
    const n = ids.length;
    // At least one test file per class: within one file of the ratio for any class of two files or more.
    const nTest = Math.max(1, Math.round(n * shares.test));
    const nVal = Math.min(n - nTest, Math.round(n * shares.val));
    shuffled(ids, random).forEach((id, i) => sides.set(id, i < nTest ? 'test' : i < nTest + nVal ? 'val' : 'train'));
  }
  requireTrainAndTest(rows, classes, sides, 'file', stage);
  return sides;
}

/**
 * Whole speakers go to one side. Of many seeded random speaker orders, each cut greedily into test, val and
 * train by file counts, keep the one closest to the per-class targets: stratification is best-effort and the
 * ratios hold approximately (EMO-DB has 10 speakers, so a side's share moves in steps of about 10%).
 */
export function assignBySpeaker(rows: SplitRow[], classes: Emotion[], ratios: SplitRatios, seed: number, stage?: string): Map<string, Side> {
  const shares = effectiveShares(ratios, stage);
  const speakers = [...new Set(rows.map((r) => r.speaker))].sort();
  const bySpeaker = new Map(speakers.map((s) => [s, classes.map((c) => rows.filter((r) => r.speaker === s && r.emotion === c).length)]));
  const order: Side[] = ['test', 'val', 'train'];
  const wanted = order.filter((side) => shares[side] > 0);
  if (speakers.length < wanted.length) {
    throw new DataError(
      `split by speaker needs a speaker for each of ${wanted.join(', ')}, but the data has ${speakers.length} speaker(s)`,
      { stage },
      'split by file instead (split.by=file), or set split.val=0',
    );
  }
  const classTotals = classes.map((_, c) => speakers.reduce((sum, s) => sum + bySpeaker.get(s)![c], 0));
  const random = mulberry32(mixSeed(seed, 2));
  let best: { cost: number; assignment: Map<string, Side> } | undefined;
  for (let k = 0; k < SPEAKER_CANDIDATES; k++) {
    const assignment = cutSpeakers(shuffled(speakers, random), bySpeaker, wanted, shares);
    const cost = speakerCost(assignment, bySpeaker, classTotals, shares);
    if (!best || cost < best.cost) best = { cost, assignment };
  }
  const sides = new Map<string, Side>();
  for (const row of rows) sides.set(row.id, best!.assignment.get(row.speaker)!);
  requireTrainAndTest(rows, classes, sides, 'speaker', stage);
  return sides;
}

/** Walk the speakers in order: each side takes speakers while that brings its file count closer to its target. */
function cutSpeakers(order: string[], bySpeaker: Map<string, number[]>, sides: Side[], shares: Record<Side, number>): Map<string, Side> {
  const files = (s: string) => bySpeaker.get(s)!.reduce((a, b) => a + b, 0);
  const total = order.reduce((sum, s) => sum + files(s), 0);
  const out = new Map<string, Side>();
  let i = 0;
  sides.forEach((side, k) => {
    const last = k === sides.length - 1;
    const target = shares[side] * total;
    // Leave at least one speaker for each side still to come.
    const reserve = sides.length - 1 - k;
    let count = 0;
    while (i < order.length - reserve) {
      const next = files(order[i]);
      const closer = Math.abs(count + next - target) < Math.abs(count - target);
      if (!last && count > 0 && !closer) break;
      out.set(order[i++], side);
      count += next;
    }
  });
  return out;
}

/** Distance from the per-class targets in files, plus a large penalty per class missing from train or test. */
function speakerCost(assignment: Map<string, Side>, bySpeaker: Map<string, number[]>, classTotals: number[], shares: Record<Side, number>): number {
  const got: Record<Side, number[]> = { train: [], val: [], test: [] };
  for (const side of Object.keys(got) as Side[]) got[side] = classTotals.map(() => 0);
  for (const [speaker, side] of assignment) bySpeaker.get(speaker)!.forEach((n, c) => (got[side][c] += n));
  let cost = 0;
  for (const side of Object.keys(got) as Side[]) {
    classTotals.forEach((total, c) => {
      cost += Math.abs(got[side][c] - shares[side] * total);
      if ((side === 'test' || side === 'train') && total > 0 && got[side][c] === 0) cost += 1e6;
    });
  }
  return cost;
}

export interface LosoFold {
  /** 1-based: fold k tests the k-th speaker in sorted speaker-id order. */
  fold: number;
  /** The speaker count the plan expanded into folds; the data must have exactly this many. */
  speakers: number;
}

/**
 * Leave-one-speaker-out, fold k: the k-th speaker (sorted ids) is the whole test side, one other speaker picked by
 * the seed is validation (for early stopping), the rest train. The ratio params play no part. A test speaker may
 * lack a class (EMO-DB's speaker 08 has no disgust file), so only train must hold every class.
 */
export function assignLeaveOneSpeakerOut(rows: SplitRow[], classes: Emotion[], loso: LosoFold, seed: number, stage = 'split'): Map<string, Side> {
  const speakers = [...new Set(rows.map((r) => r.speaker))].sort();
  // The stage's name in the spec (an instance id adds its matrix values in brackets): what a user would set.
  const param = stage.replace(/\[.*\]$/, '');
  if (speakers.length !== loso.speakers) {
    throw new DataError(
      `the data has ${speakers.length} speakers; set ${param}.speakers: ${speakers.length}`,
      { stage },
      `leave-one-speaker-out plans one fold per speaker, and the plan was made for ${loso.speakers} speakers`,
    );
  }
  if (!Number.isInteger(loso.fold) || loso.fold < 1 || loso.fold > speakers.length) {
    throw new DataError(`fold ${loso.fold} is not in 1..${speakers.length}`, { stage }, `set ${param}.fold to 1..${speakers.length}, or leave it out to run every fold`);
  }
  const test = speakers[loso.fold - 1];
  const rest = speakers.filter((s) => s !== test);
  // Its own stream per fold, so that one fold's validation speaker says nothing about another's.
  const random = mulberry32(mixSeed(mixSeed(seed, 3), loso.fold));
  const val = rest[Math.floor(random() * rest.length)];
  const sideOf = (speaker: string): Side => (speaker === test ? 'test' : speaker === val ? 'val' : 'train');
  const sides = new Map(rows.map((r) => [r.id, sideOf(r.speaker)]));
  for (const emotion of classes) {
    if (rows.some((r) => r.emotion === emotion) && !rows.some((r) => r.emotion === emotion && sides.get(r.id) === 'train')) {
      throw new DataError(
        `class ${emotion} has no train file in fold ${loso.fold} (test speaker ${test}, val speaker ${val})`,
        { stage },
        'try another seed: it picks the validation speaker',
      );
    }
  }
  return sides;
}

function requireTrainAndTest(rows: SplitRow[], classes: Emotion[], sides: Map<string, Side>, by: string, stage?: string): void {
  for (const emotion of classes) {
    const files = rows.filter((r) => r.emotion === emotion);
    if (files.length === 0) continue;
    for (const side of ['test', 'train'] as const) {
      if (!files.some((r) => sides.get(r.id) === side)) {
        throw new DataError(
          `class ${emotion} has no ${side} file (${files.length} files, split by ${by})`,
          { stage },
          by === 'speaker'
            ? `try another seed, a larger split.${side}, or split.by=file`
            : `class ${emotion} has too few files for this split; use a larger split.${side} or drop the class from ingest.classes`,
        );
      }
    }
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
