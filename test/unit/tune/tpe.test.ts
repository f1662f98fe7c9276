// TPE: proposals stay within bounds, are deterministic, and move toward the values of the best trials.

import { describe, expect, it } from 'vitest';
import type { SpaceEntry } from '../../../src/pipeline-spec/search-block.js';
import { sampleTrials } from '../../../src/tune/sample-space.js';
import { goodCount, proposeTpe, type History } from '../../../src/tune/tpe.js';

const SPACE: SpaceEntry[] = [
  { key: 'train.lr', dist: { kind: 'loguniform', low: 0.0001, high: 0.1 } },
  { key: 'features.bands', dist: { kind: 'int', low: 16, high: 96 } },
  { key: 'train.model', dist: { kind: 'choice', values: ['cnn', 'logreg', 'nn'] } },
];

/** Best at lr = 0.001, bands = 80 and logreg. */
function score(values: History['values']): number {
  const lr = Math.abs(Math.log10(values['train.lr'] as number) + 3);
  const bands = Math.abs((values['features.bands'] as number) - 80) / 80;
  return -lr - bands + (values['train.model'] === 'logreg' ? 0.5 : 0);
}

const history: History[] = sampleTrials(SPACE, 30, 3).map((t) => ({ trial: t.number, values: t.values, score: score(t.values) }));
const numbers = Array.from({ length: 40 }, (_, i) => 31 + i);

describe('proposeTpe', () => {
  const proposed = proposeTpe(SPACE, history, numbers, 1);

  it('keeps every value within its bounds, whole numbers for int, listed values for choice', () => {
    for (const t of proposed) {
      const lr = t.values['train.lr'] as number;
      const bands = t.values['features.bands'] as number;
      expect(lr >= 0.0001 && lr <= 0.1).toBe(true);
      expect(Number.isInteger(bands) && bands >= 16 && bands <= 96).toBe(true);
      expect(['cnn', 'logreg', 'nn']).toContain(t.values['train.model']);
    }
  });

  it('is deterministic from the seed, the trial numbers and the history', () => {
    expect(proposeTpe(SPACE, history, numbers, 1)).toEqual(proposed);
    expect(proposeTpe(SPACE, history, numbers, 2)).not.toEqual(proposed);
  });

  it('proposes trials that score better than random ones, on average', () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const random = sampleTrials(SPACE, 40, 9).map((t) => score(t.values));
    expect(mean(proposed.map((t) => score(t.values)))).toBeGreaterThan(mean(random) + 0.3);
    expect(proposed.filter((t) => t.values['train.model'] === 'logreg').length).toBeGreaterThan(40 / 3);
  });

  it('takes a quarter of the history as good, at least one, at most 25', () => {
    expect([1, 4, 5, 40, 200].map(goodCount)).toEqual([1, 1, 2, 10, 25]);
  });
});
