// Flags for a compare row that a researcher would otherwise dig out by hand: the row did not learn (no better than
// always answering the most frequent class), a seed's model collapsed onto one class, a seed's model overfit.

/** A model predicting one class for at least this share of its test files has collapsed. */
export const COLLAPSE_SHARE = 0.9;
/** compare's default for `overfitGap`: training minus validation accuracy at the kept epoch, as a fraction. */
export const DEFAULT_OVERFIT_GAP = 0.3;
const Z975 = 1.959963984540054;

/** One evaluated model (one evaluate artifact): a seed, or one fold of a seed. */
export interface DiagnosedModel {
  seed: number;
  /** `matrix[t][p]`: test files of true class t predicted as p; undefined where the artifact has none. */
  confusion?: number[][];
  /** Accuracy on the training data at the kept epoch (fraction); null or undefined where unknown. */
  trainAccuracy?: number | null;
  /** Validation accuracy at the kept epoch (fraction); null or undefined where unknown. */
  valAccuracy?: number | null;
}

/** A seed that carries a flag: `models` of its `of` models do (more than one only in a row of folds). */
export interface SeedFlag {
  seed: number;
  models: number;
  of: number;
}

/** null wherever the artifacts do not hold what the flag needs: unknown, not raised. */
export interface RowFlags {
  /** Percent: the most frequent true class's share of a seed's test files, averaged over seeds. */
  majorityRate: number | null;
  /** Percent: upper end of the Wilson 95% interval of `majorityRate` for one seed's number of test files. */
  majorityUpper95: number | null;
  /** The row's mean accuracy is not above `majorityUpper95`. */
  didNotLearn: boolean | null;
  collapsed: SeedFlag[] | null;
  overfit: SeedFlag[] | null;
}

/**
 * `meanAccuracy` is the row's mean test accuracy over seeds in percent, as compare's table shows it; `overfitGap` is
 * a fraction. A seed of a fold row has one model per fold: its majority rate is over all its folds' test files,
 * the rate compare's pooled accuracy is to be measured against.
 */
export function diagnoseRow(models: readonly DiagnosedModel[], meanAccuracy: number, overfitGap: number): RowFlags {
  const majority = majorityBound(models);
  return {
    majorityRate: majority === null ? null : 100 * majority.rate,
    majorityUpper95: majority === null ? null : 100 * majority.upper,
    didNotLearn: majority === null ? null : meanAccuracy / 100 <= majority.upper,
    collapsed: seedFlags(models, (m) => (m.confusion ? isCollapsed(m.confusion) : null)),
    overfit: seedFlags(models, (m) => isOverfit(m, overfitGap)),
  };
}

/**
 * Did-not-learn asks whether the row's mean accuracy is above what answering the majority class would score, beyond
 * the noise of a test set of that size: it compares the mean with the upper end of the Wilson 95% interval of the
 * majority rate p for n files, n being one seed's test files (seeds of one split test the same or like-sized
 * sets, so their files are not independent evidence). Wilson, not p ± 1.96·√(p(1−p)/n): it stays inside [0, 1]
 * and is not too narrow for the few dozen files of a small test split. Not the t-interval of the mean over seeds:
 * one seed has none, and with two or three seeds it is so wide that it would hold the majority rate of most rows.
 * Needs every model's confusion matrix.
 */
function majorityBound(models: readonly DiagnosedModel[]): { rate: number; upper: number } | null {
  if (models.length === 0 || models.some((m) => m.confusion === undefined)) return null;
  const perSeed = [...groupBySeed(models).values()].map((seedModels) => {
    const truth = sumVectors(seedModels.map((m) => m.confusion!.map(sum)));
    const files = sum(truth);
    return { rate: Math.max(...truth) / files, files };
  });
  if (perSeed.some((s) => s.files === 0)) return null;
  const rate = mean(perSeed.map((s) => s.rate));
  return { rate, upper: wilsonUpper(rate, mean(perSeed.map((s) => s.files))) };
}

/** Upper end of the Wilson score 95% interval of a proportion p observed on n trials. */
export function wilsonUpper(p: number, n: number): number {
  const z2 = Z975 * Z975;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z975 / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.min(1, centre + half);
}

/** One predicted class (a column of the confusion matrix) takes at least COLLAPSE_SHARE of the test files. */
export function isCollapsed(confusion: readonly number[][]): boolean {
  const predicted = sumVectors(confusion);
  const files = sum(predicted);
  return files > 0 && Math.max(...predicted) / files >= COLLAPSE_SHARE;
}

/**
 * Training minus validation accuracy at the kept epoch above the gap; null where either is unknown (an evaluate
 * artifact from before it recorded the training accuracy, or a run without a val split). The training accuracy is
 * the one measured while that epoch trained, with dropout and augmentation on, so the gap errs on the small side.
 * The 1e-9 keeps a gap equal to the threshold (0.8 − 0.5 is 0.30000000000000004) from counting as above it.
 */
export function isOverfit(model: DiagnosedModel, overfitGap: number): boolean | null {
  const { trainAccuracy, valAccuracy } = model;
  if (typeof trainAccuracy !== 'number' || typeof valAccuracy !== 'number') return null;
  return trainAccuracy - valAccuracy > overfitGap + 1e-9;
}

/** The seeds with at least one flagged model; null where no model could be judged. */
function seedFlags(models: readonly DiagnosedModel[], flag: (m: DiagnosedModel) => boolean | null): SeedFlag[] | null {
  const judged = new Map(models.map((m) => [m, flag(m)]));
  if ([...judged.values()].every((f) => f === null)) return null;
  return [...groupBySeed(models)].flatMap(([seed, seedModels]) => {
    const flagged = seedModels.filter((m) => judged.get(m) === true).length;
    return flagged > 0 ? [{ seed, models: flagged, of: seedModels.length }] : [];
  });
}

/**
 * The flags as short phrases, for compare's `flags` column and `pipe show`; an empty list where none is raised.
 * Did-not-learn is the whole row's: given the row's seeds (as `pipe show` does), it names them too.
 */
export function describeFlags(flags: RowFlags, rowSeeds?: readonly number[]): string[] {
  const phrases: string[] = [];
  if (flags.didNotLearn && flags.majorityRate !== null) {
    const seeds = rowSeeds?.length ? `${rowSeeds.length === 1 ? 'seed' : 'seeds'} ${rowSeeds.join(', ')}; ` : '';
    phrases.push(`did not learn (${seeds}majority ${flags.majorityRate.toFixed(2)}%)`);
  }
  if (flags.collapsed?.length) phrases.push(`collapsed: ${describeSeeds(flags.collapsed)}`);
  if (flags.overfit?.length) phrases.push(`overfit: ${describeSeeds(flags.overfit)}`);
  return phrases;
}

/** `seed 2`, `seeds 1, 3`, or with folds `seeds 1 (2/10 folds), 3 (1/10 folds)`. */
function describeSeeds(seeds: readonly SeedFlag[]): string {
  const one = (s: SeedFlag) => (s.of > 1 ? `${s.seed} (${s.models}/${s.of} folds)` : String(s.seed));
  return `${seeds.length === 1 ? 'seed' : 'seeds'} ${seeds.map(one).join(', ')}`;
}

function groupBySeed(models: readonly DiagnosedModel[]): Map<number, DiagnosedModel[]> {
  const bySeed = new Map<number, DiagnosedModel[]>();
  for (const m of models) bySeed.set(m.seed, [...(bySeed.get(m.seed) ?? []), m]);
  return bySeed;
}

/** Element-wise sum of vectors (the rows of a confusion matrix give the predicted counts). */
function sumVectors(vectors: readonly (readonly number[])[]): number[] {
  const length = Math.max(0, ...vectors.map((v) => v.length));
  return Array.from({ length }, (_, i) => sum(vectors.map((v) => v[i] ?? 0)));
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function mean(values: readonly number[]): number {
  return sum(values) / values.length;
}
