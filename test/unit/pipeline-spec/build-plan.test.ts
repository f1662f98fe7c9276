// Plan building: cache keys, shared instances across cells, readable ids, topological order, defaults.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/json.js';
import { stageRegistry } from '../../../src/stages/registry.js';
import { DATA, EVALUATE_AND_COMPARE, instance, instancesOf, plan } from './spec-fixture.js';

const TWO_MODELS = DATA + EVALUATE_AND_COMPARE + 'matrix:\n  train.model: [nn, cnn]\n';

describe('cache keys', () => {
  it('a key is sha256 of canonical JSON of type, version, params with defaults, input keys and seed if used', () => {
    const p = plan(DATA);
    const ingest = instance(p, 'ingest');
    const split = instance(p, 'split');
    const sha = (v: unknown) => createHash('sha256').update(canonicalJson(v)).digest('hex');
    const version = (t: string) => stageRegistry.get(t)!.version;
    expect(ingest.params).toMatchObject({ format: 'synthetic', classes: 'all7', count: 140 });
    expect(ingest.key).toBe(sha({ type: 'ingest', version: version('ingest'), params: ingest.params, inputs: [], seed: null }));
    const normalize = instance(p, 'normalize');
    expect(split.key).toBe(sha({ type: 'split', version: version('split'), params: split.params, inputs: [normalize.key], seed: 1 }));
  });

  it('defaults are filled in the plan\'s params', () => {
    expect(instance(plan(DATA), 'train').params).toMatchObject({ model: 'cnn_lstm', epochs: 40, batchSize: 32, filters: [16, 32, 64, 64] });
    expect(instance(plan(DATA), 'split').params).toEqual({ val: 0.16, test: 0.2, by: 'file' });
  });

  it('keys do not depend on YAML formatting, quoting, comments or key order', () => {
    const reordered = `# the same pipeline, written differently
stages:
  train: { needs: [ chunk ], type: "train" }
  chunk:
    needs:
      - split
    type: chunk
  split: { type: 'split', needs: [normalize] }
  normalize: { needs: [ingest], type: normalize }
  ingest:
    params:
      format: "synthetic"
    type: ingest
name: t
`;
    const keys = (text: string) => Object.fromEntries(plan(text).instances.map((i) => [i.id, i.key]));
    expect(keys(reordered)).toEqual(keys(DATA));
    expect(keys(DATA)).toEqual(keys(DATA));
  });

  it('writing a default explicitly gives the same key as leaving it out', () => {
    expect(instance(plan(DATA, { overrides: ['train.epochs=40'] }), 'train').key).toBe(instance(plan(DATA), 'train').key);
  });

  it('changing split.test changes the split, chunk and train keys but not ingest or normalize', () => {
    const a = plan(DATA);
    const b = plan(DATA, { overrides: ['split.test=0.3'] });
    for (const n of ['ingest', 'normalize']) expect(instance(b, n).key).toBe(instance(a, n).key);
    for (const n of ['split', 'chunk', 'train']) expect(instance(b, n).key).not.toBe(instance(a, n).key);
  });
});

describe('sharing across cells', () => {
  it('two models share one ingest, normalize, split and chunk; train and evaluate are one per model', () => {
    const p = plan(TWO_MODELS);
    expect(p.instances.map((i) => i.id)).toEqual([
      'ingest',
      'normalize',
      'split',
      'chunk',
      'train[train.model=nn]',
      'train[train.model=cnn]',
      'evaluate[train.model=nn]',
      'evaluate[train.model=cnn]',
      'compare',
    ]);
    expect(instance(p, 'chunk').cells).toEqual(['c1', 'c2']);
    expect(instancesOf(p, 'train').map((i) => [i.needs, i.cells])).toEqual([
      [['chunk'], ['c1']],
      [['chunk'], ['c2']],
    ]);
    expect(instancesOf(p, 'evaluate')[1].needs).toEqual(['train[train.model=cnn]', 'chunk']);
  });

  it('compare gets one instance reading every cell\'s evaluate, keyed over their keys', () => {
    const p = plan(TWO_MODELS);
    const compare = instance(p, 'compare');
    expect(compare.needs).toEqual(['evaluate[train.model=nn]', 'evaluate[train.model=cnn]']);
    expect(compare.cells).toEqual(['c1', 'c2']);
    const one = plan(DATA + EVALUATE_AND_COMPARE + 'matrix:\n  train.model: [nn]\n');
    expect(instance(one, 'compare').key).not.toBe(compare.key);
  });

  it('instances are in a topological order: every need comes earlier', () => {
    const p = plan(DATA + EVALUATE_AND_COMPARE + 'repeat: 2\nmatrix:\n  train.model: [nn, cnn]\n  split.test: [0.2, 0.3]\n');
    const seen = new Set<string>();
    for (const inst of p.instances) {
      for (const need of inst.needs) expect(seen.has(need), `${inst.id} needs ${need}`).toBe(true);
      seen.add(inst.id);
    }
    expect(new Set(p.instances.map((i) => i.id)).size).toBe(p.instances.length);
  });

  it('an instance label lists only the matrix values all its cells share, with the seed under repeat', () => {
    const p = plan(DATA + 'repeat: 2\nmatrix:\n  train.model: [nn, cnn]\n  split.test: [0.2, 0.3]\n');
    expect(instancesOf(p, 'ingest')).toHaveLength(1);
    expect(instancesOf(p, 'split').map((i) => i.id)).toEqual([
      'split[split.test=0.2,seed=1]',
      'split[split.test=0.2,seed=2]',
      'split[split.test=0.3,seed=1]',
      'split[split.test=0.3,seed=2]',
    ]);
    expect(instancesOf(p, 'train')).toHaveLength(8);
    expect(instancesOf(p, 'train')[0].id).toBe('train[train.model=nn,split.test=0.2,seed=1]');
  });

  it('the same spec and overrides give the same plan every time', () => {
    const a = plan(TWO_MODELS, { overrides: ['split.test=0.3'] });
    const b = plan(TWO_MODELS, { overrides: ['split.test=0.3'] });
    expect(b.instances).toEqual(a.instances);
    expect(b.specHash).toBe(a.specHash);
  });
});
