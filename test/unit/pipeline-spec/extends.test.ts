// `extends:` chains: how layers merge, and that positions point into the file that wrote the winning value.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../src/pipeline-spec/load-plan.js';
import { stageRegistry } from '../../../src/stages/registry.js';
import { errorsOf, folder, instance, instancesOf } from './spec-fixture.js';

const BASE = `name: base
params:
  data.count: 14
stages:
  ingest:
    type: ingest
    params: { format: synthetic, count: "\${data.count}" }
  normalize:
    type: normalize
    needs: [ingest]
  split:
    type: split
    needs: [normalize]
  chunk:
    type: chunk
    needs: [split]
  train:
    type: train
    needs: [chunk]
    params: { filters: [8, 8, 8, 8], epochs: 3, lr: 0.02 }
  evaluate:
    type: evaluate
    needs: [train]
matrix:
  train.model: [nn, cnn]
  ingest.classes: [all7, four]
exclude:
  - { train.model: cnn, ingest.classes: four }
`;

const MID = `name: mid
extends: base.yaml
stages:
  train:
    params: { epochs: 5 }
`;

const CHILD = `name: child
extends: ../pipelines/mid.yaml
params:
  data.count: 21
stages:
  train:
    params: { filters: [4, 4] }
  evaluate:
    needs: [train, chunk]
  also:
    type: evaluate
    needs: [train, chunk]
    params: { split: val }
matrix:
  train.model: [lstm]
`;

function project(files: Partial<Record<'base' | 'mid' | 'child', string>> = {}): string {
  return folder({
    'pipelines/base.yaml': files.base ?? BASE,
    'pipelines/mid.yaml': files.mid ?? MID,
    'experiments/child.yaml': files.child ?? CHILD,
  });
}

const load = (dir: string, overrides: string[] = []) => loadPlan('experiments/child.yaml', { stages: stageRegistry, cwd: dir, env: {}, overrides });

describe('extends', () => {
  it('merges a chain of three files: the child wins, maps merge, lists are replaced, stages can be added', () => {
    const p = load(project());
    expect(p.name).toBe('child');
    expect(instance(p, 'ingest').params.count).toBe(21);
    const train = instance(p, 'train').params;
    expect([train.epochs, train.lr, train.filters, train.model]).toEqual([5, 0.02, [4, 4], 'lstm']);
    expect(instance(p, 'evaluate').needs).toEqual(['train', 'chunk']);
    expect(instance(p, 'also').params).toEqual({ split: 'val' });
  });

  it('the child\'s matrix replaces the base\'s, and takes the base\'s exclude with it', () => {
    const p = load(project());
    expect(p.cells).toEqual([{ id: 'c1', values: { 'train.model': 'lstm' }, seed: 1 }]);
    expect(p.resolved.exclude).toBeUndefined();
    expect(p.resolved.extends).toBeUndefined();
  });

  it('without a matrix of its own the child keeps the base\'s matrix and exclude', () => {
    const p = load(project({ child: CHILD.replace(/matrix:\n.*\n$/, '') }));
    expect(p.cells.map((c) => c.values)).toEqual([
      { 'train.model': 'nn', 'ingest.classes': 'all7' },
      { 'train.model': 'nn', 'ingest.classes': 'four' },
      { 'train.model': 'cnn', 'ingest.classes': 'all7' },
    ]);
  });

  it('an error in a value the base wrote points into the base file', () => {
    const dir = project({ base: BASE.replace('lr: 0.02', 'lr: -1') });
    expect(errorsOf(() => load(dir))).toEqual(['pipelines/base.yaml:20:49 stages.train.params.lr: must be number > 0, got -1']);
  });

  it('an error in a value the middle file overrode points into the middle file', () => {
    const dir = project({ mid: MID.replace('epochs: 5', 'epochs: 0') });
    expect(errorsOf(() => load(dir))).toEqual(['pipelines/mid.yaml:5:15 stages.train.params.epochs: must be integer >= 1, got 0']);
  });

  it('an unknown key in a base file is reported in that file', () => {
    const dir = project({ base: BASE + 'matirx: {}\n' });
    expect(errorsOf(() => load(dir))[0]).toMatch(/^pipelines\/base\.yaml:29:1 matirx: unknown key "matirx"\n {2}hint: did you mean "matrix"\?/);
  });

  it('a child stage under a misspelt base name has no type, with a hint naming the base stage', () => {
    const dir = project({ child: CHILD.replace('  train:\n    params: { filters', '  trian:\n    params: { filters') });
    expect(errorsOf(() => load(dir))[0]).toMatch(/^experiments\/child\.yaml:6:3 stages\.trian: stage trian has no type\n {2}hint: did you mean stage "train"\?/);
  });

  it('a missing extends file is an error at the extends line', () => {
    const dir = folder({ 'experiments/child.yaml': CHILD });
    expect(errorsOf(() => load(dir))).toEqual([
      'experiments/child.yaml:2:1 extends: extends a file that does not exist: pipelines/mid.yaml\n  hint: the path is relative to the spec file that names it',
    ]);
  });

  it('files that extend each other in a circle are an error', () => {
    const dir = project({ base: BASE.replace('name: base', 'name: base\nextends: mid.yaml') });
    expect(errorsOf(() => load(dir))[0]).toContain('extends cycle: experiments/child.yaml -> pipelines/mid.yaml -> pipelines/base.yaml -> pipelines/mid.yaml');
  });

  it('the spec hash covers every file of the chain', () => {
    const dir = project();
    const before = load(dir).specHash;
    expect(load(dir).specHash).toBe(before);
    writeFileSync(join(dir, 'pipelines/base.yaml'), BASE + '# a comment\n');
    expect(load(dir).specHash).not.toBe(before);
  });

  it('an experiment can override a base stage param with --set and the keys of the shared data stages do not move', () => {
    const dir = project({ child: CHILD.replace(/matrix:\n.*\n$/, 'matrix:\n  train.model: [nn, cnn]\n') });
    const p = load(dir, ['train.epochs=2']);
    expect(instancesOf(p, 'ingest')).toHaveLength(1);
    expect(instancesOf(p, 'train').map((i) => i.params.epochs)).toEqual([2, 2]);
  });
});
