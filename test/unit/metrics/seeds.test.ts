import { describe, expect, it } from 'vitest';
import { summarise, tQuantile975 } from '../../../src/metrics/seeds.js';

describe('summarise', () => {
  it('gives mean, sample std and the 95% t-interval of three seeds', () => {
    const s = summarise([50, 52, 57]);
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(53, 12);
    // Deviations −3, −1, 4: sum of squares 26, over n − 1 = 2.
    expect(s.std).toBeCloseTo(Math.sqrt(13), 12);
    // t(0.975, 2) = 4.3027; half-width 4.3027 · √13 / √3 = 8.9568.
    expect(s.ci95![0]).toBeCloseTo(44.0432, 3);
    expect(s.ci95![1]).toBeCloseTo(61.9568, 3);
  });

  it('has no std and no interval for a single value', () => {
    expect(summarise([0.42])).toEqual({ n: 1, mean: 0.42, std: null, ci95: null });
  });

  it('gives a zero-width interval when every seed agrees', () => {
    expect(summarise([7, 7, 7, 7])).toEqual({ n: 4, mean: 7, std: 0, ci95: [7, 7] });
  });

  it('refuses an empty list', () => {
    expect(() => summarise([])).toThrow(/no values/);
  });
});

describe('tQuantile975', () => {
  it('reads small degrees of freedom from the table', () => {
    expect(tQuantile975(1)).toBe(12.7062);
    expect(tQuantile975(2)).toBe(4.3027);
    expect(tQuantile975(9)).toBe(2.2622);
    expect(tQuantile975(30)).toBe(2.0423);
  });

  it('approaches the normal quantile beyond the table', () => {
    // Values from scipy.stats.t.ppf(0.975, df).
    expect(tQuantile975(31)).toBeCloseTo(2.03951, 4);
    expect(tQuantile975(40)).toBeCloseTo(2.021075, 4);
    expect(tQuantile975(120)).toBeCloseTo(1.979930, 5);
    expect(tQuantile975(1000)).toBeCloseTo(1.962339, 5);
  });

  it('refuses zero degrees of freedom', () => {
    expect(() => tQuantile975(0)).toThrow(/positive integer/);
  });
});
