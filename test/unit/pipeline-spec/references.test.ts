// `${name}` and `${env.NAME}`: typed whole references, interpolation, and errors only where a value is used.

import { describe, expect, it } from 'vitest';
import { DATA, errorsOf, instance, plan } from './spec-fixture.js';

const EMODB = 'params:\n  data.root: ${env.EMODB_ROOT}\n' + DATA.replace('format: synthetic', 'format: emodb, root: "${data.root}"');

describe('references', () => {
  it('a whole-string reference keeps the value\'s type; one inside a string is interpolated', () => {
    const text = 'params:\n  n: 21\n  dir: ${env.DATA}\n' + DATA.replace('format: synthetic', 'format: emodb, count: "${n}", root: "${dir}/wav-${n}"');
    const p = plan(text, { env: { DATA: '/x' } });
    expect(instance(p, 'ingest').params.count).toBe(21);
    expect(instance(p, 'ingest').params.root).toBe('/x/wav-21');
  });

  it('params: entries may refer to each other', () => {
    const text = 'params:\n  base: /data\n  data.root: ${base}/emodb\n' + DATA.replace('format: synthetic', 'format: emodb, root: "${data.root}"');
    expect(instance(plan(text), 'ingest').params.root).toBe('/data/emodb');
  });

  it('a reference to nothing is an error at the param that holds it, with the nearest name', () => {
    const text = 'params:\n  count: 21\n' + DATA.replace('format: synthetic', 'format: synthetic, count: "${cuont}"');
    expect(errorsOf(() => plan(text))).toEqual([
      'spec.yaml:7:34 stages.ingest.params.count: ${cuont} refers to nothing\n  hint: did you mean ${count}? params: defines count; add cuont there, or write ${env.NAME} for an environment variable',
    ]);
  });

  it('an unset environment variable names the variable, who uses it, and how to set it', () => {
    expect(errorsOf(() => plan(EMODB))).toEqual([
      'spec.yaml:2:3 params.data.root: environment variable EMODB_ROOT is not set (used by stages.ingest.params.root through ${data.root})\n' +
        '  hint: export EMODB_ROOT=... or pass --set data.root=...',
    ]);
    const direct = DATA.replace('format: synthetic', 'format: emodb, root: "${env.WAVS}"');
    expect(errorsOf(() => plan(direct))[0]).toMatch(/environment variable WAVS is not set\n {2}hint: export WAVS=\.\.\. or pass --set ingest\.root=\.\.\./);
  });

  it('an unset variable is no error when --set replaces the entry that reads it, or nothing uses it', () => {
    expect(instance(plan(EMODB, { overrides: ['data.root=/corpus'] }), 'ingest').params.root).toBe('/corpus');
    expect(instance(plan(EMODB, { env: { EMODB_ROOT: '/env' } }), 'ingest').params.root).toBe('/env');
    expect(() => plan('params:\n  data.root: ${env.EMODB_ROOT}\n' + DATA)).not.toThrow();
  });

  it('a reference that leads back to itself is an error', () => {
    const text = 'params:\n  a: ${b}\n  b: ${a}\n' + DATA.replace('format: synthetic', 'format: emodb, root: "${a}"');
    expect(errorsOf(() => plan(text))[0]).toMatch(/\$\{a\} refers to itself: a -> b -> a/);
  });
});
