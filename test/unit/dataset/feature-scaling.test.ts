import { describe, expect, it } from 'vitest';
import { standardisePerSpeaker } from '../../../src/dataset/feature-scaling.js';

describe('standardisePerSpeaker', () => {
  it('scales each speaker with the mean and std of their own rows, whatever the split', () => {
    const rows = [
      { speaker: 'b', split: 'train' },
      { speaker: 'a', split: 'train' },
      { speaker: 'b', split: 'test' },
      { speaker: 'a', split: 'val' },
    ];
    // [frames 1, dims 2] each. Speaker a: dim 0 = 1, 3 (mean 2, std 1); dim 1 = 10, 10 (constant).
    // Speaker b: dim 0 = 0, 8 (mean 4, std 4); dim 1 = −2, 2 (mean 0, std 2).
    const matrices = [Float32Array.from([0, -2]), Float32Array.from([1, 10]), Float32Array.from([8, 2]), Float32Array.from([3, 10])];
    const fitted = standardisePerSpeaker(rows, matrices, 2);
    expect(fitted.map((f) => f.speaker)).toEqual(['a', 'b']);
    expect(fitted[0]).toMatchObject({ rows: { train: 1, val: 1 }, mean: [2, 10] });
    expect(fitted[0].std[0]).toBe(1);
    // A dimension constant over a speaker is centred, not blown up (std floored at 1e-5).
    expect(fitted[0].std[1]).toBe(1e-5);
    expect(fitted[1]).toMatchObject({ rows: { train: 1, test: 1 }, mean: [4, 0], std: [4, 2] });
    expect(matrices.map((m) => Array.from(m))).toEqual([
      [-1, -1],
      [-1, 0],
      [1, 1],
      [1, 0],
    ]);
  });

  it('leaves nothing to fit for a speaker without frames', () => {
    expect(() => standardisePerSpeaker([{ speaker: 'a', split: 'test' }], [new Float32Array(0)], 2)).toThrow(/no frames/);
  });
});
