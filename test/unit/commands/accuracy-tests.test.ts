// The paired test behind `pipe diff`: McNemar on the same files, a bootstrap interval on different ones.

import { describe, expect, it } from 'vitest';
import { accuracyTest, type FilePrediction } from '../../../src/commands/accuracy-tests.js';

const files = (outcomes: [number, number][]): FilePrediction[] => outcomes.map(([label, predicted], i) => ({ utterance: `u${i}`, label, predicted }));

describe('accuracyTest', () => {
  it('uses McNemar exactly on the same test files: 1 file only A got right, 7 only B → p = 0.0703125', () => {
    // 10 files: 2 both right, 1 only A right, 7 only B right.
    const truth = Array.from({ length: 10 }, () => 0);
    const a = files(truth.map((t, i) => [t, i < 3 ? 0 : 1]));
    const b = files(truth.map((t, i) => [t, i < 2 || i >= 3 ? 0 : 1]));
    const r = accuracyTest('evaluate', a, b);
    expect(r.method).toBe('mcnemar');
    expect([r.b, r.c]).toEqual([1, 7]);
    expect(r.p).toBeCloseTo(0.0703125, 10);
    expect(r.accuracyA).toBeCloseTo(0.3);
    expect(r.accuracyB).toBeCloseTo(0.9);
  });

  it('falls back to a bootstrap interval when the runs tested different files', () => {
    const a = files(Array.from({ length: 50 }, (_, i) => [0, i < 25 ? 0 : 1]));
    const b = files(Array.from({ length: 40 }, (_, i) => [0, i < 36 ? 0 : 1])).map((f) => ({ ...f, utterance: `v${f.utterance}` }));
    const r = accuracyTest('evaluate', a, b);
    expect(r.method).toBe('bootstrap');
    expect(r.p).toBeUndefined();
    const [lo, hi] = r.interval!;
    expect(lo).toBeLessThan(0.4);
    expect(hi).toBeGreaterThan(0.4);
    expect(lo).toBeGreaterThan(0.1);
  });
});
