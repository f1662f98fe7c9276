import { describe, expect, it } from 'vitest';
import { bootstrapAccuracyDifference, mcnemarExact, mcnemarPaired } from '../../../src/metrics/paired.js';

describe('mcnemarExact', () => {
  it('gives the two-sided binomial p-value of the discordant pairs', () => {
    // n = 8: 2 · (C(8,0) + C(8,1)) / 2^8 = 18 / 256.
    expect(mcnemarExact(1, 7)).toBeCloseTo(0.0703125, 12);
    expect(mcnemarExact(7, 1)).toBeCloseTo(0.0703125, 12);
    expect(mcnemarExact(0, 5)).toBeCloseTo(0.0625, 12);
  });

  it('caps p at 1 when the discordant counts are balanced or absent', () => {
    expect(mcnemarExact(3, 3)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
  });

  it('stays finite for more discordant files than 0.5^n can represent', () => {
    // scipy.stats.binomtest(600, 1300).pvalue
    expect(mcnemarExact(600, 700)).toBeCloseTo(0.0060157938610449, 10);
    expect(mcnemarExact(1000, 1200)).toBeGreaterThan(0);
  });

  it('refuses counts that are not non-negative integers', () => {
    expect(() => mcnemarExact(-1, 2)).toThrow(/b must be a count/);
    expect(() => mcnemarExact(1, 2.5)).toThrow(/c must be a count/);
  });
});

describe('mcnemarPaired', () => {
  it('counts the files only one classifier got right', () => {
    const truth = [0, 1, 2, 0, 1, 2];
    const a = [0, 1, 2, 1, 1, 0]; // right on 0, 1, 2, 4
    const b = [0, 0, 2, 0, 0, 0]; // right on 0, 2, 3
    expect(mcnemarPaired(truth, a, b)).toEqual({ b: 2, c: 1, p: 1 });
  });
});

describe('bootstrapAccuracyDifference', () => {
  const truth = Array.from({ length: 60 }, (_, i) => i % 3);
  const a = truth.map((t, i) => (i % 4 === 0 ? (t + 1) % 3 : t)); // 15 wrong
  const b = truth.map((t, i) => (i % 3 === 0 ? (t + 1) % 3 : t)); // 20 wrong

  it('gives the observed difference and an interval around it', () => {
    const r = bootstrapAccuracyDifference(truth, a, b, { seed: 7, resamples: 500 });
    expect(r.difference).toBeCloseTo(45 / 60 - 40 / 60, 12);
    expect(r.interval[0]).toBeLessThan(r.difference);
    expect(r.interval[1]).toBeGreaterThan(r.difference);
    expect(r.resamples).toBe(500);
    expect(r.level).toBe(0.95);
  });

  it('gives the same interval for the same seed and a different one for another seed', () => {
    const one = bootstrapAccuracyDifference(truth, a, b, { seed: 7, resamples: 500 });
    expect(bootstrapAccuracyDifference(truth, a, b, { seed: 7, resamples: 500 })).toEqual(one);
    // Differences are multiples of 1/60, so two seeds may share percentiles; five seeds may not all agree.
    const intervals = [1, 2, 3, 4, 5].map((seed) => bootstrapAccuracyDifference(truth, a, b, { seed, resamples: 500 }).interval);
    expect(new Set(intervals.map((i) => i.join())).size).toBeGreaterThan(1);
  });

  it('has zero width when one classifier is right exactly where the other is wrong everywhere', () => {
    const r = bootstrapAccuracyDifference([0, 1, 0, 1], [0, 1, 0, 1], [1, 0, 1, 0], { seed: 1, resamples: 100 });
    expect(r).toMatchObject({ difference: 1, interval: [1, 1] });
  });

  it('refuses predictions of different length', () => {
    expect(() => bootstrapAccuracyDifference([0, 1], [0], [0, 1], { seed: 1 })).toThrow(/differ in length/);
  });
});
