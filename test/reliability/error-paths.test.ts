// The CLI's error paths, walked through the real CLI: every error names what and where in words a user acts on,
// exits 2 for bad input, and never shows a stack frame or a JavaScript internal (EISDIR, TypeError, canonicalJson).

import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, pipe } from '../helpers/cli.js';
import { expectNoInternals } from '../helpers/no-internals.js';

const DATA = `name: data
stages:
  ingest:
    type: ingest
    params: { format: synthetic, count: 28, minSeconds: 1, maxSeconds: 2, sampleRate: 8000 }
  normalize: { type: normalize, needs: [ingest], params: { sampleRate: 8000 } }
  split: { type: split, needs: [normalize], params: { val: 0.2, test: 0.3 } }
  chunk: { type: chunk, needs: [split], params: { length: 4000 } }
  train: { type: train, needs: [chunk], params: { epochs: 2 } }
`;

let dir: string;

beforeAll(() => {
  dir = makeProject('pipe-errors-');
  const files: Record<string, string> = {
    'spec.yaml': DATA,
    'extends-folder.yaml': 'name: t\nextends: pipelines\n',
    'extends-passwd.yaml': 'name: t\nextends: /etc/passwd\n',
    'text.yaml': 'Dear reader,\nthis secret-ish letter is no spec at all.\n',
    'inf.yaml': DATA.replace('epochs: 2', 'epochs: .inf'),
    'nan-and-neg-inf.yaml': DATA.replace('val: 0.2', 'val: .nan') + 'matrix:\n  chunk.length: [2000, -.inf]\n',
    'deep.yaml': `name: t\nparams:\n  a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
    'deep-block.yaml': `name: t\nparams:\n  a:\n${Array.from({ length: 80 }, (_, i) => `${'  '.repeat(i + 2)}k${i}:\n`).join('')}${'  '.repeat(82)}v\n`,
    'alias-bomb.yaml': [
      'name: t',
      'params:',
      '  a: &a [x, x, x, x, x, x, x, x, x]',
      '  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      '  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      '  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      '  e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
      '',
    ].join('\n'),
    'many-aliases.yaml': `name: t\nparams:\n  a: &a 1\n  b: [${Array.from({ length: 150 }, () => '*a').join(', ')}]\n`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'binary.yaml'), Buffer.from([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x41, 0x56, 0x45]));
  mkdirSync(join(dir, 'somedir'));
});

describe('specs that are not specs say what they are, without quoting their contents', () => {
  it.each([
    ['a folder given as the spec', ['run', 'somedir/'], /^error: somedir this is a folder, not a spec file/],
    ['a folder given to dag', ['dag', 'pipelines'], /^error: pipelines this is a folder, not a spec file/],
    ['extends: a folder', ['validate', 'extends-folder.yaml'], /^error: extends-folder\.yaml:2:1 extends: extends pipelines, which is a folder/],
    ['a binary file', ['validate', 'binary.yaml'], /binary\.yaml this is a binary file, not a YAML spec/],
    ['a text file that is not YAML', ['run', 'text.yaml'], /text\.yaml:1:1 a spec must be a map of keys, got a single text value: text\.yaml is not a YAML spec/],
    ['extends: /etc/passwd', ['validate', 'extends-passwd.yaml'], /\/etc\/passwd:1:1 a spec must be a map of keys/],
    ['/etc/passwd itself', ['dag', '/etc/passwd'], /\/etc\/passwd:1:1 a spec must be a map of keys/],
  ])('%s', async (_, args, message) => {
    const r = await pipe(dir, args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/secret-ish|root:|\/bin\/(ba)?sh/);
    expectNoInternals(r);
  });
});

describe('numbers JSON cannot hold are refused at validation, with key and position', () => {
  it.each([
    ['.inf in a stage param', ['validate', 'inf.yaml'], [/inf\.yaml:9:\d+ stages\.train\.params\.epochs: \.inf is not a finite number/]],
    [
      '.nan and -.inf, both reported',
      ['dag', 'nan-and-neg-inf.yaml'],
      [/nan-and-neg-inf\.yaml:7:\d+ stages\.split\.params\.val: \.nan is not a finite number/, /:11:\d+ matrix\.chunk\.length\.1: -\.inf is not a finite number/],
    ],
    ['--set of 1e400', ['run', 'spec.yaml', '--set', 'train.epochs=1e400'], [/--set train\.epochs: 1e400 is not a finite number/]],
    ['--set of a list holding -1e999', ['validate', 'spec.yaml', '--set', 'chunk.length=[1, -1e999]'], [/--set chunk\.length: \[1, -1e999\] holds -Infinity/]],
    ['--param of 1e400', ['sweep', 'spec.yaml', '--param', 'split.test=0.1,1e400'], [/--param split\.test: 1e400 is not a finite number/]],
  ])('%s', async (_, args, messages) => {
    const r = await pipe(dir, args);
    expect(r.code).toBe(2);
    for (const m of messages) expect(r.stderr).toMatch(m);
    expectNoInternals(r);
  });
});

describe('option errors name the option and exit 2', () => {
  it.each([
    [['run', 'spec.yaml', '--jobs', '0'], "'--jobs <n>' argument '0'"],
    [['run', 'spec.yaml', '--jobs', 'abc'], "'--jobs <n>' argument 'abc'"],
    [['run', 'spec.yaml', '--jobs', '-1'], "'--jobs <n>'"],
    [['sweep', 'spec.yaml', '--param', 'split.test=0.1', '--jobs', '1.5'], "'--jobs <n>' argument '1.5'"],
    [['runs', '--limit', '0'], "'--limit <n>' argument '0'"],
    [['runs', '--status', 'finished'], "'--status <status>' argument 'finished'"],
    [['runs', '--since', 'yesterday'], "'--since <date>' argument 'yesterday'"],
    [['run', 'spec.yaml', '--backend', 'gpu'], "'--backend <name>' argument 'gpu'"],
  ])('pipe %j', async (args, option) => {
    const r = await pipe(dir, args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: option ${option}`);
    expectNoInternals(r);
  });
});

describe('hostile YAML is refused at its position', () => {
  it.each([
    ['20 000 nested brackets', 'deep.yaml', /deep\.yaml:3:\d+ lists and maps nested more than 64 deep/],
    ['80 nested block maps', 'deep-block.yaml', /deep-block\.yaml:\d+:\d+ lists and maps nested more than 64 deep/],
    ['an alias bomb', 'alias-bomb.yaml', /alias-bomb\.yaml:\d+:\d+ YAML aliases here expand into too large a document/],
    ['150 aliases', 'many-aliases.yaml', /many-aliases\.yaml:4:\d+ more than 100 YAML aliases/],
  ])('%s', async (_, file, message) => {
    const r = await pipe(dir, ['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expectNoInternals(r);
  });
});

describe('an internal error is one line asking for a bug report; --debug shows the detail', () => {
  it('a run row pipe cannot parse', async () => {
    const project = makeProject('pipe-errors-');
    writeFileSync(join(project, 'spec.yaml'), DATA.replace(/ {2}train:.*\n/, ''));
    expect((await pipe(project, ['run', 'spec.yaml'])).code).toBe(0);
    const db = new Database(join(project, 'experiments.db'));
    db.prepare("UPDATE runs SET tags = 'not json'").run();
    db.close();
    const r = await pipe(project, ['show', 'r']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*bug in pipe: please report it.*--debug/);
    expectNoInternals(r);
    const debug = await pipe(project, ['show', 'r', '--debug']);
    expect(debug.stderr).toMatch(/SyntaxError[\s\S]*\n\s+at /);
  });
});
