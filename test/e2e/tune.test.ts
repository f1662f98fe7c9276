// `pipe tune` through the CLI on a small synthetic corpus: trials run as recorded runs scored on the validation
// split, the best is chosen there and only then run on test; replacing the test files' audio cannot change the
// choice; a re-run with more trials recomputes none of the finished ones; bad search blocks are refused.

import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, pipe, pipeAsync } from '../helpers/cli.js';
import { writeSyntheticWavs } from '../helpers/wav-corpus.js';

const SPEC = `name: tiny-tune
seed: 1
stages:
  ingest: { type: ingest, params: { format: emodb, root: wav, minSeconds: 0.1 } }
  normalize: { type: normalize, needs: [ingest], params: { sampleRate: 4000 } }
  split: { type: split, needs: [normalize], params: { val: 0.2, test: 0.2 } }
  chunk: { type: chunk, needs: [split], params: { length: 2000 } }
  features: { type: features, needs: [chunk], params: { kind: stats, bands: 16, fftSize: 128 } }
  train:
    type: train
    needs: [features]
    params: { model: nn, epochs: 30, patience: 30, denseUnits: 8, optimizer: adam, lr: 0.01 }
  evaluate: { type: evaluate, needs: [train, features] }
  compare: { type: compare, needs: [evaluate], params: { metric: ua } }
search:
  space:
    train.lr: { loguniform: [0.003, 0.3] }
    train.denseUnits: { int: [4, 16] }
  trials: 4
  seed: 1
`;

interface TrialRow {
  trial: number;
  trial_values: string;
  run_id: string;
  score: number | null;
}

function project(): string {
  const dir = makeProject('pipe-tune-');
  writeSyntheticWavs(join(dir, 'wav'), { count: 140, sampleRate: 8000 });
  writeFileSync(join(dir, 'spec.yaml'), SPEC);
  return dir;
}

function query<T>(dir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dir, 'experiments.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const tune = (dir: string, ...args: string[]) => pipe(dir, ['tune', 'spec.yaml', '--plain', '--backend', 'wasm', '--jobs', '2', ...args]);
const lastTune = (dir: string) => query<{ id: string }>(dir, 'SELECT id FROM tunes ORDER BY started_at DESC, rowid DESC LIMIT 1')[0].id;
const trialsOf = (dir: string, id: string) => query<TrialRow>(dir, 'SELECT trial, trial_values, run_id, score FROM tune_trials WHERE tune_id = ? ORDER BY trial', id);
const choiceOf = (dir: string, id: string) => query<{ trial: number; score: number; final_run_id: string }>(dir, 'SELECT * FROM tune_choices WHERE tune_id = ?', id)[0];

let a: string;
let tuneA: string;

beforeAll(async () => {
  a = project();
  const r = await tune(a);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  tuneA = lastTune(a);
}, 300_000);

describe('pipe tune', () => {
  it('records every trial with its validation score and chooses the best (ties: the earlier trial)', () => {
    const trials = trialsOf(a, tuneA);
    expect(trials.map((t) => t.trial)).toEqual([1, 2, 3, 4]);
    expect(trials.every((t) => typeof t.score === 'number')).toBe(true);
    const best = Math.max(...trials.map((t) => t.score!));
    const choice = choiceOf(a, tuneA);
    expect(choice.trial).toBe(trials.find((t) => t.score === best)!.trial);
    expect(choice.score).toBe(best);
  });

  it('runs the chosen configuration through every stage, on test, as a run tagged with the trial and its score', async () => {
    const choice = choiceOf(a, tuneA);
    const [run] = query<{ tags: string; status: string }>(a, 'SELECT tags, status FROM runs WHERE id = ?', choice.final_run_id);
    expect(run.status).toBe('succeeded');
    expect(JSON.parse(run.tags)).toEqual([`tune:${tuneA}`, `trial:${choice.trial}`, `val-ua:${choice.score.toFixed(4)}`]);
    const shown = await pipe(a, ['show', choice.final_run_id]);
    expect(shown.stdout).toContain(`tags     tune:${tuneA} trial:${choice.trial} val-ua:${choice.score.toFixed(4)}`);
    const stages = query<{ stage_name: string; params: string }>(
      a,
      'SELECT rs.stage_name, sr.params FROM run_stages rs JOIN stage_results sr ON sr.key = rs.key WHERE rs.run_id = ?',
      choice.final_run_id,
    );
    expect(stages.map((s) => s.stage_name).sort()).toEqual(['chunk', 'compare', 'evaluate', 'features', 'ingest', 'normalize', 'split', 'train']);
    expect(JSON.parse(stages.find((s) => s.stage_name === 'evaluate')!.params)).toEqual({ split: 'test' });
    const values = JSON.parse(trialsOf(a, tuneA).find((t) => t.trial === choice.trial)!.trial_values) as Record<string, number>;
    expect(JSON.parse(stages.find((s) => s.stage_name === 'train')!.params)).toMatchObject({ lr: values['train.lr'], denseUnits: values['train.denseUnits'] });
  });

  it("no trial's stage evaluated the test split, and no stage after the objective ran in a trial", () => {
    const rows = query<{ stage_name: string; params: string }>(
      a,
      `SELECT rs.stage_name, sr.params FROM run_stages rs JOIN stage_results sr ON sr.key = rs.key
       WHERE rs.run_id IN (SELECT DISTINCT run_id FROM tune_trials WHERE tune_id = ?)`,
      tuneA,
    );
    expect(rows.filter((r) => r.stage_name === 'evaluate')).toHaveLength(4);
    for (const r of rows) expect((JSON.parse(r.params) as { split?: unknown }).split).not.toBe('test');
    expect(rows.some((r) => r.stage_name === 'compare')).toBe(false);
  });

  it("replacing the test files' audio (same names, so the same split) changes neither the scores nor the choice", async () => {
    const b = project();
    const [final] = query<{ key: string }>(a, "SELECT key FROM run_stages WHERE run_id = ? AND stage_name = 'split'", choiceOf(a, tuneA).final_run_id);
    const { rows } = JSON.parse(readFileSync(join(a, 'artifacts', final.key, 'dataset.json'), 'utf8')) as { rows: { id: string; split: string }[] };
    const testIds = new Set(rows.filter((r) => r.split === 'test').map((r) => r.id));
    const other = writeSyntheticWavs(join(b, 'other'), { count: 140, sampleRate: 8000, seed: 99 });
    const replaced = readdirSync(join(b, 'wav')).filter((name) => testIds.has(name.replace(/\.wav$/, '')));
    expect(replaced.length).toBe(testIds.size);
    replaced.forEach((name, i) => writeFileSync(join(b, 'wav', name), readFileSync(join(b, 'other', other[(i + 7) % other.length]))));
    expect(readFileSync(join(b, 'wav', replaced[0]))).not.toEqual(readFileSync(join(a, 'wav', replaced[0])));

    const r = await tune(b);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const tuneB = lastTune(b);
    const scores = (dir: string, id: string) => trialsOf(dir, id).map((t) => [t.trial, t.trial_values, t.score]);
    expect(scores(b, tuneB)).toEqual(scores(a, tuneA));
    expect(choiceOf(b, tuneB).trial).toBe(choiceOf(a, tuneA).trial);
    // The test files did change what the final run scored on: its test metrics come from other audio.
    const testKey = (dir: string, id: string) => query<{ key: string }>(dir, "SELECT key FROM run_stages WHERE run_id = ? AND stage_name = 'evaluate'", choiceOf(dir, id).final_run_id)[0].key;
    expect(testKey(b, tuneB)).not.toBe(testKey(a, tuneA));
  }, 300_000);

  it('a re-run with more trials replays the same ones: finished trials are cache hits, only the new one trains', async () => {
    const r = await tune(a, '--trials', '5');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const id = lastTune(a);
    expect(trialsOf(a, id).slice(0, 4).map((t) => [t.trial_values, t.score])).toEqual(trialsOf(a, tuneA).map((t) => [t.trial_values, t.score]));
    const trainRows = query<{ status: string }>(a, "SELECT status FROM run_stages WHERE run_id = ? AND stage_name = 'train' ORDER BY instance_id", trialsOf(a, id)[0].run_id);
    expect(trainRows.map((t) => t.status).sort()).toEqual(['cached', 'cached', 'cached', 'cached', 'ran']);
  }, 300_000);

  it('a killed tune, re-run, does not recompute the trials that had finished: their stages are cache hits', async () => {
    const dir = project();
    const child = pipeAsync(dir, ['tune', 'spec.yaml', '--plain', '--backend', 'wasm', '--jobs', '1']);
    // Empty until the project's database exists and is migrated.
    const trainedKeys = (): string[] => {
      try {
        return query<{ key: string }>(dir, "SELECT key FROM run_stages WHERE stage_name = 'train' AND status = 'ran'").map((r) => r.key);
      } catch {
        return [];
      }
    };
    while (trainedKeys().length === 0) await new Promise((r) => setTimeout(r, 200));
    child.child.kill('SIGTERM');
    const killed = await child.done;
    expect(killed.code).toBe(130);
    const before = trainedKeys();
    expect(before.length).toBeGreaterThan(0);
    expect(query<{ status: string }>(dir, 'SELECT status FROM tunes')).toEqual([{ status: 'cancelled' }]);

    const r = await tune(dir);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const trialRun = trialsOf(dir, lastTune(dir))[0].run_id;
    const after = query<{ key: string; status: string }>(dir, "SELECT key, status FROM run_stages WHERE run_id = ? AND stage_name = 'train'", trialRun);
    for (const key of before) expect(after.find((x) => x.key === key)?.status).toBe('cached');
    expect(after.filter((x) => x.status === 'ran')).toHaveLength(4 - before.length);
  }, 300_000);

  it('successive halving runs every trial at the smallest resource and only the best third at the largest, then chooses there', async () => {
    const halving = SPEC.replace('  trials: 4\n', '  trials: 3\n  scheduler: halving\n  resource: { key: train.epochs, min: 2, max: 6 }\n');
    writeFileSync(join(a, 'halving.yaml'), halving);
    const r = await pipe(a, ['tune', 'halving.yaml', '--plain', '--backend', 'wasm', '--jobs', '2']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const id = lastTune(a);
    const rows = query<{ trial: number; rung: number; resource: number; score: number }>(a, 'SELECT trial, rung, resource, score FROM tune_trials WHERE tune_id = ? ORDER BY rung, trial', id);
    const rung0 = rows.filter((x) => x.rung === 0);
    expect(rung0.map((x) => [x.trial, x.resource])).toEqual([[1, 2], [2, 2], [3, 2]]);
    const best0 = [...rung0].sort((x, y) => y.score - x.score || x.trial - y.trial)[0].trial;
    expect(rows.filter((x) => x.rung === 1).map((x) => [x.trial, x.resource])).toEqual([[best0, 6]]);
    const choice = choiceOf(a, id);
    expect(choice.trial).toBe(best0);
    const [train] = query<{ params: string }>(
      a,
      "SELECT sr.params FROM run_stages rs JOIN stage_results sr ON sr.key = rs.key WHERE rs.run_id = ? AND rs.stage_name = 'train'",
      choice.final_run_id,
    );
    expect(JSON.parse(train.params)).toMatchObject({ epochs: 6 });
  }, 300_000);

  it('--dry-run prints the trials and the cells it would run, and writes nothing', async () => {
    const dir = project();
    const r = await pipe(dir, ['tune', 'spec.yaml', '--dry-run', '--trials', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/trial +1 +train\.lr=[\d.]+ train\.denseUnits=\d+\ntrial +2 /);
    expect(r.stdout).toContain('would run 2 cells');
    expect(existsSync(join(dir, 'experiments.db'))).toBe(false);
    expect(existsSync(join(dir, 'artifacts'))).toBe(false);
  });

  it('refuses a bad search block with its position, before running anything (exit 2)', async () => {
    const dir = project();
    writeFileSync(join(dir, 'spec.yaml'), SPEC.replace('loguniform: [0.003, 0.3]', 'loguniform: [0, 0.3]'));
    const r = await pipe(dir, ['tune', 'spec.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/spec\.yaml:17:5 search\.space\.train\.lr: loguniform needs low > 0/);
    expect(existsSync(join(dir, 'artifacts'))).toBe(false);
    const v = await pipe(dir, ['validate', 'spec.yaml']);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/spec\.yaml:17:5 search\.space\.train\.lr: loguniform needs low > 0/);
  });

  it('pipe validate checks a search block as pipe tune reads it', async () => {
    const r = await pipe(a, ['validate', 'spec.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('search: random, 4 trials over train.lr, train.denseUnits');
  });

  it('pipe run on a spec with a search block runs it as written, and says so', async () => {
    const r = await pipe(a, ['run', 'spec.yaml', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('pipe run runs the spec as written');
  });
});
