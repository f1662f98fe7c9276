import { describe, expect, it } from 'vitest';
import { argmax, classify, confusionMatrix, scoreConfusion } from '../../../src/metrics/classification.js';

describe('confusionMatrix', () => {
  it('counts true classes in rows and predicted classes in columns', () => {
    const m = confusionMatrix([0, 0, 0, 1, 2, 2], [0, 1, 2, 1, 0, 2], 3);
    expect(m).toEqual([
      [1, 1, 1],
      [0, 1, 0],
      [1, 0, 1],
    ]);
  });

  it('rejects a label outside the class range and lists of different length', () => {
    expect(() => confusionMatrix([0, 3], [0, 0], 3)).toThrow(/true label 3/);
    expect(() => confusionMatrix([0, 1], [0, -1], 3)).toThrow(/predicted label -1/);
    expect(() => confusionMatrix([0, 1], [0], 3)).toThrow(/2 true labels but 1 predictions/);
  });
});

describe('scoreConfusion', () => {
  // support 8, 4, 8; predicted 7, 5, 8; 14 of 20 correct.
  const matrix = [
    [5, 2, 1],
    [0, 3, 1],
    [2, 0, 6],
  ];

  it('gives accuracy as correct over all files', () => {
    expect(scoreConfusion(matrix).accuracy).toBeCloseTo(14 / 20, 12);
    expect(scoreConfusion(matrix).files).toBe(20);
  });

  it('gives per-class recall, precision and F1 from the rows and columns', () => {
    const { perClass } = scoreConfusion(matrix);
    expect(perClass.map((c) => c.recall)).toEqual([5 / 8, 3 / 4, 6 / 8]);
    expect(perClass.map((c) => c.precision)).toEqual([5 / 7, 3 / 5, 6 / 8]);
    expect(perClass[0].f1).toBeCloseTo(2 / 3, 12);
    expect(perClass[1].f1).toBeCloseTo(2 / 3, 12);
    expect(perClass[2].f1).toBeCloseTo(0.75, 12);
    expect(perClass.map((c) => [c.support, c.predicted])).toEqual([[8, 7], [4, 5], [8, 8]]);
  });

  it('gives UA as the mean recall and macro-F1 as the mean F1 over classes', () => {
    const s = scoreConfusion(matrix);
    expect(s.ua).toBeCloseTo((0.625 + 0.75 + 0.75) / 3, 12);
    expect(s.macroF1).toBeCloseTo((2 / 3 + 2 / 3 + 0.75) / 3, 12);
    expect(s.uaExcluded).toEqual([]);
    expect(s.macroF1Excluded).toEqual([]);
  });

  it('leaves a class with no true file out of UA but scores its false predictions as F1 = 0', () => {
    // Class 3 has no true file and one (wrong) prediction.
    const s = scoreConfusion([
      [3, 0, 0, 1],
      [1, 2, 0, 0],
      [0, 0, 2, 0],
      [0, 0, 0, 0],
    ]);
    expect(s.accuracy).toBeCloseTo(7 / 9, 12);
    expect(s.perClass[3].recall).toBeNull();
    expect(s.uaExcluded).toEqual([3]);
    expect(s.ua).toBeCloseTo((3 / 4 + 2 / 3 + 1) / 3, 12);
    expect(s.perClass[3].f1).toBe(0);
    expect(s.macroF1).toBeCloseTo((0.75 + 0.8 + 1 + 0) / 4, 12);
    expect(s.macroF1Excluded).toEqual([]);
  });

  it('leaves a class absent from truth and predictions out of both UA and macro-F1', () => {
    const s = scoreConfusion([
      [2, 0, 0],
      [1, 1, 0],
      [0, 0, 0],
    ]);
    expect(s.perClass[2]).toEqual({ support: 0, predicted: 0, recall: null, precision: null, f1: null });
    expect(s.uaExcluded).toEqual([2]);
    expect(s.macroF1Excluded).toEqual([2]);
    expect(s.ua).toBeCloseTo((1 + 0.5) / 2, 12);
    // F1: class 0 = 4/5, class 1 = 2/3.
    expect(s.macroF1).toBeCloseTo((0.8 + 2 / 3) / 2, 12);
  });

  it('gives a class that is never predicted precision null and F1 0', () => {
    const s = scoreConfusion([
      [2, 0],
      [2, 0],
    ]);
    expect(s.perClass[1]).toEqual({ support: 2, predicted: 0, recall: 0, precision: null, f1: 0 });
    expect(s.ua).toBeCloseTo(0.5, 12);
  });

  it('refuses an empty matrix', () => {
    expect(() => scoreConfusion([[0, 0], [0, 0]])).toThrow(/no files/);
  });
});

describe('classify and argmax', () => {
  it('scores label lists through the confusion matrix', () => {
    const { matrix, scores } = classify([0, 1, 1, 1], [0, 1, 0, 1], 2);
    expect(matrix).toEqual([[1, 0], [1, 2]]);
    expect(scores.accuracy).toBe(0.75);
    expect(scores.ua).toBeCloseTo((1 + 2 / 3) / 2, 12);
  });

  it('picks the largest probability and the first one on a tie', () => {
    expect(argmax([0.1, 0.7, 0.2])).toBe(1);
    expect(argmax([0.4, 0.2, 0.4])).toBe(0);
    expect(() => argmax([])).toThrow(/empty/);
  });
});
