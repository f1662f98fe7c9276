// Checks across params live with their stage (Stage.checkParams) and planning reports them at the spec's place;
// planning knows only the stage types it is handed.

import { describe, expect, it } from 'vitest';
import type { StageType } from '../../../src/core/stage-type.js';
import type { JsonObject } from '../../../src/json.js';
import { stageRegistry } from '../../../src/stages/registry.js';
import { DATA, errorsOf, plan } from './spec-fixture.js';

describe("each built-in stage's own checks reach planning", () => {
  it('train: plateauFactor without plateauPatience', () => {
    expect(errorsOf(() => plan(DATA, { overrides: ['train.plateauFactor=0.5'] }))).toEqual([
      '--set train.plateauFactor: plateauFactor and plateauPatience go together\n  hint: set both (e.g. plateauFactor: 0.5, plateauPatience: 4) or neither',
    ]);
  });

  it('chunk: a hop longer than the chunk', () => {
    expect(errorsOf(() => plan(DATA, { overrides: ['chunk.length=100', 'chunk.hop=200'] }))[0]).toMatch(/^--set chunk\.hop: hop 200 is longer than length 100: samples would be skipped/);
  });

  it('ingest: minSeconds above maxSeconds, and emodb without its folder', () => {
    expect(errorsOf(() => plan(DATA, { overrides: ['ingest.minSeconds=3', 'ingest.maxSeconds=2'] }))[0]).toBe('--set ingest.minSeconds: minSeconds 3 is above maxSeconds 2');
    expect(errorsOf(() => plan(DATA, { overrides: ['ingest.format=emodb'] }))[0]).toBe(
      'spec.yaml:5:5 stages.ingest.params: format emodb needs root: the folder of EMO-DB .wav files\n  hint: set root (or data.root), e.g. --set data.root=/path/to/emodb/wav',
    );
  });

  it('split: fold without folds: loso', () => {
    expect(errorsOf(() => plan(DATA, { overrides: ['split.fold=2'] }))[0]).toMatch(/^--set split\.fold: fold applies only with folds: loso/);
  });
});

describe('planning with the stage types it is handed', () => {
  const spec = 'name: t\nstages:\n  only:\n    type: pair\n    params: { low: 3, high: 2 }\n';
  const pair: StageType = {
    type: 'pair',
    version: 1,
    usesSeed: false,
    scope: 'cell',
    paramsSchema: { type: 'object', properties: { low: { type: 'number' }, high: { type: 'number' } } },
    checkParams: (p: JsonObject) => (Number(p.low) > Number(p.high) ? [{ message: 'low is above high', path: ['low'], hint: 'swap them' }] : []),
  };

  it("a stand-in type's checkParams is reported at its param's line and column", () => {
    expect(errorsOf(() => plan(spec, { stages: new Map([['pair', pair]]) }))).toEqual(['spec.yaml:5:15 stages.only.params.low: low is above high\n  hint: swap them']);
  });

  it('keyParams shapes the params that enter the instance and its key', () => {
    const keyed: StageType = { ...pair, checkParams: undefined, keyParams: (p: JsonObject) => ({ ...p, filled: true }) };
    const withHook = plan(spec, { stages: new Map([['pair', keyed]]) }).instances[0];
    const without = plan(spec, { stages: new Map([['pair', { ...keyed, keyParams: undefined }]]) }).instances[0];
    expect(withHook.params).toEqual({ low: 3, high: 2, filled: true });
    expect(withHook.key).not.toBe(without.key);
  });

  it('a type the planner is not handed is unknown, although the registry has it', () => {
    expect(stageRegistry.has('ingest')).toBe(true);
    expect(errorsOf(() => plan(DATA, { stages: new Map([['pair', pair]]) }))[0]).toMatch(/^spec\.yaml:4:5 stages\.ingest\.type: unknown stage type "ingest"/);
  });
});
