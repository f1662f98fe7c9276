import { describe, expect, it } from 'vitest';
import { DEFAULT_STATISTICS, frameStatistics, STATISTIC_NAMES, type StatisticName } from '../../../src/audio/frame-statistics.js';

/** One dimension's frames as a [frames, 1] matrix. */
const column = (values: number[]) => ({ frames: values.length, dims: 1, data: Float32Array.from(values) });

function stat(values: number[], name: StatisticName, hopSeconds = 0.01): number {
  return frameStatistics(column(values), [name], hopSeconds).data[0];
}

describe('frameStatistics', () => {
  it('computes mean, population std, min, max, range on known values', () => {
    const v = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(stat(v, 'mean')).toBe(5);
    expect(stat(v, 'std')).toBe(2);
    expect(stat(v, 'min')).toBe(2);
    expect(stat(v, 'max')).toBe(9);
    expect(stat(v, 'range')).toBe(7);
  });

  it('interpolates percentiles between order statistics as numpy does', () => {
    // 1..11: position q/100 · 10, so p10 = 2, p25 = 3.5, p50 = 6, p75 = 8.5, p90 = 10.
    const v = [11, 1, 10, 2, 9, 3, 8, 4, 7, 5, 6];
    expect(stat(v, 'p10')).toBeCloseTo(2, 6);
    expect(stat(v, 'p25')).toBeCloseTo(3.5, 6);
    expect(stat(v, 'p50')).toBeCloseTo(6, 6);
    expect(stat(v, 'p75')).toBeCloseTo(8.5, 6);
    expect(stat(v, 'p90')).toBeCloseTo(10, 6);
    expect(stat(v, 'iqr')).toBeCloseTo(5, 6);
  });

  it('measures the slope per second: a line rising 0.5 a frame at 10 ms a frame is 50 a second', () => {
    const line = Array.from({ length: 20 }, (_, t) => 3 + 0.5 * t);
    expect(stat(line, 'slope', 0.01)).toBeCloseTo(50, 3);
    expect(stat(line, 'slope', 0.02)).toBeCloseTo(25, 3);
    expect(stat([4, 4, 4], 'slope')).toBe(0);
    expect(stat([7], 'slope')).toBe(0);
  });

  it('computes skew and excess kurtosis (population moments)', () => {
    expect(stat([1, 2, 3, 4, 5], 'skew')).toBeCloseTo(0, 6);
    // Two equal masses: kurtosis 1, excess −2.
    expect(stat([-1, 1, -1, 1], 'kurtosis')).toBeCloseTo(-2, 6);
    // [0, 0, 0, 1]: mean 0.25, m2 = 0.1875, m3 = 0.09375 → skew 1.1547 (scipy.stats.skew).
    expect(stat([0, 0, 0, 1], 'skew')).toBeCloseTo(0.09375 / 0.1875 ** 1.5, 5);
    expect(stat([3, 3, 3], 'skew')).toBe(0);
    expect(stat([3, 3, 3], 'kurtosis')).toBe(0);
  });

  it('skips NaN frames, and gives 0 for a dimension with none finite', () => {
    const m = { frames: 4, dims: 2, data: Float32Array.from([NaN, 1, 100, 2, NaN, 3, 200, 4]) };
    const out = frameStatistics(m, ['mean', 'min', 'slope'], 0.01);
    // statistic-major: [mean d0, mean d1, min d0, min d1, slope d0, slope d1]
    expect(Array.from(out.data.subarray(0, 4))).toEqual([150, 2.5, 100, 1]);
    // d0's finite frames are 1 and 3, 20 ms apart: (200 − 100) / 0.02 = 5000 a second.
    expect(out.data[4]).toBeCloseTo(5000, 1);
    expect(out.data[5]).toBeCloseTo(100, 3);
    const silent = frameStatistics({ frames: 3, dims: 1, data: Float32Array.from([NaN, NaN, NaN]) }, STATISTIC_NAMES, 0.01);
    expect(Array.from(silent.data)).toEqual(STATISTIC_NAMES.map(() => 0));
  });

  it('lays out the default statistics as the stats kind always has: mean, std, min, max of every dim', () => {
    const m = { frames: 3, dims: 2, data: Float32Array.from([1, 10, 2, 20, 6, 30]) };
    const out = frameStatistics(m, DEFAULT_STATISTICS, 0.01);
    expect(out).toMatchObject({ frames: 1, dims: 8 });
    const std0 = Math.sqrt(((1 - 3) ** 2 + (2 - 3) ** 2 + (6 - 3) ** 2) / 3);
    expect(Array.from(out.data)).toEqual(Array.from(Float32Array.from([3, 20, std0, Math.sqrt(200 / 3), 1, 10, 6, 30])));
  });
});
