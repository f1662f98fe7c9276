// Specs that ask for unbounded work are refused before anything is expanded: the plan's size is computed from the
// spec (axis lengths × repeat − excluded, × leave-one-speaker-out folds) and compared with --max-cells.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, pipe } from '../helpers/cli.js';
import { expectNoInternals } from '../helpers/no-internals.js';

const BASE = `name: big
stages:
  ingest: { type: ingest, params: { format: synthetic, count: 28, minSeconds: 1, maxSeconds: 2, sampleRate: 8000 } }
  normalize: { type: normalize, needs: [ingest], params: { sampleRate: 8000 } }
  split: { type: split, needs: [normalize], params: { val: 0.2, test: 0.3 } }
  chunk: { type: chunk, needs: [split], params: { length: 4000 } }
`;

const SPECS: Record<string, string> = {
  'repeat.yaml': BASE + 'repeat: 1000000000\n',
  'two-ranges.yaml': BASE + 'matrix:\n  seed: { from: 1, to: 1000, step: 1 }\n  chunk.length: { from: 1, to: 1000, step: 1 }\n',
  'range-1e12.yaml': BASE + 'matrix:\n  seed: { from: 1, to: 1e12, step: 1 }\n',
  'tiny-step.yaml': BASE + 'matrix:\n  split.test: { from: 0.1, to: 0.3, step: 1e-300 }\n',
  'limit-plus-one.yaml': BASE + 'matrix:\n  seed: { from: 1, to: 10001, step: 1 }\n',
  'excluded-under.yaml': BASE + 'matrix:\n  seed: { from: 1, to: 101, step: 1 }\n  chunk.length: { from: 1000, to: 100000, step: 1000 }\nexclude:\n  - { seed: 101 }\n',
  'excluded-over.yaml': BASE + 'matrix:\n  seed: { from: 1, to: 200, step: 1 }\n  chunk.length: { from: 1000, to: 100000, step: 1000 }\nexclude:\n  - { seed: 1 }\n',
  'loso.yaml': BASE.replace('params: { val: 0.2, test: 0.3 }', 'params: { by: speaker, folds: loso, speakers: 2000 }') + 'matrix:\n  seed: [1, 2, 3, 4, 5, 6]\n',
  'zipped.yaml': BASE + 'matrix:\n  split.val+split.test: [[0.1, 0.2], [0.2, 0.2]]\n  seed: { from: 1, to: 6000, step: 1 }\n',
};

let dir: string;

beforeAll(() => {
  dir = makeProject('pipe-bounded-');
  for (const [name, text] of Object.entries(SPECS)) writeFileSync(join(dir, name), text);
});

describe('a plan beyond the limit is refused at the key that makes it large, before it is expanded', () => {
  it.each([
    ['repeat: 1000000000', ['validate', 'repeat.yaml'], /^error: repeat\.yaml:7:1 repeat: the matrix has 1000000000 cells \(limit 10000; raise it with --max-cells\)/],
    ['--set repeat=1000000000', ['run', 'excluded-under.yaml', '--set', 'repeat=1000000000'], /^error: --set repeat: the matrix has 10000000000000 cells \(limit 10000/],
    ['two ranges of 1000', ['dag', 'two-ranges.yaml'], /^error: two-ranges\.yaml:7:1 matrix: the matrix has 1000000 cells \(limit 10000; raise it with --max-cells\)\n {2}hint: seed: 1000 values × chunk\.length: 1000 values/],
    ['a range to 1e12', ['run', 'range-1e12.yaml'], /^error: range-1e12\.yaml:8:3 matrix\.seed: the matrix has 1000000000000 cells \(limit 10000/],
    ['a range with a step of 1e-300', ['validate', 'tiny-step.yaml'], /^error: tiny-step\.yaml:8:3 matrix\.split\.test: the matrix has 2\.00e\+299 cells \(limit 10000/],
    ['one cell over the limit', ['validate', 'limit-plus-one.yaml'], /matrix\.seed: the matrix has 10001 cells \(limit 10000/],
    ['exclude counted exactly', ['validate', 'excluded-over.yaml'], /matrix: the matrix has 19900 cells \(limit 10000; raise it with --max-cells\)\n {2}hint: .*less 100 excluded/],
    ['a lower --max-cells', ['validate', 'zipped.yaml', '--max-cells', '100'], /zipped\.yaml:9:3 matrix\.seed: the matrix has 12000 cells \(limit 100;/],
    ['leave-one-speaker-out folds', ['validate', 'loso.yaml'], /loso\.yaml:\d+:\d+ stages\.split\.params\.speakers: the matrix has 12000 cells with its leave-one-speaker-out folds \(limit 10000/],
  ])('%s', async (_, args, message) => {
    const r = await pipe(dir, args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expectNoInternals(r);
  });

  it('nothing is written for a refused run', async () => {
    const r = await pipe(dir, ['run', 'range-1e12.yaml']);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'experiments.db'))).toBe(false);
    expect(existsSync(join(dir, 'artifacts'))).toBe(false);
  });

  it('--max-cells 0 is an option error', async () => {
    const r = await pipe(dir, ['validate', 'repeat.yaml', '--max-cells', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: option '--max-cells <n>' argument '0' is invalid");
  });
});

describe('plans within the limit still plan', () => {
  it('10 100 combinations less 100 excluded fit the default limit of 10 000 cells', async () => {
    const r = await pipe(dir, ['validate', 'excluded-under.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ok \(\d+ stage instances, 10000 cells\)/);
  });

  it('raising --max-cells lets a larger plan through', async () => {
    const r = await pipe(dir, ['validate', 'limit-plus-one.yaml', '--max-cells', '10001']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/10001 cells/);
  });
});
