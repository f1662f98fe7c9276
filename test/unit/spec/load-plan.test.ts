// Spec → plan: errors with positions, overrides, references, matrix expansion, sharing and key stability.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError, SpecErrors } from '../../../src/errors.js';
import { loadPlan } from '../../../src/spec/load-plan.js';

const DATA = `name: t
stages:
  ingest:
    type: ingest
    params: { format: synthetic }
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
`;

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-spec-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function plan(text: string, options: { overrides?: string[]; env?: Record<string, string>; extra?: Record<string, string> } = {}) {
  const dir = folder({ 'spec.yaml': text, ...options.extra });
  return loadPlan('spec.yaml', { cwd: dir, overrides: options.overrides, env: options.env ?? {} });
}

function errorsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpecErrors) return e.errors.map((x) => x.describe());
    if (e instanceof SpecError) return [e.describe()];
    throw e;
  }
  throw new Error('expected a spec error');
}

describe('spec errors name the file, line, column and key', () => {
  it('a wrong type says what is allowed and what was found', () => {
    const errors = errorsOf(() => plan(DATA + '    params:\n      epochs: ten\n'));
    expect(errors).toEqual(['spec.yaml:19:7 stages.train.params.epochs: must be integer >= 1, got "ten"']);
  });

  it('out-of-range values: epochs 0 and a negative chunk length', () => {
    const text = DATA.replace('    needs: [split]\n', '    needs: [split]\n    params: { length: -5 }\n') + '    params: { epochs: 0 }\n';
    const errors = errorsOf(() => plan(text));
    expect(errors).toContain('spec.yaml:15:15 stages.chunk.params.length: must be integer >= 1, got -5');
    expect(errors.some((e) => e.startsWith('spec.yaml:19:15 stages.train.params.epochs: must be integer >= 1, got 0'))).toBe(true);
  });

  it('an unknown param gets a did-you-mean hint', () => {
    const [error] = errorsOf(() => plan(DATA + '    params: { epocs: 3 }\n'));
    expect(error).toMatch(/^spec\.yaml:18:15 stages\.train\.params\.epocs: unknown key "epocs"/);
    expect(error).toContain('did you mean "epochs"?');
  });

  it('an unknown top-level key and an unknown stage type get hints', () => {
    expect(errorsOf(() => plan(DATA + 'matrx: {}\n'))[0]).toMatch(/spec\.yaml:18:1 matrx: unknown key "matrx"\n {2}hint: did you mean "matrix"\?/);
    const [error] = errorsOf(() => plan(DATA.replace('type: chunk', 'type: chunck')));
    expect(error).toMatch(/^spec\.yaml:13:5 stages\.chunk\.type: unknown stage type "chunck"/);
    expect(error).toContain('did you mean "chunk"?');
  });

  it('ratios that do not sum to 1 are an error at the split', () => {
    const [error] = errorsOf(() => plan(DATA.replace('    needs: [normalize]\n', '    needs: [normalize]\n    params: { train: 0.7, val: 0.2, test: 0.2 }\n')));
    expect(error).toMatch(/stages\.split\.params\.train: train \+ val \+ test must sum to 1, got 1\.1/);
  });

  it('needs on a missing stage, and a cycle printed as its path', () => {
    expect(errorsOf(() => plan(DATA.replace('needs: [split]', 'needs: [splt]')))[0]).toMatch(
      /spec\.yaml:14:13 stages\.chunk\.needs\.0: needs "splt", which is not a stage\n {2}hint: did you mean "split"\?/,
    );
    const [cycle] = errorsOf(() => plan(DATA.replace('type: ingest', 'type: ingest\n    needs: [chunk]')));
    expect(cycle).toContain('needs form a cycle: ingest -> chunk -> split -> normalize -> ingest');
  });

  it('invalid YAML (tab indentation, unclosed quote) reports its position', () => {
    expect(errorsOf(() => plan('name: t\nstages:\n\tingest: {}\n'))[0]).toMatch(/^spec\.yaml:3:1 invalid YAML/);
    // The parser notices an unclosed quote where the input ends.
    expect(errorsOf(() => plan('name: "t\nstages: {}\n'))[0]).toMatch(/^spec\.yaml:3:1 invalid YAML: Missing closing "quote/);
  });

  it('an empty file, a list where a map is expected, and a missing extends file', () => {
    expect(errorsOf(() => plan('  \n'))[0]).toMatch(/spec\.yaml:1:1 the spec is empty/);
    expect(errorsOf(() => plan('- a\n- b\n'))[0]).toMatch(/spec\.yaml:1:1 a spec must be a map/);
    expect(errorsOf(() => plan('name: t\nstages: [a, b]\n'))[0]).toMatch(/spec\.yaml:2:\d+ stages: must be a map, got a list/);
    expect(errorsOf(() => plan('name: t\nextends: base.yaml\n'))[0]).toMatch(/spec\.yaml:2:1 extends: extends a file that does not exist: .*base\.yaml/);
  });

  it('a reference to nothing, and an unset environment variable with how to set it', () => {
    expect(errorsOf(() => plan(DATA.replace('format: synthetic', 'format: synthetic, count: "${n}"')))[0]).toMatch(/\$\{n\} refers to nothing/);
    const text = 'params:\n  data.root: ${env.EMODB_ROOT}\n' + DATA.replace('format: synthetic', 'format: emodb, root: "${data.root}"');
    const [error] = errorsOf(() => plan(text));
    expect(error).toContain('environment variable EMODB_ROOT is not set');
    expect(error).toContain('--set data.root=');
  });
});

describe('overrides, references and extends', () => {
  it('--set values are typed: numbers, booleans, lists', () => {
    const p = plan(DATA, { overrides: ['split.test=0.3', 'train.nesterov=false', 'train.filters=[4, 4, 4, 4]'] });
    const byName = (n: string) => p.instances.find((i) => i.name === n)!;
    expect(byName('split').params.test).toBe(0.3);
    expect(byName('train').params.nesterov).toBe(false);
    expect(byName('train').params.filters).toEqual([4, 4, 4, 4]);
    expect(p.overrides).toEqual({ 'split.test': 0.3, 'train.nesterov': false, 'train.filters': [4, 4, 4, 4] });
  });

  it('an override of a key that does not exist is an error with a hint', () => {
    expect(errorsOf(() => plan(DATA, { overrides: ['split.tset=0.3'] }))[0]).toMatch(/split\.tset: stage split has no param "tset".*\n.*did you mean split\.test\?/);
    expect(errorsOf(() => plan(DATA, { overrides: ['nothing.here=1'] }))[0]).toMatch(/nothing\.here: no such key in the spec/);
  });

  it('${...} takes params and environment values, typed when the whole string is a reference', () => {
    const text = 'params:\n  n: 21\n  root: ${env.DATA}\n' + DATA.replace('format: synthetic', 'format: synthetic, count: "${n}"');
    const p = plan(text, { env: { DATA: '/x' } });
    expect(p.instances.find((i) => i.name === 'ingest')!.params.count).toBe(21);
  });

  it('extends merges stage params from the base, the child winning, and errors point into the right file', () => {
    const base = DATA.replace('format: synthetic', 'format: synthetic, count: 14');
    const child = 'name: child\nextends: base.yaml\nstages:\n  train:\n    params: { epochs: 0 }\n';
    const dir = folder({ 'base.yaml': base, 'spec.yaml': child });
    const [error] = errorsOf(() => loadPlan('spec.yaml', { cwd: dir, env: {} }));
    expect(error).toMatch(/^spec\.yaml:5:15 stages\.train\.params\.epochs/);
    const ok = loadPlan('spec.yaml', { cwd: dir, env: {}, overrides: ['train.epochs=2'] });
    expect(ok.instances.find((i) => i.name === 'ingest')!.params.count).toBe(14);
    expect(ok.instances.find((i) => i.name === 'train')!.params.epochs).toBe(2);
  });
});

describe('matrix expansion and sharing', () => {
  it('two models share one data pipeline; exclude and repeat shape the cells', () => {
    const p = plan(DATA + 'repeat: 2\nmatrix:\n  train.model: [nn, cnn, lstm]\nexclude:\n  - { train.model: lstm }\n');
    expect(p.cells).toHaveLength(4);
    expect(p.cells.map((c) => c.values)).toEqual([
      { 'train.model': 'nn', seed: 1 },
      { 'train.model': 'nn', seed: 2 },
      { 'train.model': 'cnn', seed: 1 },
      { 'train.model': 'cnn', seed: 2 },
    ]);
    const count = (name: string) => p.instances.filter((i) => i.name === name).length;
    expect([count('ingest'), count('normalize'), count('split'), count('chunk'), count('train')]).toEqual([1, 1, 2, 2, 4]);
    expect(p.instances.map((i) => i.id)).toContain('train[train.model=cnn,seed=2]');
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
    const splits = p.instances.filter((i) => i.name === 'split').map((i) => [i.params.val, i.params.test]);
    expect(splits).toEqual([[0.1, 0.2], [0.2, 0.3]]);
    expect(errorsOf(() => plan(DATA + 'matrix:\n  split.val+split.test: [[0.1]]\n'))[0]).toMatch(/zips 2 keys: each value must be a list of 2/);
  });

  it('pipe sweep --param adds a matrix axis from the command line', () => {
    const dir = folder({ 'spec.yaml': DATA });
    const p = loadPlan('spec.yaml', { cwd: dir, env: {}, sweep: ['split.test=0.1,0.2,0.3'] });
    expect(p.cells.map((c) => c.values['split.test'])).toEqual([0.1, 0.2, 0.3]);
    expect(p.instances.filter((i) => i.name === 'ingest')).toHaveLength(1);
    expect((p.resolved.matrix as Record<string, unknown>)['split.test']).toEqual([0.1, 0.2, 0.3]);
    expect(errorsOf(() => loadPlan('spec.yaml', { cwd: dir, env: {}, sweep: ['split.tst=0.1,0.2'] }))[0]).toMatch(/did you mean split\.test/);
  });

  it('changing split.test changes split, chunk and train keys but not ingest or normalize', () => {
    const a = plan(DATA);
    const b = plan(DATA, { overrides: ['split.test=0.3'] });
    const key = (p: typeof a, n: string) => p.instances.find((i) => i.name === n)!.key;
    for (const n of ['ingest', 'normalize']) expect(key(b, n)).toBe(key(a, n));
    for (const n of ['split', 'chunk', 'train']) expect(key(b, n)).not.toBe(key(a, n));
  });

  it('keys do not depend on YAML formatting or key order', () => {
    const reordered = DATA.replace('    type: train\n    needs: [chunk]\n', '    needs: [ chunk ]\n    type: "train"\n').replace(
      'params: { format: synthetic }',
      'params:\n      format: synthetic',
    );
    expect(plan(reordered).instances.map((i) => i.key)).toEqual(plan(DATA).instances.map((i) => i.key));
  });

  it('a compare stage gathers the evaluate instances of every cell', () => {
    const text =
      DATA + '  evaluate: { type: evaluate, needs: [train, chunk] }\n  compare: { type: compare, needs: [evaluate] }\nmatrix:\n  train.model: [nn, cnn]\n';
    const p = plan(text);
    const compare = p.instances.filter((i) => i.name === 'compare');
    expect(compare).toHaveLength(1);
    expect(compare[0].needs.sort()).toEqual(['evaluate[train.model=cnn]', 'evaluate[train.model=nn]']);
    expect(compare[0].cells).toEqual(['c1', 'c2']);
  });
});
