// `--set key=value`: typed values, where each key points, and errors that name the override.

import { describe, expect, it } from 'vitest';
import { parseOverride } from '../../../src/pipeline-spec/load-plan.js';
import { DATA, errorsOf, instance, plan } from './spec-fixture.js';

describe('parseOverride reads the value as YAML', () => {
  it('numbers, booleans, lists and strings keep their type', () => {
    expect(parseOverride('split.test=0.3')).toEqual({ key: 'split.test', value: 0.3 });
    expect(parseOverride('train.nesterov=true')).toEqual({ key: 'train.nesterov', value: true });
    expect(parseOverride('ingest.classes=[anger, sadness]')).toEqual({ key: 'ingest.classes', value: ['anger', 'sadness'] });
    expect(parseOverride('train.model=cnn')).toEqual({ key: 'train.model', value: 'cnn' });
  });

  it('only the first = separates key and value; a missing key is an error', () => {
    expect(parseOverride('data.root=/a=b')).toEqual({ key: 'data.root', value: '/a=b' });
    expect(errorsOf(() => parseOverride('=3'))[0]).toMatch(/--set =3: expected key=value/);
    expect(errorsOf(() => parseOverride('split.test'))[0]).toMatch(/expected key=value/);
  });
});

describe('--set applied to a spec', () => {
  it('typed values reach the stage params and are recorded as given', () => {
    const p = plan(DATA, { overrides: ['split.test=0.3', 'train.nesterov=false', 'train.filters=[4, 4, 4, 4]'] });
    expect(instance(p, 'split').params.test).toBe(0.3);
    expect(instance(p, 'train').params.nesterov).toBe(false);
    expect(instance(p, 'train').params.filters).toEqual([4, 4, 4, 4]);
    expect(p.overrides).toEqual({ 'split.test': 0.3, 'train.nesterov': false, 'train.filters': [4, 4, 4, 4] });
    expect((p.resolved.stages as Record<string, { params: object }>).split.params).toEqual({ test: 0.3 });
  });

  it('a param not written in the spec but defined by the stage type can be set', () => {
    expect(instance(plan(DATA, { overrides: ['train.lr=0.05'] }), 'train').params.lr).toBe(0.05);
  });

  it('a params: entry with a dotted name can be set, and seed changes the keys of seeded stages only', () => {
    const text = 'params:\n  data.count: 21\n' + DATA.replace('format: synthetic', 'format: synthetic, count: "${data.count}"');
    expect(instance(plan(text, { overrides: ['data.count=35'] }), 'ingest').params.count).toBe(35);
    const a = plan(DATA);
    const b = plan(DATA, { overrides: ['seed=2'] });
    expect(instance(b, 'ingest').key).toBe(instance(a, 'ingest').key);
    expect(instance(b, 'split').key).not.toBe(instance(a, 'split').key);
    expect(instance(b, 'train').seed).toBe(2);
  });

  it('a key that exists nowhere is an error with the nearest valid key', () => {
    expect(errorsOf(() => plan(DATA, { overrides: ['split.tset=0.3'] }))[0]).toMatch(
      /^--set split\.tset: stage split has no param "tset"\n {2}hint: did you mean split\.test\?/,
    );
    expect(errorsOf(() => plan(DATA, { overrides: ['trian.model=nn'] }))[0]).toMatch(/^--set trian\.model: no such key in the spec\n {2}hint: did you mean train\.model\?/);
  });

  it('a value the stage rejects is reported at the override, not at the spec', () => {
    expect(errorsOf(() => plan(DATA, { overrides: ['train.epochs=0'] }))).toEqual(['--set train.epochs: must be integer >= 1, got 0']);
  });

  it('seed must stay an integer and repeat an integer >= 1', () => {
    expect(errorsOf(() => plan(DATA, { overrides: ['seed=abc'] }))[0]).toMatch(/^--set seed: seed must be an integer, got "abc"/);
    expect(errorsOf(() => plan(DATA, { overrides: ['repeat=0'] }))[0]).toMatch(/^--set repeat: repeat must be an integer >= 1, got 0/);
  });

  it('all bad overrides are reported at once', () => {
    expect(errorsOf(() => plan(DATA, { overrides: ['a.b=1', 'split.x=2'] }))).toHaveLength(2);
  });
});
