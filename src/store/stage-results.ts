// The stage_results table: one row per cache key ever computed, with what made the key (type, version, params,
// input keys, seed) and what came out (artifact folder, time, metrics, info). `pipe diff` reads the key's parts.

import type { JsonObject } from '../json.js';
import { insertSql, now, readRow, rowValues, type Columns, type Sql } from './column-map.js';

/** One row per cache key ever computed. */
export interface StageResultRow {
  key: string;
  type: string;
  version: number;
  params: JsonObject;
  /** Cache keys of the inputs, in `needs` order. */
  inputs: string[];
  seed: number | null;
  artifactPath: string;
  ms: number;
  metrics: Record<string, number>;
  info: JsonObject;
}

export interface StoredStageResult extends StageResultRow {
  createdAt: string;
}

const COLUMNS: Columns<StoredStageResult> = {
  key: { name: 'key' },
  type: { name: 'type' },
  version: { name: 'version' },
  params: { name: 'params', json: true },
  inputs: { name: 'inputs', json: true },
  seed: { name: 'seed', nullable: true },
  artifactPath: { name: 'artifact_path' },
  ms: { name: 'ms' },
  metrics: { name: 'metrics', json: true },
  info: { name: 'info', json: true },
  createdAt: { name: 'created_at' },
};

const FIELDS = Object.keys(COLUMNS) as (keyof StoredStageResult)[];
const UPSERT = insertSql(
  'stage_results',
  COLUMNS,
  FIELDS,
  `ON CONFLICT(key) DO UPDATE SET ${FIELDS.filter((f) => f !== 'key')
    .map((f) => `${COLUMNS[f].name} = excluded.${COLUMNS[f].name}`)
    .join(', ')}`,
);

/** Upsert by key: a recomputed key (forced re-run, damaged artifact) replaces the earlier row. */
export function recordStageResult(sql: Sql, row: StageResultRow): void {
  sql(UPSERT).run(...rowValues(COLUMNS, { ...row, createdAt: now() }, FIELDS));
}

export function getStageResult(sql: Sql, key: string): StoredStageResult | undefined {
  const r = sql('SELECT * FROM stage_results WHERE key = ?').get(key) as Record<string, unknown> | undefined;
  return r ? readRow(COLUMNS, r) : undefined;
}
