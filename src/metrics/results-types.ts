// The shapes of compare's results table: what it reads per evaluated cell and what each row holds. Plain data, so
// the table is built and tested from objects and rendered elsewhere (src/render/).

import type { CellInfo } from '../core/cell.js';
import { SPEAKER_NORMALISED } from '../dataset/feature-scaling.js';
import type { JsonObject } from '../json.js';
import type { ReferenceName } from '../references/reference-results.js';
import type { RowFlags } from './diagnose.js';
import type { Summary } from './seeds.js';

export type CompareMetric = 'accuracy' | 'ua' | 'macroF1';
export const METRICS: readonly CompareMetric[] = ['accuracy', 'ua', 'macroF1'];

/** The matrix key that names a repetition; cells differing only here are one row. */
export const SEED_KEY = 'seed';
/** Matrix keys that carry the model and class set when the evaluate artifact does not. */
export const MODEL_KEY = 'train.model';
export const CLASS_SET_KEY = 'ingest.classes';

/** What each protocol variant means, said under compare's table wherever a row has it. */
export const PROTOCOL_VARIANT_NOTES: Readonly<Record<string, string>> = {
  [SPEAKER_NORMALISED]:
    "speaker-normalised: features standardised per speaker over all of that speaker's audio (features normalize: speaker), so it uses the test speakers' unlabelled audio; not the protocol of rows without it.",
};

/** How the table is built: compare's params. */
export interface ResultsOptions {
  metric: CompareMetric;
  reference: ReferenceName | 'none';
  /** Training minus validation accuracy at the kept epoch (a fraction) above which a model is flagged overfit. */
  overfitGap?: number;
  /** Matrix keys whose values rows must share to be rivals for the validation mark (e.g. train.model). */
  selectWithin?: string[];
}

/** One evaluate artifact's per-file predictions (predictions.json), as far as pooling needs them. */
export interface CellPredictions {
  classes: string[];
  files: { utterance: string; label: number; predicted: number }[];
}

export type Scores = Record<CompareMetric, number>;

/** What compare reads from each evaluate artifact's metrics.json (fractions in [0, 1]). */
export interface EvaluatedCell extends Scores {
  cell: CellInfo;
  model?: string;
  classSet?: string;
  /** `random` or `speaker-independent`; undefined for an artifact written before evaluate recorded it. */
  protocol?: string;
  /** `speaker-normalised` where the features were standardised per speaker (they read the test speakers' audio). */
  protocolVariant?: string;
  /** The trained model's best validation accuracy; undefined or null where unknown. */
  valAccuracy?: number | null;
  /** The training accuracy at the same (kept) epoch; undefined or null where unknown. */
  trainAccuracy?: number | null;
  /** The test confusion matrix, `matrix[t][p]`; undefined where metrics.json has none. */
  confusion?: number[][];
  /** Read only for the cells of a fold row. */
  predictions?: CellPredictions;
}

/** Accuracy of the single fold × seed evaluations of a fold row, percent. */
export interface FoldSpread {
  n: number;
  /** Sample standard deviation; null for one evaluation. */
  std: number | null;
  min: number;
  max: number;
}

export interface ResultRow {
  /** The cell's matrix values without the seed and folds, e.g. `train.model=nn ingest.classes=all7`. */
  label: string;
  values: JsonObject;
  model: string | null;
  classSet: string | null;
  seeds: number[];
  /**
   * `random`, `speaker-independent` or `LOSO (N folds)`, followed by ` · <variant>` where the row's evaluations
   * record a protocol variant; null where an older artifact does not say.
   */
  protocol: string | null;
  /** `speaker-normalised` where the row's features were standardised per speaker; absent otherwise. */
  protocolVariant?: string;
  /** Folds pooled per seed; null for a row without folds. */
  folds: number | null;
  /** Spread of the single folds' accuracy (every fold and seed); null for a row without folds. */
  foldAccuracy: FoldSpread | null;
  /** Percent. Over seeds; for a fold row, over seeds of the pooled scores. */
  accuracy: Summary;
  ua: Summary;
  macroF1: Summary;
  /** Mean validation accuracy over the row's cells, percent; null where any cell lacks it. */
  valAccuracy: number | null;
  /** The best mean validation accuracy among the rows of its class set and protocol (marked `*`). */
  selectedByValidation: boolean;
  /** Reference value of the compared metric, percent; null where the reference has none. */
  reference: number | null;
  /** Mean of the compared metric minus the reference, percentage points. */
  difference: number | null;
  flags: RowFlags;
}

export interface ResultsTable {
  metric: CompareMetric;
  reference: ReferenceName | 'none';
  unit: 'percent';
  /** The overfit flag's threshold, a fraction. */
  overfitGap: number;
  /** Keys whose values rows share to compete for the validation mark, beyond class set and protocol. */
  selectWithin: string[];
  /** Matrix keys (without the seed and folds) that appear in any row: the table's leading columns. */
  keys: string[];
  rows: ResultRow[];
}
