// Random search's sampler: values within their bounds, log scale spread, int inclusive, determinism by seed.

import { describe, expect, it } from 'vitest';
import type { SpaceEntry } from '../../../src/pipeline-spec/search-block.js';
import { round4, sampleTrials } from '../../../src/tune/sample-space.js';

const SPACE: SpaceEntry[] = [
  { key: 'train.lr', dist: { kind: 'loguniform', low: 0.0001, high: 0.01 } },
  { key: 'train.dropout', dist: { kind: 'uniform', low: 0, high: 0.5 } },
  { key: 'features.bands', dist: { kind: 'int', low: 32, high: 34 } },
  { key: 'train.model', dist: { kind: 'choice', values: ['cnn', 'logreg'] } },
];

const numbers = (trials: ReturnType<typeof sampleTrials>, key: string) => trials.map((t) => t.values[key] as number);

describe('sampleTrials', () => {
  const trials = sampleTrials(SPACE, 600, 1);

  it('numbers trials from 1 and draws every key', () => {
    expect(trials.map((t) => t.number).slice(0, 3)).toEqual([1, 2, 3]);
    expect(Object.keys(trials[0].values)).toEqual(['train.lr', 'train.dropout', 'features.bands', 'train.model']);
  });

  it('keeps every value within its bounds', () => {
    for (const v of numbers(trials, 'train.lr')) expect(v >= 0.0001 && v <= 0.01).toBe(true);
    for (const v of numbers(trials, 'train.dropout')) expect(v >= 0 && v <= 0.5).toBe(true);
  });

  it('spreads loguniform evenly over decades: about half the draws below the geometric middle 0.001', () => {
    const below = numbers(trials, 'train.lr').filter((v) => v < 0.001).length / trials.length;
    expect(below).toBeGreaterThan(0.43);
    expect(below).toBeLessThan(0.57);
  });

  it('draws int bounds inclusively and only whole numbers', () => {
    const seen = new Set(numbers(trials, 'features.bands'));
    expect([...seen].sort()).toEqual([32, 33, 34]);
  });

  it('draws every choice', () => {
    expect(new Set(trials.map((t) => t.values['train.model']))).toEqual(new Set(['cnn', 'logreg']));
  });

  it('rounds to 4 significant digits', () => {
    for (const v of numbers(trials, 'train.lr')) expect(v).toBe(round4(v));
    expect(round4(0.000123456)).toBe(0.0001235);
    expect(round4(123456)).toBe(123500);
  });

  it('is deterministic by seed, and more trials keep the first ones (a re-run replays them)', () => {
    expect(sampleTrials(SPACE, 5, 1)).toEqual(trials.slice(0, 5));
    expect(sampleTrials(SPACE, 5, 2)).not.toEqual(trials.slice(0, 5));
  });
});
