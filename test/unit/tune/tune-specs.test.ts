// The specs a tune plans: trial specs keep only the objective and what it reads, scored on val, the trials as one
// zipped axis; the final spec is the whole spec with the chosen values, restricted to its group.

import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../src/pipeline-spec/load-plan.js';
import { loadSpec } from '../../../src/pipeline-spec/load-spec.js';
import { overrideTarget } from '../../../src/pipeline-spec/overrides.js';
import { readSearchBlock } from '../../../src/pipeline-spec/search-block.js';
import { SpecPlaces } from '../../../src/pipeline-spec/spec-places.js';
import type { SpecFile } from '../../../src/pipeline-spec/spec-schema.js';
import { stageRegistry } from '../../../src/stages/registry.js';
import { checkIsolation, observationsOf } from '../../../src/tune/run-tune.js';
import { sampleTrials } from '../../../src/tune/sample-space.js';
import { finalSpec, trialSpec } from '../../../src/tune/tune-specs.js';
import { DATA, EVALUATE_AND_COMPARE, folder } from '../pipeline-spec/spec-fixture.js';

const SPEC =
  DATA.replace('name: t\n', 'name: t\nseed: 1\nrepeat: 2\n') +
  EVALUATE_AND_COMPARE +
  `matrix:
  ingest.classes+split.test: [[all7, 0.2], [four, 0.3]]
search:
  space:
    train.lr: { loguniform: [0.0001, 0.01] }
    train.model: { choice: [nn, cnn] }
  trials: 3
  per: [ingest.classes]
`;

function setup(text = SPEC) {
  const dir = folder({ 'spec.yaml': text });
  const spec = loadSpec('spec.yaml', dir);
  const search = readSearchBlock(spec.doc, stageRegistry, new SpecPlaces(spec.positions, spec.file).of);
  const pathOf = (key: string) => overrideTarget(spec.doc, key, stageRegistry, { file: spec.file });
  const plan = (doc: SpecFile) => loadPlan('spec.yaml', { stages: stageRegistry, env: {}, cwd: dir, spec: { ...spec, doc } });
  return { spec, search, pathOf, plan };
}

describe('trialSpec', () => {
  const { spec, search, pathOf, plan } = setup();
  const trials = sampleTrials(search.space, 3, 1);
  const p = plan(trialSpec({ doc: spec.doc, search, trials, pathOf }));

  it('keeps the objective stage and the stages it reads, nothing after it', () => {
    expect(new Set(p.instances.map((i) => i.name))).toEqual(new Set(['ingest', 'normalize', 'split', 'chunk', 'train', 'evaluate']));
  });

  it("scores every objective instance on val, and passes the isolation check", () => {
    const evaluations = p.instances.filter((i) => i.name === 'evaluate');
    expect(evaluations.map((i) => i.params.split)).toEqual(evaluations.map(() => 'val'));
    expect(() => checkIsolation(p, search)).not.toThrow();
  });

  it("runs each trial in every cell of the spec's matrix (its groups and seeds)", () => {
    // 3 trials × 2 class sets × 2 seeds.
    expect(p.cells).toHaveLength(12);
    expect(Object.keys(p.cells[0].values).sort()).toEqual(['ingest.classes', 'seed', 'split.test', 'train.lr', 'train.model']);
    const trainValues = p.instances.filter((i) => i.name === 'train').map((i) => [i.params.lr, i.params.model, i.seed]);
    for (const t of trials) expect(trainValues).toContainEqual([t.values['train.lr'], t.values['train.model'], 1]);
  });

  it('sees each trial in each group through its evaluate instances', () => {
    const obs = observationsOf(p, trials, search);
    expect(obs).toHaveLength(12);
    const groups = new Set(obs.map((o) => o.group));
    expect(groups).toEqual(new Set(['{"ingest.classes":"all7"}', '{"ingest.classes":"four"}']));
    expect(obs.filter((o) => o.trial === 2)).toHaveLength(4);
  });

  it('a trial plan of one group holds only its cells, at the resource it is given', () => {
    const one = plan(trialSpec({ doc: spec.doc, search, trials: trials.slice(0, 1), pathOf, group: { 'ingest.classes': 'four' }, resource: 7 }));
    expect(one.cells.map((c) => c.values['ingest.classes'])).toEqual(['four', 'four']);
  });
});

describe('search.exclude', () => {
  it('skips cells in trial plans only: the final spec keeps every cell', () => {
    const { spec, search, pathOf, plan } = setup(SPEC.replace('  per: [ingest.classes]\n', '  exclude: [{ ingest.classes: four }]\n'));
    const trials = sampleTrials(search.space, 2, 1);
    const p = plan(trialSpec({ doc: spec.doc, search, trials, pathOf }));
    // 2 trials × all7 only × 2 seeds.
    expect(p.cells.map((c) => c.values['ingest.classes'])).toEqual(['all7', 'all7', 'all7', 'all7']);
    const final = plan(finalSpec(spec.doc, search, [{ group: {}, values: trials[0].values }], pathOf));
    expect(final.cells.map((c) => c.values['ingest.classes'])).toEqual(['all7', 'all7', 'four', 'four']);
  });
});

describe('finalSpec', () => {
  it("is the whole spec, each group's cells with its own chosen values, as one plan on test", () => {
    const { spec, search, pathOf, plan } = setup();
    const chosen = [
      { group: { 'ingest.classes': 'all7' }, values: { 'train.lr': 0.001, 'train.model': 'nn' } },
      { group: { 'ingest.classes': 'four' }, values: { 'train.lr': 0.002, 'train.model': 'cnn' } },
    ];
    const p = plan(finalSpec(spec.doc, search, chosen, pathOf));
    expect(p.instances.some((i) => i.name === 'compare')).toBe(true);
    expect(p.cells.map((c) => c.values)).toEqual([
      { 'ingest.classes': 'all7', 'split.test': 0.2, 'train.lr': 0.001, 'train.model': 'nn', seed: 1 },
      { 'ingest.classes': 'all7', 'split.test': 0.2, 'train.lr': 0.001, 'train.model': 'nn', seed: 2 },
      { 'ingest.classes': 'four', 'split.test': 0.3, 'train.lr': 0.002, 'train.model': 'cnn', seed: 1 },
      { 'ingest.classes': 'four', 'split.test': 0.3, 'train.lr': 0.002, 'train.model': 'cnn', seed: 2 },
    ]);
    expect(p.instances.filter((i) => i.name === 'evaluate').map((i) => i.params.split)).toEqual(['test', 'test', 'test', 'test']);
    expect(p.instances.filter((i) => i.name === 'train').map((i) => [i.params.lr, i.params.model])).toEqual([
      [0.001, 'nn'],
      [0.001, 'nn'],
      [0.002, 'cnn'],
      [0.002, 'cnn'],
    ]);
  });

  it('leaves out a group that has no choice', () => {
    const { spec, search, pathOf, plan } = setup();
    const p = plan(finalSpec(spec.doc, search, [{ group: { 'ingest.classes': 'four' }, values: { 'train.lr': 0.002, 'train.model': 'cnn' } }], pathOf));
    expect(p.cells.map((c) => c.values['ingest.classes'])).toEqual(['four', 'four']);
  });

  it('without per, sets the chosen values as params', () => {
    const { spec, search, pathOf, plan } = setup(SPEC.replace('  per: [ingest.classes]\n', ''));
    const p = plan(finalSpec(spec.doc, search, [{ group: {}, values: { 'train.lr': 0.002, 'train.model': 'cnn' } }], pathOf));
    expect(p.cells).toHaveLength(4);
    expect(new Set(p.instances.filter((i) => i.name === 'train').map((i) => i.params.lr))).toEqual(new Set([0.002]));
  });
});
