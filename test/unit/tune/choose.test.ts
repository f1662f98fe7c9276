// From validation scores to a choice: means over cells, ranking with ties to the earlier trial, groups independent.

import { describe, expect, it } from 'vitest';
import { chooseBest, rankTrials, scoreTrials, type Observation } from '../../../src/tune/choose.js';

const obs = (trial: number, group: string, instance: string, score: number | null): Observation => ({ trial, group, instance, score });

describe('scoreTrials', () => {
  it('averages a trial over its cells in a group, counting a shared instance once', () => {
    const scores = scoreTrials([obs(1, 'g', 'e1', 0.5), obs(1, 'g', 'e2', 0.7), obs(1, 'g', 'e2', 0.7), obs(2, 'g', 'e3', 0.4)]);
    expect(scores).toEqual([
      { trial: 1, group: 'g', score: 0.6, cells: 2 },
      { trial: 2, group: 'g', score: 0.4, cells: 1 },
    ]);
  });

  it('gives no score to a trial with a failed cell', () => {
    expect(scoreTrials([obs(1, 'g', 'e1', 0.9), obs(1, 'g', 'e2', null)])[0].score).toBeNull();
  });
});

describe('chooseBest', () => {
  it('chooses each group on its own scores', () => {
    const scores = scoreTrials([obs(1, 'a', 'x1', 0.9), obs(2, 'a', 'x2', 0.5), obs(1, 'b', 'y1', 0.2), obs(2, 'b', 'y2', 0.6)]);
    const best = chooseBest(scores);
    expect(best.get('a')!.trial).toBe(1);
    expect(best.get('b')!.trial).toBe(2);
  });

  it('breaks a tie with the earlier trial', () => {
    const scores = scoreTrials([obs(3, 'g', 'a', 0.7), obs(2, 'g', 'b', 0.7), obs(1, 'g', 'c', 0.6)]);
    expect(chooseBest(scores).get('g')!.trial).toBe(2);
    expect(rankTrials(scores).map((s) => s.trial)).toEqual([2, 3, 1]);
  });

  it('chooses nothing in a group where every trial failed', () => {
    expect(chooseBest(scoreTrials([obs(1, 'g', 'a', null)])).size).toBe(0);
  });
});
