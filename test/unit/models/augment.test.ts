// Waveform augmentation: shifts, gains and noise on known examples.

import { describe, expect, it } from 'vitest';
import { augmentBatch, augmenting, AUGMENT_DEFAULTS, shiftWindow } from '../../../src/models/augment.js';
import { mulberry32 } from '../../../src/dataset/random.js';

const power = (x: Float32Array): number => x.reduce((s, v) => s + v * v, 0) / x.length;

describe('shiftWindow', () => {
  it('moves the samples later or earlier and zero-fills the vacated steps', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5]);
    shiftWindow(x, 1, 2);
    expect([...x]).toEqual([0, 0, 1, 2, 3]);
    const y = Float32Array.from([1, 2, 3, 4, 5]);
    shiftWindow(y, 1, -1);
    expect([...y]).toEqual([2, 3, 4, 5, 0]);
  });

  it('moves whole frames of a [steps, channels] example', () => {
    const x = Float32Array.from([1, 10, 2, 20, 3, 30]);
    shiftWindow(x, 2, 1);
    expect([...x]).toEqual([0, 0, 1, 10, 2, 20]);
  });
});

describe('augmentBatch', () => {
  it('is off by default', () => {
    expect(augmenting(AUGMENT_DEFAULTS)).toBe(false);
    expect(augmenting({ ...AUGMENT_DEFAULTS, noiseSnr: 20 })).toBe(true);
  });

  it('scales each example by a gain within ± gainDb', () => {
    const batch = new Float32Array(8 * 4).fill(1);
    augmentBatch(batch, 8, 4, 1, { shift: 0, gainDb: 6 }, mulberry32(3));
    for (let r = 0; r < 8; r++) {
      const row = batch.subarray(r * 4, r * 4 + 4);
      expect(new Set(row).size).toBe(1); // one gain per example
      expect(20 * Math.log10(row[0])).toBeGreaterThanOrEqual(-6);
      expect(20 * Math.log10(row[0])).toBeLessThanOrEqual(6);
    }
    expect(new Set(Array.from({ length: 8 }, (_, r) => batch[r * 4])).size).toBe(8);
  });

  it('adds noise at the asked signal-to-noise ratio, and none to a silent example', () => {
    const n = 20000;
    const batch = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) batch[i] = Math.sin(i / 7);
    const clean = batch.slice(0, n);
    augmentBatch(batch, 2, n, 1, { shift: 0, gainDb: 0, noiseSnr: 10 }, mulberry32(5));
    const noise = batch.slice(0, n).map((v, i) => v - clean[i]);
    expect(10 * Math.log10(power(clean) / power(noise))).toBeCloseTo(10, 0);
    expect(batch.subarray(n).every((v) => v === 0)).toBe(true);
  });

  it('shifts by at most `shift` steps, and the same seed draws the same batch', () => {
    const make = (): Float32Array => Float32Array.from({ length: 3 * 50 }, (_, i) => (i % 50) + 1);
    const a = make();
    const b = make();
    augmentBatch(a, 3, 50, 1, { shift: 5, gainDb: 0 }, mulberry32(9));
    augmentBatch(b, 3, 50, 1, { shift: 5, gainDb: 0 }, mulberry32(9));
    expect([...a]).toEqual([...b]);
    for (let r = 0; r < 3; r++) {
      const row = a.subarray(r * 50, r * 50 + 50);
      const firstValue = row.findIndex((v) => v !== 0);
      // A later shift leaves leading zeros; an earlier one starts mid-way through the original.
      const by = row[firstValue] === 1 ? firstValue : -(row[0] - 1);
      expect(Math.abs(by)).toBeLessThanOrEqual(5);
    }
  });
});
