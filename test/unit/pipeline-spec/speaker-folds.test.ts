// Leave-one-speaker-out in planning: `folds: loso` without a `fold` expands a cell into one cell per fold; the new
// params leave every existing split key as it was.

import { describe, expect, it } from 'vitest';
import { cacheKey } from '../../../src/pipeline-spec/cache-key.js';
import { splitStage } from '../../../src/stages/split.js';
import { DATA, EVALUATE_AND_COMPARE, errorsOf, instance, instancesOf, plan } from './spec-fixture.js';

const LOSO = DATA.replace('    needs: [normalize]\n', '    needs: [normalize]\n    params: { by: speaker, folds: loso }\n');

describe('fold expansion', () => {
  it('a split with folds: loso and no fold becomes one cell per speaker, each with its split.fold', () => {
    const p = plan(LOSO);
    expect(p.cells.map((c) => [c.id, c.values])).toEqual(Array.from({ length: 10 }, (_, k) => [`c${k + 1}`, { 'split.fold': k + 1 }]));
    expect(instancesOf(p, 'split').map((i) => [i.id, i.params.fold])).toEqual(Array.from({ length: 10 }, (_, k) => [`split[split.fold=${k + 1}]`, k + 1]));
    expect(instance(p, 'ingest').cells).toHaveLength(10);
    expect(instance(p, 'normalize').cells).toHaveLength(10);
  });

  it('repeat 2 × two class sets × 10 folds: 40 cells, one ingest and normalize per class set, a split per fold and seed', () => {
    const p = plan(LOSO + EVALUATE_AND_COMPARE + 'repeat: 2\nmatrix:\n  ingest.classes: [all7, four]\n');
    expect(p.cells).toHaveLength(40);
    expect(p.cells.map((c) => c.id)).toEqual(Array.from({ length: 40 }, (_, i) => `c${i + 1}`));
    expect(p.cells[0]).toEqual({ id: 'c1', values: { 'ingest.classes': 'all7', seed: 1, 'split.fold': 1 }, seed: 1 });
    expect(p.cells[12]).toEqual({ id: 'c13', values: { 'ingest.classes': 'all7', seed: 2, 'split.fold': 3 }, seed: 2 });
    expect(p.cells[39]).toEqual({ id: 'c40', values: { 'ingest.classes': 'four', seed: 2, 'split.fold': 10 }, seed: 2 });
    expect(instancesOf(p, 'ingest').map((i) => [i.id, i.cells.length])).toEqual([
      ['ingest[ingest.classes=all7]', 20],
      ['ingest[ingest.classes=four]', 20],
    ]);
    expect(instancesOf(p, 'normalize')).toHaveLength(2);
    const splits = instancesOf(p, 'split');
    expect(splits).toHaveLength(40);
    expect(new Set(splits.map((s) => s.key)).size).toBe(40);
    expect(splits[2].id).toBe('split[ingest.classes=all7,seed=1,split.fold=3]');
    expect(instancesOf(p, 'evaluate')).toHaveLength(40);
    expect(instance(p, 'compare').needs).toHaveLength(40);
  });

  it('shares ingest and normalize with the same spec split by file: their keys do not depend on the folds', () => {
    const byFile = plan(DATA);
    const loso = plan(LOSO);
    for (const n of ['ingest', 'normalize']) expect(instance(loso, n).key).toBe(instance(byFile, n).key);
  });

  it('a fold set with --set is one cell, the same split instance as that fold of the expansion', () => {
    const one = plan(LOSO, { overrides: ['split.fold=3'] });
    expect(one.cells).toEqual([{ id: 'c1', values: {}, seed: 1 }]);
    expect(instance(one, 'split').key).toBe(instancesOf(plan(LOSO), 'split')[2].key);
  });

  it('folds given in the matrix are not expanded again', () => {
    const p = plan(LOSO + 'matrix:\n  split.fold: [2, 5]\n');
    expect(p.cells.map((c) => c.values)).toEqual([{ 'split.fold': 2 }, { 'split.fold': 5 }]);
  });

  it('speakers sets the number of folds', () => {
    expect(plan(LOSO, { overrides: ['split.speakers=4'] }).cells).toHaveLength(4);
  });

  it('a split without folds: loso is not expanded', () => {
    expect(plan(DATA).cells).toHaveLength(1);
    expect(plan(DATA, { overrides: ['split.folds=none'] }).cells).toHaveLength(1);
  });
});

describe('fold params and cache keys', () => {
  it('an existing split (64/16/20 by file, as table2 writes it) keeps its params and the key it had before folds existed', () => {
    const paper = DATA.replace('    needs: [normalize]\n', '    needs: [normalize]\n    params: { train: 0.64, val: 0.16, test: 0.2, by: file }\n');
    const split = instance(plan(paper), 'split');
    expect(split.params).toEqual({ train: 0.64, val: 0.16, test: 0.2, by: 'file' });
    expect(split.version).toBe(1);
    // Computed with the split stage as it was before folds, fold and speakers were added.
    expect(cacheKey({ type: 'split', version: splitStage.version, params: split.params, inputs: ['normalize-key'], seed: 1 })).toBe(
      '3981b6092eb6a56bcdd0f334f80cdccdf068bcc47ea7c6889d491210d7b9aa78',
    );
  });

  it('writing folds: none, or speakers: 10 with folds: loso, gives the same key as leaving it out', () => {
    expect(instance(plan(DATA, { overrides: ['split.folds=none'] }), 'split').key).toBe(instance(plan(DATA), 'split').key);
    const loso = instancesOf(plan(LOSO), 'split').map((i) => i.key);
    expect(instancesOf(plan(LOSO, { overrides: ['split.speakers=10'] }), 'split').map((i) => i.key)).toEqual(loso);
    expect(instancesOf(plan(LOSO), 'split')[0].params).toEqual({ val: 0.16, test: 0.2, by: 'speaker', folds: 'loso', fold: 1, speakers: 10 });
  });
});

describe('fold errors', () => {
  it('folds: loso with by: file is an error at folds, with a hint', () => {
    const text = DATA.replace('    needs: [normalize]\n', '    needs: [normalize]\n    params: { folds: loso }\n');
    expect(errorsOf(() => plan(text))).toEqual([
      'spec.yaml:12:15 stages.split.params.folds: folds: loso leaves one speaker out per fold, so it needs by: speaker, got by: file\n' +
        '  hint: set by: speaker (train/val/test ratios are ignored with folds: loso)',
    ]);
  });

  it('fold or speakers without folds: loso, and a fold above speakers, are errors', () => {
    expect(errorsOf(() => plan(DATA, { overrides: ['split.fold=2'] }))[0]).toMatch(/^--set split\.fold: fold applies only with folds: loso\n {2}hint: set folds: loso/);
    expect(errorsOf(() => plan(DATA, { overrides: ['split.speakers=8'] }))[0]).toMatch(/^--set split\.speakers: speakers applies only with folds: loso/);
    expect(errorsOf(() => plan(LOSO, { overrides: ['split.fold=11'] }))[0]).toMatch(/^--set split\.fold: fold 11 is above speakers 10/);
    expect(errorsOf(() => plan(LOSO, { overrides: ['split.speakers=2'] }))[0]).toMatch(/^--set split\.speakers: must be integer >= 3, got 2/);
  });
});
