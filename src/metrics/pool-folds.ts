// Leave-one-speaker-out rows of compare's table: per seed, every fold's test predictions are pooled and scored once.

import { StageError } from '../errors.js';
import { canonicalJson } from '../json.js';
import { classify } from './classification.js';
import type { EvaluatedCell, Scores } from './results-types.js';

/** A fold key (`split.fold`, written by the plan's leave-one-speaker-out expansion): its cells pool into one row. */
export function isFoldKey(key: string): boolean {
  return key.split('.').pop() === 'fold';
}

/**
 * Per seed, all folds' test predictions scored as one set. Pooled, not averaged over folds: a fold tests one
 * speaker, who may lack a class (EMO-DB's speaker 08 has no disgust file), so a fold's UA is over fewer classes and
 * an average of fold UAs weighs each speaker's few files of a class like another speaker's many.
 */
export function poolFolds(group: EvaluatedCell[]): { seeds: number[]; folds: number; perSeed: Scores[] } {
  const bySeed = new Map<number, EvaluatedCell[]>();
  for (const c of group) bySeed.set(c.cell.seed, [...(bySeed.get(c.cell.seed) ?? []), c]);
  const perSeed = [...bySeed.entries()].map(([seed, cells]) => scorePooled(seed, cells));
  const folds = new Set(group.map((c) => canonicalJson(Object.fromEntries(Object.entries(c.cell.values).filter(([k]) => isFoldKey(k)))))).size;
  return { seeds: [...bySeed.keys()], folds, perSeed };
}

function scorePooled(seed: number, cells: EvaluatedCell[]): Scores {
  const classes = cells[0].predictions?.classes;
  const tested = new Set<string>();
  const truth: number[] = [];
  const predicted: number[] = [];
  for (const c of cells) {
    if (!c.predictions) throw new StageError(`cell ${c.cell.id} is a fold but has no predictions to pool`);
    if (canonicalJson(c.predictions.classes) !== canonicalJson(classes!)) {
      throw new StageError(`cell ${c.cell.id} has classes ${c.predictions.classes.join(', ')}, another fold of seed ${seed} has ${classes!.join(', ')}`);
    }
    for (const f of c.predictions.files) {
      // Folds partition the files: a file tested twice means the cells were not folds of one split.
      if (tested.has(f.utterance)) throw new StageError(`${f.utterance} is tested in two folds of seed ${seed}`, {}, 'folds of one row must test disjoint speakers');
      tested.add(f.utterance);
      truth.push(f.label);
      predicted.push(f.predicted);
    }
  }
  const { scores } = classify(truth, predicted, classes!.length);
  return { accuracy: scores.accuracy, ua: scores.ua, macroF1: scores.macroF1 };
}
