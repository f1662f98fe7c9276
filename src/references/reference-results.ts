// Reference numbers to compare our runs with, by class set, metric, and where it matters model and protocol.
//
// paper-table2: ROCLING 2021, "Speech Emotion Recognition Based on CNN+LSTM Model", Table 2: test accuracy (%) on
// EMO-DB, 7 emotions and 4 emotions (anger, happiness, neutral, sadness; 339 files), random file splits. The paper
// reports accuracy only, and no CNN or LSTM result on 4 emotions.
//
// classical-logmel: a plain classical baseline on the shared EMO-DB copy (issue 8): log-mel statistics + L2
// logistic regression, files resampled to 16 kHz and RMS-normalised; random stratified 80/20 splits (5 seeds) and
// leave-one-speaker-out. Any model: it is the bar a deep model has to clear.

import { EMOTIONS } from '../dataset/types.js';

export type ReferenceName = 'paper-table2' | 'classical-logmel';
export const REFERENCE_NAMES: readonly ReferenceName[] = ['paper-table2', 'classical-logmel'];
export type ReferenceMetric = 'accuracy' | 'ua' | 'macroF1';
/** How the files were split: `random` (speakers on both sides) or `loso` (leave one speaker out). */
export type ReferenceProtocol = 'random' | 'loso';

export interface ReferenceRow {
  /** Absent: the value holds whatever the model. */
  model?: string;
  /** Class-set name as the ingest stage spells it (`all7`, `four`). */
  classSet: string;
  protocol: ReferenceProtocol;
  metric: ReferenceMetric;
  /** Percent. */
  value: number;
}

export const PAPER_TABLE2: readonly ReferenceRow[] = [
  { model: 'nn', classSet: 'all7', protocol: 'random', metric: 'accuracy', value: 53.3 },
  { model: 'cnn', classSet: 'all7', protocol: 'random', metric: 'accuracy', value: 45.8 },
  { model: 'lstm', classSet: 'all7', protocol: 'random', metric: 'accuracy', value: 50.5 },
  { model: 'cnn_lstm', classSet: 'all7', protocol: 'random', metric: 'accuracy', value: 57.83 },
  { model: 'nn', classSet: 'four', protocol: 'random', metric: 'accuracy', value: 77.9 },
  { model: 'cnn_lstm', classSet: 'four', protocol: 'random', metric: 'accuracy', value: 83.0 },
];

export const CLASSICAL_LOGMEL: readonly ReferenceRow[] = [
  { classSet: 'all7', protocol: 'random', metric: 'accuracy', value: 75.8 },
  { classSet: 'all7', protocol: 'loso', metric: 'accuracy', value: 60.6 },
  { classSet: 'all7', protocol: 'loso', metric: 'ua', value: 59.0 },
  { classSet: 'four', protocol: 'random', metric: 'accuracy', value: 83.9 },
  { classSet: 'four', protocol: 'loso', metric: 'accuracy', value: 77.3 },
  { classSet: 'four', protocol: 'loso', metric: 'ua', value: 76.8 },
];

/** How charts name each reference's bars. */
export const REFERENCE_LABELS: Readonly<Record<ReferenceName, string>> = { 'paper-table2': 'paper', 'classical-logmel': 'classical reference' };

const REFERENCES: Record<ReferenceName, readonly ReferenceRow[]> = { 'paper-table2': PAPER_TABLE2, 'classical-logmel': CLASSICAL_LOGMEL };

/** The reference value (percent) for a result, or undefined where the reference has none. */
export function lookupReference(
  reference: ReferenceName,
  key: { model?: string; classSet?: string; metric: ReferenceMetric; protocol: ReferenceProtocol },
): number | undefined {
  return REFERENCES[reference].find(
    (r) => (r.model === undefined || r.model === key.model) && r.classSet === key.classSet && r.metric === key.metric && r.protocol === key.protocol,
  )?.value;
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
