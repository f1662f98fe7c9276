// pipe tune's --set: keys the search itself sets (the objective's split, a searched key, the halving resource) are
// refused, since a --set would win over the chosen value in the final run (over the rung's value in halving).

import { describe, expect, it } from 'vitest';
import { checkOverrides } from '../../../src/commands/tune.js';
import { SpecError } from '../../../src/errors.js';
import type { SearchBlock } from '../../../src/pipeline-spec/search-block.js';

const SEARCH: SearchBlock = {
  space: [{ key: 'train.lr', dist: { kind: 'loguniform', low: 0.001, high: 0.1 } }],
  scheduler: 'halving',
  trials: 4,
  resource: { key: 'train.epochs', min: 1, max: 9 },
  eta: 3,
  objective: { stage: 'evaluate', metric: 'ua' },
  per: [],
  exclude: [],
  seed: 1,
};

describe('pipe tune --set', () => {
  it.each([['evaluate.split=test'], ['train.lr=0.5'], ['train.epochs=3']])('refuses %s', (raw) => {
    expect(() => checkOverrides([raw], SEARCH)).toThrow(SpecError);
  });

  it('accepts a key the search leaves alone', () => {
    expect(() => checkOverrides(['train.batchSize=16'], SEARCH)).not.toThrow();
  });
});
