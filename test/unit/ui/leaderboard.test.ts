// pipe tune's leaderboard and choice lines: ranked rows with score, trial, group, values and resource.

import { describe, expect, it } from 'vitest';
import type { SearchBlock } from '../../../src/pipeline-spec/search-block.js';
import { formatChoice, formatLeaderboard, formatTrial } from '../../../src/ui/leaderboard.js';
import { rankBoard, type LeaderboardRow } from '../../../src/tune/run-tune.js';

const search: SearchBlock = {
  space: [{ key: 'train.lr', dist: { kind: 'loguniform', low: 0.001, high: 0.1 } }],
  scheduler: 'halving',
  trials: 3,
  resource: { key: 'train.epochs', min: 2, max: 6 },
  eta: 3,
  objective: { stage: 'evaluate', metric: 'ua' },
  per: ['ingest.classes'],
  exclude: [],
  seed: 1,
};

const row = (trial: number, score: number | null, rung: number, lr: number): LeaderboardRow => ({
  trial,
  group: '{"ingest.classes":"four"}',
  score,
  cells: 2,
  values: { 'train.lr': lr },
  rung,
  resource: rung === 0 ? 2 : 6,
});

describe('leaderboard', () => {
  it("ranks a trial by its latest rung first, then by score, and shows each row's group, values and resource", () => {
    const rows = rankBoard([row(1, 0.5, 0, 0.01), row(2, 0.75, 0, 0.002), row(3, null, 0, 0.05), row(1, 0.625, 1, 0.01)]);
    expect(formatLeaderboard(rows, search, 10).split('\n')).toEqual([
      'leaderboard, val ua:',
      '    62.50%  trial   1  [ingest.classes=four]  train.lr=0.01  train.epochs=6',
      '    75.00%  trial   2  [ingest.classes=four]  train.lr=0.002  train.epochs=2',
      '    failed  trial   3  [ingest.classes=four]  train.lr=0.05  train.epochs=2',
    ]);
  });

  it('says how many rows it leaves out', () => {
    const rows = rankBoard([row(1, 0.5, 0, 0.01), row(2, 0.75, 0, 0.002)]);
    expect(formatLeaderboard(rows, search, 1).split('\n')).toEqual(['leaderboard, val ua (best 1 of 2):', '    75.00%  trial   2  [ingest.classes=four]  train.lr=0.002  train.epochs=2']);
  });

  it('names the chosen trial, its validation score and the run that evaluated it on test', () => {
    expect(formatChoice({ 'ingest.classes': 'four' }, row(2, 0.75, 1, 0.002), search, 'r1')).toBe(
      'chosen for ingest.classes=four: trial 2 (val ua 75.00%) train.lr=0.002; run r1 evaluated it on test',
    );
    expect(formatTrial(7, { 'train.lr': 0.002, 'train.model': 'cnn' })).toBe('trial   7  train.lr=0.002 train.model=cnn');
  });

  it('says when the final run did not evaluate the choice on test', () => {
    expect(formatChoice({}, row(2, 0.75, 1, 0.002), search, 'r1', 'failed')).toBe(
      'chosen: trial 2 (val ua 75.00%) train.lr=0.002; run r1, which was to evaluate it on test, failed (pipe show r1)',
    );
  });

  it('marks a trial whose cells are still running, so a partial mean is not read as its score', () => {
    const partial: LeaderboardRow = { ...row(4, 0.9, 0, 0.003), cells: 1, cellsExpected: 10 };
    expect(formatLeaderboard([partial], search, 10).split('\n')[1]).toBe(
      '    90.00%  trial   4  [ingest.classes=four]  train.lr=0.003  train.epochs=2  (1 of 10 cells so far)',
    );
    expect(formatLeaderboard([{ ...partial, cells: 10 }], search, 10)).not.toContain('so far');
  });
});
