// What happens when things go wrong, through the real CLI: bad specs write nothing, bad data names the file,
// interrupts and lost databases lose no finished work, paths cannot escape the project.

import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, parseSummary, pipe, pipeAsync, statusById } from '../helpers/cli.js';
import { writeEmodbLikeWavs } from '../helpers/wav-corpus.js';

const DATA = `name: data
stages:
  ingest:
    type: ingest
    params: { format: synthetic, count: 28, minSeconds: 1, maxSeconds: 2, sampleRate: 8000 }
  normalize: { type: normalize, needs: [ingest], params: { sampleRate: 8000 } }
  split: { type: split, needs: [normalize], params: { val: 0.2, test: 0.3 } }
  chunk: { type: chunk, needs: [split], params: { length: 4000 } }
`;

function project(spec: string): string {
  const dir = makeProject('pipe-rel-');
  writeFileSync(join(dir, 'spec.yaml'), spec);
  return dir;
}

const nothingWritten = (dir: string): void => {
  expect(existsSync(join(dir, 'experiments.db'))).toBe(false);
  expect(existsSync(join(dir, 'artifacts'))).toBe(false);
};

describe('bad specs: exit code 2, one readable error, nothing written', () => {
  it.each([
    ['an empty file', '', /spec\.yaml:1:1 the spec is empty/],
    ['tab indentation', 'name: t\nstages:\n\tingest: {}\n', /spec\.yaml:3:1 invalid YAML/],
    ['a list where a map is expected', 'name: t\nstages: [ingest]\n', /spec\.yaml:2:\d+ stages: must be a map, got a list/],
    ['an unknown stage type', DATA.replace('type: chunk', 'type: chnk'), /unknown stage type "chnk"\n {2}hint: did you mean "chunk"/],
    ['a near-miss param', DATA.replace('length: 4000', 'lenght: 4000'), /stages\.chunk\.params\.lenght: unknown key "lenght"\n {2}hint: did you mean "length"/],
    ['epochs 0', DATA + '  train: { type: train, needs: [chunk], params: { epochs: 0 } }\n', /stages\.train\.params\.epochs: must be integer >= 1, got 0/],
    ['ratios over 1', DATA.replace('val: 0.2, test: 0.3', 'train: 0.6, val: 0.2, test: 0.3'), /must sum to 1, got 1\.1/],
    ['a needs cycle', DATA.replace('type: ingest', 'type: ingest\n    needs: [chunk]'), /needs form a cycle: ingest -> chunk -> split -> normalize -> ingest/],
    ['a missing extends file', 'name: t\nextends: nowhere.yaml\n', /extends a file that does not exist/],
    ['a reference to nothing', DATA.replace('count: 28', 'count: "${files}"'), /\$\{files\} refers to nothing/],
    ['a stage name that tries to leave the project', DATA.replace('  chunk:', '  ../chunk:'), /"\.\.\/chunk" is not a valid name/],
  ])('%s', async (_, spec, message) => {
    const dir = project(spec);
    const r = await pipe(dir, ['run', 'spec.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    nothingWritten(dir);
  });

  it('an override of a key that does not exist', async () => {
    const dir = project(DATA);
    const r = await pipe(dir, ['run', 'spec.yaml', '--set', 'split.tset=0.3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/split\.tset: stage split has no param "tset"[\s\S]*did you mean split\.test/);
    nothingWritten(dir);
  });
});

describe('bad data: a clear message naming the folder or file, no stack trace', () => {
  it.each([
    ['a missing folder', (dir: string) => join(dir, 'nowhere'), /nowhere/],
    ['an empty folder', (dir: string) => (mkdirSync(join(dir, 'empty')), join(dir, 'empty')), /empty/],
  ])('%s', async (_, folder, message) => {
    const dir = project('name: t\nstages:\n  ingest: { type: ingest, params: { format: emodb, root: ROOT } }\n');
    const root = folder(dir);
    writeFileSync(join(dir, 'spec.yaml'), `name: t\nstages:\n  ingest: { type: ingest, params: { format: emodb, root: "${root}" } }\n`);
    const r = await pipe(dir, ['run', 'spec.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stage ingest failed/);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a WAV that is not a WAV fails ingest naming the file', async () => {
    const dir = project('');
    writeEmodbLikeWavs(join(dir, 'wav'), 7);
    writeFileSync(join(dir, 'wav', '03a01Wb.wav'), 'this is text, not audio');
    writeFileSync(join(dir, 'spec.yaml'), 'name: t\nstages:\n  ingest: { type: ingest, params: { format: emodb, root: wav } }\n');
    const r = await pipe(dir, ['run', 'spec.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('03a01Wb.wav');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('interrupts, lost databases, many jobs', () => {
  it('SIGINT stops the run with a message; the next run reuses what finished', async () => {
    const dir = project(DATA.replace('count: 28', 'count: 600'));
    const run = pipeAsync(dir, ['run', 'spec.yaml', '--plain']);
    const until = Date.now() + 120_000;
    while (!/finished ingest/.test(run.output()) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.stderr).toMatch(/interrupted: stopping running stages/);
    expect([0, 130]).toContain(result.code);
    const again = await pipe(dir, ['run', 'spec.yaml', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(statusById(parseSummary(again.stdout).stages).ingest).toBe('cached');
    const db = new Database(join(dir, 'experiments.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  }, 240_000);

  it('SIGKILL during a training epoch: the next run resumes training from its last finished epoch', async () => {
    const dir = makeProject('pipe-rel-');
    const run = pipeAsync(dir, ['run', 'pipelines/demo.yaml', '--plain', '--set', 'train.epochs=60', '--set', 'train.patience=60']);
    const until = Date.now() + 180_000;
    while (!/epoch\s+train 2\//.test(run.output()) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGKILL');
    await run.done;
    const again = await pipe(dir, ['run', 'pipelines/demo.yaml', '--json', '--set', 'train.epochs=60', '--set', 'train.patience=60']);
    expect(again.code, again.stderr).toBe(0);
    const stages = parseSummary(again.stdout).stages;
    expect(statusById(stages)).toMatchObject({ ingest: 'cached', chunk: 'cached', train: 'ran', evaluate: 'ran' });
    const train = stages.find((s) => s.id === 'train')!;
    const trained = JSON.parse(readFileSync(join(dir, 'artifacts', train.key, 'train.json'), 'utf8')) as { resumedFrom: number };
    expect(trained.resumedFrom).toBeGreaterThanOrEqual(2);
    const db = new Database(join(dir, 'experiments.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  }, 300_000);

  it('experiments.db deleted while artifacts remain: the next run rebuilds it and reuses every artifact', async () => {
    const dir = project(DATA);
    expect((await pipe(dir, ['run', 'spec.yaml'])).code).toBe(0);
    for (const f of readdirSync(dir).filter((f) => f.startsWith('experiments.db'))) rmSync(join(dir, f));
    const r = await pipe(dir, ['run', 'spec.yaml', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).stages.every((s) => s.status === 'cached')).toBe(true);
    expect((await pipe(dir, ['runs', '--json'])).stdout).toContain('"status": "succeeded"');
  });

  it('--jobs 8 on two cores runs a matrix correctly, each shared stage once', async () => {
    const dir = project(DATA + 'matrix:\n  split.test: [0.2, 0.3, 0.4]\n  chunk.length: [2000, 4000]\n');
    const r = await pipe(dir, ['run', 'spec.yaml', '--json', '--jobs', '8']);
    expect(r.code, r.stderr).toBe(0);
    const stages = parseSummary(r.stdout).stages;
    expect(stages.filter((s) => s.name === 'ingest')).toHaveLength(1);
    expect(stages.filter((s) => s.name === 'split')).toHaveLength(3);
    expect(stages.filter((s) => s.name === 'chunk')).toHaveLength(6);
    expect(stages.every((s) => s.status === 'ran')).toBe(true);
  });
});

describe('output into a pipe that closes early', () => {
  it('ends like a Unix tool (status 141), without an EPIPE stack trace', async () => {
    // 1800 cells: a dag of ~400 kB, far larger than a pipe's buffer, so pipe is still writing when the reader goes away.
    const dir = project(DATA + 'matrix:\n  split.test: { from: 0.1, to: 0.3, step: 0.1 }\n  seed: { from: 1, to: 600, step: 1 }\n');
    const { child, done } = pipeAsync(dir, ['dag', 'spec.yaml']);
    child.stdout.once('data', () => child.stdout.destroy());
    const { code, stderr } = await done;
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(141);
  });
});
