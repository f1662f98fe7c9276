// Validation: every problem names file:line:column and key, says what is allowed, and all are reported at once.

import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../src/pipeline-spec/load-plan.js';
import { stageRegistry } from '../../../src/stages/registry.js';
import { DATA, errorsOf, EVALUATE_AND_COMPARE, folder, plan } from './spec-fixture.js';

describe('schema errors name the file, line, column and key', () => {
  it('a wrong type says what is allowed and what was found', () => {
    expect(errorsOf(() => plan(DATA + '    params:\n      epochs: ten\n'))).toEqual([
      'spec.yaml:19:7 stages.train.params.epochs: must be integer >= 1, got "ten"',
    ]);
  });

  it('out-of-range values in two stages are both reported: epochs 0 and a negative chunk length', () => {
    const text = DATA.replace('    needs: [split]\n', '    needs: [split]\n    params: { length: -5 }\n') + '    params: { epochs: 0 }\n';
    expect(errorsOf(() => plan(text))).toEqual([
      'spec.yaml:15:15 stages.chunk.params.length: must be integer >= 1, got -5',
      'spec.yaml:19:15 stages.train.params.epochs: must be integer >= 1, got 0',
    ]);
  });

  it('an enum value outside its list names the allowed values', () => {
    expect(errorsOf(() => plan(DATA + '    params: { model: resnet }\n'))).toEqual([
      'spec.yaml:18:15 stages.train.params.model: must be one of "nn", "cnn", "lstm", "cnn_lstm", "logreg", "svm", got "resnet"',
    ]);
  });

  it('an unknown param gets a did-you-mean hint from the stage type\'s params', () => {
    const [error] = errorsOf(() => plan(DATA + '    params: { epocs: 3 }\n'));
    expect(error).toMatch(/^spec\.yaml:18:15 stages\.train\.params\.epocs: unknown key "epocs"\n {2}hint: did you mean "epochs"\?/);
  });

  it('an unknown top-level key and an unknown stage key get did-you-mean hints', () => {
    expect(errorsOf(() => plan(DATA + 'matrx: {}\n'))).toEqual([
      'spec.yaml:18:1 matrx: unknown key "matrx"\n  hint: did you mean "matrix"? (allowed: name, extends, description, params, seed, repeat, stages, matrix, exclude, search)',
    ]);
    expect(errorsOf(() => plan(DATA.replace('needs: [chunk]', 'neds: [chunk]')))).toEqual([
      'spec.yaml:17:5 stages.train.neds: unknown key "neds"\n  hint: did you mean "needs"? (allowed: type, needs, params)',
    ]);
  });

  it('several structural problems in one file are reported together', () => {
    const errors = errorsOf(() => plan(DATA.replace('name: t', 'name: t\nseed: one') + 'colour: red\n'));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^spec\.yaml:2:1 seed: must be integer, got "one"/);
    expect(errors[1]).toMatch(/^spec\.yaml:19:1 colour: unknown key "colour"/);
  });

  it('a name outside [a-z0-9_-] and a stage name that is not an identifier are errors', () => {
    expect(errorsOf(() => plan(DATA.replace('name: t', 'name: My Spec')))[0]).toMatch(/^spec\.yaml:1:1 name: must be string matching/);
    expect(errorsOf(() => plan(DATA.replace('  train:', '  Train:')))[0]).toMatch(/^spec\.yaml:15:3 stages\.Train: "Train" is not a valid name/);
  });

  it('an unknown stage type lists the known types', () => {
    const [error] = errorsOf(() => plan(DATA.replace('type: chunk', 'type: chunck')));
    expect(error).toMatch(/^spec\.yaml:13:5 stages\.chunk\.type: unknown stage type "chunck"\n {2}hint: did you mean "chunk"\? \(allowed: ingest, normalize, split, chunk, features, train, evaluate, ensemble, compare, command\)/);
  });
});

describe('checks across params and stages', () => {
  it('split ratios that do not sum to 1 are an error at the split', () => {
    const [error] = errorsOf(() => plan(DATA.replace('    needs: [normalize]\n', '    needs: [normalize]\n    params: { train: 0.7, val: 0.2, test: 0.2 }\n')));
    expect(error).toMatch(/^spec\.yaml:12:15 stages\.split\.params\.train: train \+ val \+ test must sum to 1, got 1\.1/);
  });

  it('ratios summing to 1 within 1e-6 pass, and val + test leaving nothing to train on fails', () => {
    expect(() => plan(DATA, { overrides: ['split.train=0.64', 'split.val=0.16', 'split.test=0.2000001'] })).not.toThrow();
    expect(errorsOf(() => plan(DATA, { overrides: ['split.val=0.5', 'split.test=0.5'] }))[0]).toMatch(/val \+ test = 1 leaves nothing to train on/);
  });

  it('needs on a missing stage points at the list item', () => {
    expect(errorsOf(() => plan(DATA.replace('needs: [split]', 'needs: [splt]')))).toEqual([
      'spec.yaml:14:13 stages.chunk.needs.0: needs "splt", which is not a stage\n  hint: did you mean "split"? (allowed: ingest, normalize, split, chunk, train)',
    ]);
  });

  it('a cycle is printed as its path', () => {
    const [error] = errorsOf(() => plan(DATA.replace('type: ingest', 'type: ingest\n    needs: [train]')));
    expect(error).toContain('needs form a cycle: ingest -> train -> chunk -> split -> normalize -> ingest');
  });

  it('a stage cannot need one that gathers all cells', () => {
    const [error] = errorsOf(() => plan(DATA + EVALUATE_AND_COMPARE + '  report: { type: evaluate, needs: [compare] }\n'));
    expect(error).toMatch(/stages\.report\.needs\.0: needs "compare", which gathers all cells and must come last/);
  });
});

describe('files that are not specs', () => {
  it('tab indentation is an error at the tab with a hint to use spaces', () => {
    expect(errorsOf(() => plan('name: t\nstages:\n\tingest: {}\n'))).toEqual([
      'spec.yaml:3:1 invalid YAML: Tabs are not allowed as indentation\n  hint: YAML indentation must use spaces, not tabs',
    ]);
  });

  it('an unclosed quote is an error at the quote that opened it', () => {
    expect(errorsOf(() => plan('name: t\nstages:\n  ingest: { type: "ingest }\n  normalize: {}\n'))).toEqual([
      'spec.yaml:3:19 invalid YAML: Missing closing "quote\n  hint: this quote is never closed; close it on the same value',
    ]);
  });

  it('a key written twice is an error at the second one', () => {
    expect(errorsOf(() => plan(DATA + 'name: u\n'))[0]).toMatch(/^spec\.yaml:18:1 invalid YAML: Map keys must be unique/);
  });

  it('an empty file and a file of only comments are "empty"', () => {
    expect(errorsOf(() => plan('  \n'))[0]).toMatch(/^spec\.yaml:1:1 the spec is empty/);
    expect(errorsOf(() => plan('# nothing yet\n'))[0]).toMatch(/^spec\.yaml:1:1 the spec is empty/);
  });

  it('a list where a map is expected, at the top and under stages', () => {
    expect(errorsOf(() => plan('- a\n- b\n'))[0]).toMatch(/^spec\.yaml:1:1 a spec must be a map of keys, got a list/);
    expect(errorsOf(() => plan('name: t\nstages: [a, b]\n'))).toEqual(['spec.yaml:2:1 stages: must be a map, got a list']);
    expect(errorsOf(() => plan('name: t\nstages:\n  ingest: [ingest]\n'))).toEqual(['spec.yaml:3:3 stages.ingest: must be a map, got a list']);
  });

  it('a spec path that does not exist', () => {
    expect(errorsOf(() => loadPlan('experiments/none.yaml', { stages: stageRegistry, cwd: folder({}), env: {} }))[0]).toMatch(/^experiments\/none\.yaml spec file not found: experiments\/none\.yaml/);
  });
});
