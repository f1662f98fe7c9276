// Classification metrics from true and predicted label indices: the confusion matrix and what SER papers report
// (accuracy = weighted accuracy, WA; unweighted average recall, UA; macro-F1) plus per-class recall, precision, F1.

/** Rows are true classes, columns predicted classes: `matrix[t][p]` counts files of class t predicted as p. */
export type ConfusionMatrix = number[][];

export interface ClassScores {
  /** Files whose true class is this one. */
  support: number;
  /** Files predicted as this class. */
  predicted: number;
  /** null when the class has no true sample (0/0). */
  recall: number | null;
  /** null when nothing was predicted as this class (0/0). */
  precision: number | null;
  /** 2·TP / (2·TP + FP + FN); null when the class is absent from both truth and predictions (0/0). */
  f1: number | null;
}

export interface ClassificationScores {
  files: number;
  /** Correct / all: weighted accuracy (WA). */
  accuracy: number;
  /** Mean recall over the classes that have at least one true sample. */
  ua: number;
  /** Class indices left out of UA because they have no true sample. */
  uaExcluded: number[];
  /** Mean F1 over the classes whose F1 is defined (present in truth or predictions). */
  macroF1: number;
  /** Class indices left out of macro-F1 because they are absent from both truth and predictions. */
  macroF1Excluded: number[];
  perClass: ClassScores[];
}

export function confusionMatrix(truth: readonly number[], predicted: readonly number[], classCount: number): ConfusionMatrix {
  if (truth.length !== predicted.length) {
    throw new RangeError(`confusionMatrix: ${truth.length} true labels but ${predicted.length} predictions`);
  }
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  truth.forEach((t, i) => {
    const p = predicted[i];
    checkLabel(t, classCount, 'true label');
    checkLabel(p, classCount, 'predicted label');
    matrix[t][p] += 1;
  });
  return matrix;
}

function checkLabel(label: number, classCount: number, what: string): void {
  if (!Number.isInteger(label) || label < 0 || label >= classCount) {
    throw new RangeError(`confusionMatrix: ${what} ${label} is not a class index in [0, ${classCount})`);
  }
}

/** Every score derived from one confusion matrix. Throws on an empty matrix (no files: nothing to score). */
export function scoreConfusion(matrix: ConfusionMatrix): ClassificationScores {
  if (matrix.some((row) => row.length !== matrix.length)) {
    throw new RangeError('scoreConfusion: the confusion matrix is not square');
  }
  const files = sum(matrix.map(sum));
  if (files === 0) throw new RangeError('scoreConfusion: the confusion matrix counts no files');
  const perClass = matrix.map((row, c) => classScores(matrix, row, c));
  const correct = sum(matrix.map((row, c) => row[c]));

  const recalls = perClass.map((s) => s.recall);
  const f1s = perClass.map((s) => s.f1);
  return {
    files,
    accuracy: correct / files,
    ua: meanDefined(recalls),
    uaExcluded: indicesOfNull(recalls),
    macroF1: meanDefined(f1s),
    macroF1Excluded: indicesOfNull(f1s),
    perClass,
  };
}

function classScores(matrix: ConfusionMatrix, row: number[], c: number): ClassScores {
  const tp = row[c];
  const support = sum(row);
  const predicted = sum(matrix.map((r) => r[c]));
  const fn = support - tp;
  const fp = predicted - tp;
  return {
    support,
    predicted,
    recall: support > 0 ? tp / support : null,
    precision: predicted > 0 ? tp / predicted : null,
    // This form equals the harmonic mean of precision and recall where both exist, and is 0 (not undefined) for
    // a class that is only predicted or only true: a model that never finds a class scores 0 on it.
    f1: support + predicted > 0 ? (2 * tp) / (2 * tp + fp + fn) : null,
  };
}

/** Confusion matrix and scores in one call. */
export function classify(truth: readonly number[], predicted: readonly number[], classCount: number): {
  matrix: ConfusionMatrix;
  scores: ClassificationScores;
} {
  const matrix = confusionMatrix(truth, predicted, classCount);
  return { matrix, scores: scoreConfusion(matrix) };
}

/** Index of the largest value; the first one on a tie, so a prediction never depends on floating-point noise order. */
export function argmax(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('argmax of an empty list');
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function meanDefined(values: readonly (number | null)[]): number {
  const defined = values.filter((v): v is number => v !== null);
  return defined.length === 0 ? 0 : sum(defined) / defined.length;
}

function indicesOfNull(values: readonly (number | null)[]): number[] {
  return values.flatMap((v, i) => (v === null ? [i] : []));
}
