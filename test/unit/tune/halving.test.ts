// Successive halving: the rungs' resources and the promotion of the top 1/eta, ties to the earlier trial.

import { describe, expect, it } from 'vitest';
import { promote, rungResources } from '../../../src/tune/halving.js';

const score = (trial: number, value: number | null) => ({ trial, group: '{}', score: value, cells: 1 });

describe('rungResources', () => {
  it('multiplies by eta while below max, then ends at max', () => {
    expect(rungResources(10, 90, 3)).toEqual([10, 30, 90]);
    expect(rungResources(10, 100, 3)).toEqual([10, 30, 90, 100]);
    expect(rungResources(5, 5, 3)).toEqual([5]);
  });
});

describe('promote', () => {
  it('keeps the best floor(n / eta)', () => {
    const scores = [0.5, 0.9, 0.1, 0.7, 0.3, 0.8, 0.2, 0.6, 0.4].map((v, i) => score(i + 1, v));
    expect(promote(scores, 3)).toEqual([2, 6, 4]);
  });

  it('keeps at least one', () => {
    expect(promote([score(1, 0.2), score(2, 0.4)], 3)).toEqual([2]);
  });

  it('resolves ties by trial number, whatever the order they finished in', () => {
    const tied = [score(5, 0.5), score(3, 0.5), score(4, 0.5), score(1, 0.1), score(2, 0.5), score(6, 0.5)];
    expect(promote(tied, 3)).toEqual([2, 3]);
    expect(promote([...tied].reverse(), 3)).toEqual([2, 3]);
  });

  it('never promotes a trial that failed', () => {
    expect(promote([score(1, null), score(2, null), score(3, 0.1)], 2)).toEqual([3]);
  });
});
