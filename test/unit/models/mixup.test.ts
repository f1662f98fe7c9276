import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/dataset/random.js';
import { foldedBeta, mixBatch } from '../../../src/models/mixup.js';

describe('mixBatch', () => {
  it('blends each example with one partner by the same λ as its soft target', () => {
    // Example i is the constant i + 1 over 4 values, of class i: its target row says who its partner was.
    const rows = 3;
    const x = Float32Array.from({ length: rows * 4 }, (_, k) => Math.floor(k / 4) + 1);
    const targets = mixBatch(x, Int32Array.from([0, 1, 2]), 3, 0.4, mulberry32(3));
    let blended = 0;
    for (let i = 0; i < rows; i++) {
      const row = Array.from(targets.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      const lambda = row[i];
      expect(lambda).toBeGreaterThanOrEqual(0.5);
      const j = row.findIndex((t, k) => k !== i && t > 0);
      const expected = j < 0 ? i + 1 : lambda * (i + 1) + (1 - lambda) * (j + 1);
      for (let k = 0; k < 4; k++) expect(x[i * 4 + k]).toBeCloseTo(expected, 5);
      if (j >= 0) blended++;
    }
    expect(blended).toBeGreaterThan(0);
  });

  it('is the same for the same seed', () => {
    const run = (seed: number) => {
      const x = Float32Array.from({ length: 8 * 5 }, (_, k) => Math.sin(k));
      const t = mixBatch(x, Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]), 2, 0.2, mulberry32(seed));
      return [...x, ...t];
    };
    expect(run(4)).toEqual(run(4));
    expect(run(5)).not.toEqual(run(4));
  });
});

describe('foldedBeta', () => {
  it('lies in [0.5, 1]; a small α keeps examples nearly whole, a large one blends them evenly', () => {
    const draws = (alpha: number) => Array.from({ length: 2000 }, (_, i) => foldedBeta(alpha, mulberry32(i + 1)));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const small = draws(0.2);
    const large = draws(200);
    expect(small.every((l) => l >= 0.5 && l <= 1)).toBe(true);
    // E[max(λ, 1−λ)] for Beta(0.2, 0.2) is about 0.90; for Beta(200, 200) about 0.52 (numpy, 10^6 draws).
    expect(mean(small)).toBeGreaterThan(0.83);
    expect(mean(small)).toBeLessThan(0.95);
    expect(mean(large)).toBeLessThan(0.54);
  });
});
