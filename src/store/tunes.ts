// The tunes tables: one row per `pipe tune`, one per trial scored in a rung and group (its values, the run that
// computed it, its validation score), and the trial chosen per group with the run that evaluated it on test.

import { randomBytes } from 'node:crypto';
import type { Json, JsonObject } from '../json.js';
import { insertSql, now, readRow, rowValues, type Columns, type Sql } from './column-map.js';
import type { RunStatus } from './runs.js';

export interface TuneRow {
  id: string;
  name: string | null;
  specPath: string;
  specHash: string;
  /** The search block as read (search-block.ts's SearchBlock). */
  search: Json;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
}

export interface TuneTrialRow {
  tuneId: string;
  trial: number;
  /** 0 for random search; halving's rung index. */
  rung: number;
  resource: number | null;
  /** The `per` group's matrix values ({} without `per`). */
  group: JsonObject;
  values: JsonObject;
  runId: string | null;
  /** Mean validation metric over the trial's cells in the group; null when a cell failed. */
  score: number | null;
  cells: number;
  status: 'scored' | 'failed';
}

export interface TuneChoiceRow {
  tuneId: string;
  group: JsonObject;
  trial: number;
  score: number;
  finalRunId: string | null;
}

const TUNE_COLUMNS: Columns<TuneRow> = {
  id: { name: 'id' },
  name: { name: 'name', nullable: true },
  specPath: { name: 'spec_path' },
  specHash: { name: 'spec_hash' },
  search: { name: 'search', json: true },
  status: { name: 'status' },
  startedAt: { name: 'started_at' },
  finishedAt: { name: 'finished_at', nullable: true },
};

const TRIAL_COLUMNS: Columns<TuneTrialRow> = {
  tuneId: { name: 'tune_id' },
  trial: { name: 'trial' },
  rung: { name: 'rung' },
  resource: { name: 'resource', nullable: true },
  group: { name: 'grp', json: true },
  values: { name: 'trial_values', json: true },
  runId: { name: 'run_id', nullable: true },
  score: { name: 'score', nullable: true },
  cells: { name: 'cells' },
  status: { name: 'status' },
};

const CHOICE_COLUMNS: Columns<TuneChoiceRow> = {
  tuneId: { name: 'tune_id' },
  group: { name: 'grp', json: true },
  trial: { name: 'trial' },
  score: { name: 'score' },
  finalRunId: { name: 'final_run_id', nullable: true },
};

const fields = <Row>(columns: Columns<Row>) => Object.keys(columns) as (keyof Row)[];

export function insertTune(sql: Sql, tune: Pick<TuneRow, 'name' | 'specPath' | 'specHash' | 'search'>): string {
  const iso = now();
  const id = `t${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${randomBytes(2).toString('hex')}`;
  const row: TuneRow = { ...tune, id, status: 'running', startedAt: iso, finishedAt: null };
  sql(insertSql('tunes', TUNE_COLUMNS, fields(TUNE_COLUMNS))).run(...rowValues(TUNE_COLUMNS, row, fields(TUNE_COLUMNS)));
  return id;
}

export function finishTuneRow(sql: Sql, id: string, status: Exclude<RunStatus, 'running'>): void {
  sql('UPDATE tunes SET status = ?, finished_at = ? WHERE id = ?').run(status, now(), id);
}

export function recordTuneTrial(sql: Sql, row: TuneTrialRow): void {
  const f = fields(TRIAL_COLUMNS);
  sql(insertSql('tune_trials', TRIAL_COLUMNS, f, 'ON CONFLICT (tune_id, rung, grp, trial) DO UPDATE SET run_id = excluded.run_id, score = excluded.score, cells = excluded.cells, status = excluded.status')).run(
    ...rowValues(TRIAL_COLUMNS, row, f),
  );
}

export function recordTuneChoice(sql: Sql, row: TuneChoiceRow): void {
  const f = fields(CHOICE_COLUMNS);
  sql(insertSql('tune_choices', CHOICE_COLUMNS, f, 'ON CONFLICT (tune_id, grp) DO UPDATE SET trial = excluded.trial, score = excluded.score, final_run_id = excluded.final_run_id')).run(
    ...rowValues(CHOICE_COLUMNS, row, f),
  );
}

export function getTune(sql: Sql, id: string): TuneRow | undefined {
  const r = sql('SELECT * FROM tunes WHERE id = ?').get(id) as Record<string, unknown> | undefined;
  return r ? readRow(TUNE_COLUMNS, r) : undefined;
}

export function getTuneTrials(sql: Sql, id: string): TuneTrialRow[] {
  const rows = sql('SELECT * FROM tune_trials WHERE tune_id = ? ORDER BY rung, grp, trial').all(id) as Record<string, unknown>[];
  return rows.map((r) => readRow(TRIAL_COLUMNS, r));
}

export function getTuneChoices(sql: Sql, id: string): TuneChoiceRow[] {
  const rows = sql('SELECT * FROM tune_choices WHERE tune_id = ? ORDER BY grp').all(id) as Record<string, unknown>[];
  return rows.map((r) => readRow(CHOICE_COLUMNS, r));
}
