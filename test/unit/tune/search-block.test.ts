// The search: block checked with positions: every mistake is a SpecError at the key that has it.

import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../../src/pipeline-spec/load-spec.js';
import { readSearchBlock } from '../../../src/pipeline-spec/search-block.js';
import { SpecPlaces } from '../../../src/pipeline-spec/spec-places.js';
import { stageRegistry } from '../../../src/stages/registry.js';
import { DATA, errorsOf, EVALUATE_AND_COMPARE, folder } from '../pipeline-spec/spec-fixture.js';

const BASE = DATA + EVALUATE_AND_COMPARE + 'matrix:\n  ingest.classes: [all7, four]\n';

function read(search: string) {
  const dir = folder({ 'spec.yaml': BASE + search });
  const spec = loadSpec('spec.yaml', dir);
  return readSearchBlock(spec.doc, stageRegistry, new SpecPlaces(spec.positions, spec.file).of);
}

describe('readSearchBlock', () => {
  it('reads a full block, with defaults where keys are left out', () => {
    const block = read('search:\n  space:\n    train.lr: { loguniform: [0.0001, 0.01] }\n    train.model: { choice: [cnn, nn] }\n  trials: 4\n  per: [ingest.classes]\n');
    expect(block).toEqual({
      space: [
        { key: 'train.lr', dist: { kind: 'loguniform', low: 0.0001, high: 0.01 } },
        { key: 'train.model', dist: { kind: 'choice', values: ['cnn', 'nn'] } },
      ],
      scheduler: 'random',
      trials: 4,
      resource: undefined,
      eta: 3,
      objective: { stage: 'evaluate', metric: 'ua' },
      per: ['ingest.classes'],
      exclude: [],
      seed: 1,
    });
  });

  it('reads halving with its resource', () => {
    const block = read('search:\n  space: { train.lr: { uniform: [0.001, 0.01] } }\n  scheduler: halving\n  resource: { key: train.epochs, min: 2, max: 18 }\n');
    expect(block.resource).toEqual({ key: 'train.epochs', min: 2, max: 18 });
  });

  // BASE is 21 lines; `search:` is line 22 and its first space key line 25.
  it.each([
    ['an unknown key', '    train.lrr: { uniform: [0, 1] }\n', /spec\.yaml:25:5.*stage train has no param "lrr".*did you mean train\.lr/s],
    ['an empty choice', '    train.model: { choice: [] }\n', /spec\.yaml:25:5.*choice needs a non-empty list/s],
    ['min > max', '    train.lr: { uniform: [0.1, 0.01] }\n', /spec\.yaml:25:5.*low 0\.1 > high 0\.01/s],
    ['loguniform <= 0', '    train.lr: { loguniform: [0, 0.01] }\n', /spec\.yaml:25:5.*loguniform needs low > 0/s],
    ['an int range of fractions', '    train.epochs: { int: [1.5, 3] }\n', /spec\.yaml:25:5.*int needs whole numbers/s],
    ['an unknown distribution', '    train.lr: { normal: [0, 1] }\n', /spec\.yaml:25:5.*unknown distribution "normal"/s],
    ['a key of a stage the objective does not read', '    compare.metric: { choice: [ua, accuracy] }\n', /spec\.yaml:25:5.*compare, which the objective stage evaluate does not read/s],
    ['a key the matrix varies', '    ingest.classes: { choice: [all7] }\n', /spec\.yaml:25:5.*ingest\.classes is also a matrix key/s],
    ["the objective stage's split", '    evaluate.split: { choice: [test, val] }\n', /spec\.yaml:25:5.*evaluate\.split.*validation split only/s],
  ])('refuses %s in the space at its position', (_what, line, message) => {
    const errors = errorsOf(() => read(`search:\n  trials: 2\n  space:\n${line}`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it.each([
    ['an unknown objective metric', '  objective: { metric: f1 }\n', /spec\.yaml:25:.*search\.objective\.metric: unknown value "f1"/s],
    ['an objective on the test split', '  objective: { split: test }\n', /spec\.yaml:25:.*validation split only/s],
    ['an objective stage without a split param', '  objective: { stage: train }\n', /spec\.yaml:25:.*stage train has no split param/s],
    ['an exclude rule on a key the matrix does not vary', '  exclude: [{ split.test: 0.2 }]\n', /spec\.yaml:25:.*search\.exclude\.0\.split\.test: "split\.test" is not a matrix key/s],
    ['a per key that the matrix does not vary', '  per: [split.folds]\n', /spec\.yaml:25:.*not a matrix key/s],
    ['an unknown search key', '  trails: 3\n', /spec\.yaml:25:3.*search has no key "trails".*did you mean "trials"/s],
    ['halving without a resource', '  scheduler: halving\n', /scheduler: halving needs search\.resource/],
    ['a resource the matrix varies', '  scheduler: halving\n  resource: { key: ingest.classes, min: 1, max: 3 }\n', /spec\.yaml:26:.*search\.resource\.key: ingest\.classes is also a matrix key/s],
    ['an unknown scheduler', '  scheduler: bayes\n', /spec\.yaml:25:.*search\.scheduler: unknown value "bayes"/s],
  ])('refuses %s', (_what, line, message) => {
    const errors = errorsOf(() => read(`search:\n  space: { train.lr: { uniform: [0.001, 0.01] } }\n  trials: 2\n${line}`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it('refuses a per key of a stage the objective does not read, at its position (the trials could not tell its groups apart)', () => {
    const dir = folder({ 'spec.yaml': DATA + EVALUATE_AND_COMPARE + 'matrix:\n  compare.metric: [ua, accuracy]\nsearch:\n  space: { train.lr: { uniform: [0.001, 0.01] } }\n  per: [compare.metric]\n' });
    const spec = loadSpec('spec.yaml', dir);
    const errors = errorsOf(() => readSearchBlock(spec.doc, stageRegistry, new SpecPlaces(spec.positions, spec.file).of));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/spec\.yaml:24:9.*search\.per\.0.*compare, which the objective stage evaluate does not read/s);
  });

  it('collects several mistakes at once', () => {
    const errors = errorsOf(() => read('search:\n  trials: 0\n  space:\n    train.lr: { uniform: [1, 0] }\n    train.model: { choice: [] }\n'));
    expect(errors).toHaveLength(3);
  });

  it('says so when there is no search block', () => {
    expect(errorsOf(() => read(''))[0]).toMatch(/no search: block/);
  });
});
