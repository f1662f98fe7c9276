import { describe, expect, it } from 'vitest';
import { describeFlags, diagnoseRow, isCollapsed, isOverfit, wilsonUpper, type DiagnosedModel } from '../../../src/metrics/diagnose.js';

/** A confusion matrix from `[true, predicted]` label pairs. */
function confusion(classes: number, pairs: [number, number][]): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (const [t, p] of pairs) m[t][p] += 1;
  return m;
}

/** `n` pairs of the true label `t`, each predicted as `p`. */
const times = (n: number, t: number, p: number): [number, number][] => Array.from({ length: n }, () => [t, p] as [number, number]);

describe('wilsonUpper', () => {
  it('is the upper end of the Wilson score 95% interval', () => {
    expect(wilsonUpper(0.6, 10)).toBeCloseTo(0.83182, 5);
    expect(wilsonUpper(0.25, 40)).toBeCloseTo(0.40194, 5);
    expect(wilsonUpper(0.5, 100)).toBeCloseTo(0.59617, 5);
    // Above 0 even when nothing was observed, and never above 1.
    expect(wilsonUpper(0, 10)).toBeCloseTo(3.8415 / 13.8415, 4);
    expect(wilsonUpper(1, 10)).toBeCloseTo(1, 12);
    expect(wilsonUpper(1, 10)).toBeLessThanOrEqual(1);
  });
});

describe('diagnoseRow: did not learn', () => {
  // 10 test files, 6 of class 0: answering class 0 always scores 60%, and 83.18% is the bound for 10 files.
  const majorityOnly = confusion(2, [...times(6, 0, 0), ...times(4, 1, 0)]);

  it('flags a row whose accuracy is the majority-class rate', () => {
    const flags = diagnoseRow([{ seed: 1, confusion: majorityOnly }], 60, 0.3);
    expect(flags.majorityRate).toBeCloseTo(60, 10);
    expect(flags.majorityUpper95).toBeCloseTo(83.182, 3);
    expect(flags.didNotLearn).toBe(true);
  });

  it('flags accuracy up to the bound, not above it', () => {
    expect(diagnoseRow([{ seed: 1, confusion: majorityOnly }], 83, 0.3).didNotLearn).toBe(true);
    expect(diagnoseRow([{ seed: 1, confusion: majorityOnly }], 90, 0.3).didNotLearn).toBe(false);
  });

  it('averages the majority rate over seeds and takes one seed’s number of files for the bound', () => {
    // Seed 1: 6 of 10 in class 0; seed 2: 4 of 10 in class 0, 6 in class 1. Both 60%; the bound is for n = 10, not 20.
    const seed2 = confusion(2, [...times(4, 0, 0), ...times(6, 1, 1)]);
    const flags = diagnoseRow([{ seed: 1, confusion: majorityOnly }, { seed: 2, confusion: seed2 }], 80, 0.3);
    expect(flags.majorityRate).toBeCloseTo(60, 10);
    expect(flags.majorityUpper95).toBeCloseTo(83.182, 3);
    expect(flags.didNotLearn).toBe(true);
  });

  it('pools the folds of a seed: the majority is over all its test files, not per fold', () => {
    // Fold 1 all class 0 (5 files), fold 2 all class 1 (5 files): per fold 100%, pooled 50%.
    const models: DiagnosedModel[] = [
      { seed: 1, confusion: confusion(2, times(5, 0, 0)) },
      { seed: 1, confusion: confusion(2, times(5, 1, 1)) },
    ];
    const flags = diagnoseRow(models, 100, 0.3);
    expect(flags.majorityRate).toBeCloseTo(50, 10);
    expect(flags.majorityUpper95).toBeCloseTo(100 * wilsonUpper(0.5, 10), 10);
    expect(flags.didNotLearn).toBe(false);
  });

  it('is unknown (null) where a model has no confusion matrix', () => {
    const flags = diagnoseRow([{ seed: 1, confusion: majorityOnly }, { seed: 2 }], 60, 0.3);
    expect(flags).toMatchObject({ majorityRate: null, majorityUpper95: null, didNotLearn: null });
  });
});

describe('diagnoseRow: collapsed', () => {
  // 10 files, 5 per class; the model answers class 0 for `k` of them.
  const answering0 = (k: number) => confusion(2, [...times(5, 0, 0), ...times(k - 5, 1, 0), ...times(10 - k, 1, 1)]);

  it('names the seed whose model predicts one class for 9 of 10 files, not the one at 8 of 10', () => {
    expect(isCollapsed(answering0(9))).toBe(true);
    expect(isCollapsed(answering0(8))).toBe(false);
    const flags = diagnoseRow([{ seed: 1, confusion: answering0(8) }, { seed: 2, confusion: answering0(9) }, { seed: 3, confusion: answering0(10) }], 70, 0.3);
    expect(flags.collapsed).toEqual([
      { seed: 2, models: 1, of: 1 },
      { seed: 3, models: 1, of: 1 },
    ]);
  });

  it('counts the collapsed folds of a seed', () => {
    const models = [1, 2, 3].map((fold) => ({ seed: 7, confusion: fold === 2 ? answering0(10) : answering0(5) }));
    expect(diagnoseRow(models, 70, 0.3).collapsed).toEqual([{ seed: 7, models: 1, of: 3 }]);
  });

  it('is an empty list when judged and not collapsed, null when no model has a confusion matrix', () => {
    expect(diagnoseRow([{ seed: 1, confusion: answering0(5) }], 100, 0.3).collapsed).toEqual([]);
    expect(diagnoseRow([{ seed: 1 }], 100, 0.3).collapsed).toBeNull();
  });
});

describe('diagnoseRow: overfit', () => {
  it('flags a gap above the threshold, not one at or below it', () => {
    expect(isOverfit({ seed: 1, trainAccuracy: 0.95, valAccuracy: 0.6 }, 0.3)).toBe(true);
    expect(isOverfit({ seed: 1, trainAccuracy: 0.8, valAccuracy: 0.5 }, 0.3)).toBe(false);
    expect(isOverfit({ seed: 1, trainAccuracy: 0.8, valAccuracy: 0.55 }, 0.3)).toBe(false);
    expect(isOverfit({ seed: 1, trainAccuracy: 0.8, valAccuracy: 0.55 }, 0.2)).toBe(true);
  });

  it('names the overfit seeds of a row', () => {
    const models: DiagnosedModel[] = [
      { seed: 1, trainAccuracy: 0.99, valAccuracy: 0.6 },
      { seed: 2, trainAccuracy: 0.7, valAccuracy: 0.65 },
      { seed: 3, trainAccuracy: 1, valAccuracy: 0.5 },
    ];
    expect(diagnoseRow(models, 60, 0.3).overfit).toEqual([
      { seed: 1, models: 1, of: 1 },
      { seed: 3, models: 1, of: 1 },
    ]);
  });

  it('is unknown without the training accuracy (an evaluation recorded before evaluate kept it), or without validation', () => {
    expect(isOverfit({ seed: 1, valAccuracy: 0.1 }, 0.3)).toBeNull();
    expect(isOverfit({ seed: 1, trainAccuracy: 1, valAccuracy: null }, 0.3)).toBeNull();
    expect(diagnoseRow([{ seed: 1, trainAccuracy: null, valAccuracy: 0.1 }], 60, 0.3).overfit).toBeNull();
    // Judged where known: seed 2 lacks it, seed 1 is judged and overfit.
    expect(diagnoseRow([{ seed: 1, trainAccuracy: 1, valAccuracy: 0.5 }, { seed: 2, valAccuracy: 0.1 }], 60, 0.3).overfit).toEqual([{ seed: 1, models: 1, of: 1 }]);
  });
});

describe('describeFlags', () => {
  it('says each raised flag with its seeds, and the row’s seeds for did-not-learn where given', () => {
    const flags = {
      majorityRate: 60,
      majorityUpper95: 83.18,
      didNotLearn: true,
      collapsed: [{ seed: 2, models: 1, of: 1 }],
      overfit: [
        { seed: 1, models: 2, of: 10 },
        { seed: 3, models: 1, of: 10 },
      ],
    };
    expect(describeFlags(flags)).toEqual(['did not learn (majority 60.00%)', 'collapsed: seed 2', 'overfit: seeds 1 (2/10 folds), 3 (1/10 folds)']);
    expect(describeFlags(flags, [1, 2, 3])[0]).toBe('did not learn (seeds 1, 2, 3; majority 60.00%)');
  });

  it('says nothing for flags not raised or unknown', () => {
    expect(describeFlags({ majorityRate: 25, majorityUpper95: 40, didNotLearn: false, collapsed: [], overfit: null })).toEqual([]);
    expect(describeFlags({ majorityRate: null, majorityUpper95: null, didNotLearn: null, collapsed: null, overfit: null })).toEqual([]);
  });
});
