// Reference numbers to compare our runs with. ROCLING 2021, "Speech Emotion Recognition Based on CNN+LSTM
// Model", Table 2: test accuracy (%) on EMO-DB, 7 emotions and 4 emotions (anger, happiness, neutral, sadness;
// 339 files). The paper reports accuracy only, and no CNN or LSTM result on 4 emotions.

import { EMOTIONS } from '../dataset/types.js';

export type ReferenceName = 'paper-table2';
export type ReferenceMetric = 'accuracy' | 'ua' | 'macroF1';

export interface ReferenceRow {
  model: string;
  /** Class-set name as the ingest stage spells it (`all7`, `four`). */
  classSet: string;
  metric: ReferenceMetric;
  /** Percent. */
  value: number;
}

export const PAPER_TABLE2: readonly ReferenceRow[] = [
  { model: 'nn', classSet: 'all7', metric: 'accuracy', value: 53.3 },
  { model: 'cnn', classSet: 'all7', metric: 'accuracy', value: 45.8 },
  { model: 'lstm', classSet: 'all7', metric: 'accuracy', value: 50.5 },
  { model: 'cnn_lstm', classSet: 'all7', metric: 'accuracy', value: 57.83 },
  { model: 'nn', classSet: 'four', metric: 'accuracy', value: 77.9 },
  { model: 'cnn_lstm', classSet: 'four', metric: 'accuracy', value: 83.0 },
];

const REFERENCES: Record<ReferenceName, readonly ReferenceRow[]> = { 'paper-table2': PAPER_TABLE2 };

/** The reference value (percent) for a model on a class set, or undefined where the reference has none. */
export function lookupReference(
  reference: ReferenceName,
  key: { model?: string; classSet?: string; metric: ReferenceMetric },
): number | undefined {
  return REFERENCES[reference].find((r) => r.model === key.model && r.classSet === key.classSet && r.metric === key.metric)
    ?.value;
}

/** The paper's 4-emotion set. */
export const FOUR_CLASSES = ['anger', 'happiness', 'neutral', 'sadness'] as const;

/**
 * The name of a class set as the ingest stage's `classes` param spells it: `all7`, `four`, or the classes joined
 * with `+` for any other set. Order does not matter, so a run's classes (in label order) find their reference.
 */
export function classSetName(classes: readonly string[]): string {
  const sorted = [...classes].sort();
  const same = (set: readonly string[]) => set.length === sorted.length && [...set].sort().every((c, i) => c === sorted[i]);
  if (same(EMOTIONS)) return 'all7';
  if (same(FOUR_CLASSES)) return 'four';
  return classes.join('+');
}
