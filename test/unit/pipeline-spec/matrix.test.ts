// matrix, exclude and repeat → cells; errors in matrix keys and values point at the matrix.

import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../src/pipeline-spec/load-plan.js';
import { stageRegistry } from '../../../src/stages/registry.js';
import { DATA, errorsOf, EVALUATE_AND_COMPARE, folder, instancesOf, plan } from './spec-fixture.js';

describe('matrix expansion', () => {
  it('the cartesian product in the order written, minus excluded combinations', () => {
    const p = plan(DATA + 'matrix:\n  train.model: [nn, cnn]\n  ingest.classes: [all7, four]\nexclude:\n  - { train.model: cnn, ingest.classes: four }\n');
    expect(p.cells).toEqual([
      { id: 'c1', values: { 'train.model': 'nn', 'ingest.classes': 'all7' }, seed: 1 },
      { id: 'c2', values: { 'train.model': 'nn', 'ingest.classes': 'four' }, seed: 1 },
      { id: 'c3', values: { 'train.model': 'cnn', 'ingest.classes': 'all7' }, seed: 1 },
    ]);
  });

  it('a partial exclude removes every combination it matches', () => {
    const p = plan(DATA + 'matrix:\n  train.model: [nn, cnn, lstm]\n  ingest.classes: [all7, four]\nexclude:\n  - { train.model: lstm }\n');
    expect(p.cells.map((c) => c.values['train.model'])).toEqual(['nn', 'nn', 'cnn', 'cnn']);
  });

  it('repeat runs every cell with seeds seed .. seed+repeat-1, as a seed dimension', () => {
    const p = plan(DATA + 'seed: 5\nrepeat: 3\nmatrix:\n  train.model: [nn, cnn]\n');
    expect(p.cells.map((c) => [c.id, c.values, c.seed])).toEqual([
      ['c1', { 'train.model': 'nn', seed: 5 }, 5],
      ['c2', { 'train.model': 'nn', seed: 6 }, 6],
      ['c3', { 'train.model': 'nn', seed: 7 }, 7],
      ['c4', { 'train.model': 'cnn', seed: 5 }, 5],
      ['c5', { 'train.model': 'cnn', seed: 6 }, 6],
      ['c6', { 'train.model': 'cnn', seed: 7 }, 7],
    ]);
  });

  it('without repeat the cells carry the spec seed but no seed value', () => {
    const p = plan(DATA + 'seed: 9\n');
    expect(p.cells).toEqual([{ id: 'c1', values: {}, seed: 9 }]);
  });

  it('a seed axis in the matrix sets each cell\'s seed', () => {
    const p = plan(DATA + 'matrix:\n  seed: [3, 4]\n');
    expect(p.cells.map((c) => c.seed)).toEqual([3, 4]);
    expect(instancesOf(p, 'train').map((i) => i.seed)).toEqual([3, 4]);
    expect(instancesOf(p, 'ingest')).toHaveLength(1);
  });

  it('a null matrix value leaves the param out of that cell, so zipped configurations may set different params', () => {
    const spec = DATA.replace('    needs: [chunk]\n', '    needs: [chunk]\n    params: { lr: 0.05, clipNorm: 2 }\n');
    const p = plan(spec + 'matrix:\n  train.model+train.clipNorm+train.lr: [[nn, null, null], [cnn, 1, 0.1]]\n');
    const [nn, cnn] = instancesOf(p, 'train');
    // The spec's own clipNorm is removed; lr falls back to the schema default, not the spec's 0.05.
    expect(nn.params).not.toHaveProperty('clipNorm');
    expect(nn.params.lr).toBe(0.01);
    expect(cnn.params).toMatchObject({ model: 'cnn', clipNorm: 1, lr: 0.1 });
    // Ids name what a cell sets, not what it leaves out.
    expect([nn.id, cnn.id]).toEqual(['train[train.model=nn]', 'train[train.model=cnn,train.clipNorm=1,train.lr=0.1]']);
    // The same cell written without the keys at all plans the same key.
    const plain = plan(DATA + 'matrix:\n  train.model: [nn]\n');
    expect(instancesOf(plain, 'train')[0].key).toBe(nn.key);
  });

  it('an instance id names only matrix keys of its own stage and of the stages upstream of it', () => {
    const p = plan(DATA + 'matrix:\n  train.model+train.lr: [[nn, 0.1], [cnn, 0.1]]\n  split.test: [0.2, 0.3]\n');
    // Every cell trains at 0.1, but that is train's business, not split's or chunk's.
    expect(instancesOf(p, 'split').map((i) => i.id)).toEqual(['split[split.test=0.2]', 'split[split.test=0.3]']);
    expect(instancesOf(p, 'chunk').map((i) => i.id)).toEqual(['chunk[split.test=0.2]', 'chunk[split.test=0.3]']);
    expect(instancesOf(p, 'train').map((i) => i.id)).toContain('train[train.model=nn,train.lr=0.1,split.test=0.2]');
    // and each instance records the keys that can change it (compare reads its inputs' cells through them)
    expect(instancesOf(p, 'chunk')[0].matrixKeys).toEqual(['split.test']);
    expect(instancesOf(p, 'train')[0].matrixKeys).toEqual(['train.model', 'train.lr', 'split.test']);
  });

  it('ranges expand as a person wrote them', () => {
    const p = plan(DATA + 'matrix:\n  split.test: { from: 0.1, to: 0.3, step: 0.1 }\n');
    expect(p.cells.map((c) => c.values['split.test'])).toEqual([0.1, 0.2, 0.3]);
  });

  it('zipped keys vary together', () => {
    const p = plan(DATA + 'matrix:\n  split.val+split.test: [[0.1, 0.2], [0.2, 0.3]]\n');
    expect(p.cells.map((c) => c.values)).toEqual([
      { 'split.val': 0.1, 'split.test': 0.2 },
      { 'split.val': 0.2, 'split.test': 0.3 },
    ]);
    expect(instancesOf(p, 'split').map((i) => [i.params.val, i.params.test])).toEqual([[0.1, 0.2], [0.2, 0.3]]);
    expect(errorsOf(() => plan(DATA + 'matrix:\n  split.val+split.test: [[0.1]]\n'))[0]).toMatch(/zips 2 keys: each value must be a list of 2/);
  });

  it('pipe sweep --param adds a matrix axis from the command line', () => {
    const dir = folder({ 'spec.yaml': DATA });
    const p = loadPlan('spec.yaml', { stages: stageRegistry, cwd: dir, env: {}, sweep: ['split.test=0.1,0.2,0.3'] });
    expect(p.cells.map((c) => c.values['split.test'])).toEqual([0.1, 0.2, 0.3]);
    expect(instancesOf(p, 'ingest')).toHaveLength(1);
    expect((p.resolved.matrix as Record<string, unknown>)['split.test']).toEqual([0.1, 0.2, 0.3]);
    expect(errorsOf(() => loadPlan('spec.yaml', { stages: stageRegistry, cwd: dir, env: {}, sweep: ['split.tst=0.1,0.2'] }))[0]).toMatch(/^--param split\.tst: .*\n.*did you mean split\.test/);
  });
});

describe('matrix errors', () => {
  it('a matrix key that exists nowhere is an error at the key, with the nearest valid key', () => {
    expect(errorsOf(() => plan(DATA + 'matrix:\n  train.modle: [nn]\n'))[0]).toMatch(
      /^spec\.yaml:19:3 train\.modle: stage train has no param "modle"\n {2}hint: did you mean train\.model\?/,
    );
  });

  it('a matrix value the stage rejects is reported at the matrix entry, once', () => {
    expect(errorsOf(() => plan(DATA + 'matrix:\n  train.model: [nn, resnet]\n  split.by: [file, speaker]\n'))).toEqual([
      'spec.yaml:19:3 matrix.train.model: must be one of "nn", "cnn", "lstm", "cnn_lstm", "logreg", "svm", got "resnet"',
    ]);
  });

  it('exclude may only name matrix keys, and must leave a cell', () => {
    expect(errorsOf(() => plan(DATA + 'matrix:\n  train.model: [nn]\nexclude:\n  - { train.epochs: 3 }\n'))[0]).toMatch(
      /^spec\.yaml:21:7 exclude\.0\.train\.epochs: exclude names "train\.epochs", which is not a matrix key\n {2}hint: matrix keys: train\.model/,
    );
    expect(errorsOf(() => plan(DATA + 'matrix:\n  train.model: [nn]\nexclude:\n  - { train.model: nn }\n'))[0]).toMatch(/matrix and exclude leave no cell to run/);
  });

  it('an empty axis, repeat as an axis, and an axis on a stage that gathers all cells are errors', () => {
    expect(errorsOf(() => plan(DATA + 'matrix:\n  train.model: []\n'))[0]).toMatch(/matrix\.train\.model is an empty list/);
    expect(errorsOf(() => plan(DATA + 'matrix:\n  repeat: [1, 2]\n'))[0]).toMatch(/repeat cannot be a matrix key/);
    expect(errorsOf(() => plan(DATA + EVALUATE_AND_COMPARE + 'matrix:\n  compare.metric: [accuracy, ua]\n'))[0]).toMatch(
      /compare gathers all cells, so the matrix cannot vary it/,
    );
  });
});
