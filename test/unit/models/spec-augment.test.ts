import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/dataset/random.js';
import { maskBatch } from '../../../src/models/spec-augment.js';
import { balancedWeights } from '../../../src/models/train-loop.js';

describe('maskBatch', () => {
  it('zeroes whole runs of frames and whole runs of dims, at most the widths asked for, per example', () => {
    const [rows, steps, channels] = [3, 50, 12];
    const batch = new Float32Array(rows * steps * channels).fill(1);
    maskBatch(batch, rows, steps, channels, { timeMasks: 1, timeMaskWidth: 6, bandMasks: 1, bandMaskWidth: 3 }, mulberry32(5));
    for (let r = 0; r < rows; r++) {
      const at = (t: number, c: number) => batch[r * steps * channels + t * channels + c];
      const maskedFrames = Array.from({ length: steps }, (_, t) => t).filter((t) => Array.from({ length: channels }, (_, c) => at(t, c)).every((v) => v === 0));
      const maskedDims = Array.from({ length: channels }, (_, c) => c).filter((c) => Array.from({ length: steps }, (_, t) => at(t, c)).every((v) => v === 0));
      expect(maskedFrames.length).toBeLessThanOrEqual(6);
      expect(maskedDims.length).toBeLessThanOrEqual(3);
      // Contiguous runs.
      if (maskedFrames.length) expect(maskedFrames.at(-1)! - maskedFrames[0]).toBe(maskedFrames.length - 1);
      if (maskedDims.length) expect(maskedDims.at(-1)! - maskedDims[0]).toBe(maskedDims.length - 1);
      // Everything else is untouched.
      for (let t = 0; t < steps; t++) for (let c = 0; c < channels; c++) {
        if (!maskedFrames.includes(t) && !maskedDims.includes(c)) expect(at(t, c)).toBe(1);
      }
    }
    expect(batch.some((v) => v === 0)).toBe(true);
  });

  it('draws the same masks from the same seed', () => {
    const masked = (seed: number) => {
      const b = new Float32Array(2 * 40 * 8).fill(1);
      maskBatch(b, 2, 40, 8, { timeMasks: 2, timeMaskWidth: 10, bandMasks: 2, bandMaskWidth: 4 }, mulberry32(seed));
      return Array.from(b);
    };
    expect(masked(9)).toEqual(masked(9));
    expect(masked(10)).not.toEqual(masked(9));
  });
});

describe('balancedWeights', () => {
  it('gives each class n / (classes · count): every class weighs the same in total', () => {
    const w = balancedWeights(Int32Array.from([0, 0, 0, 1, 2, 2]), 4);
    expect(Array.from(w)).toEqual([0.5, 1.5, 0.75, 0]);
  });
});
