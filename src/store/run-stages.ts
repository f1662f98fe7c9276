// The run_stages table: what each stage instance of a run did (ran, cached, failed, skipped) under which key. The
// keys any run used are what `pipe gc` keeps.

import type { Json } from '../json.js';
import { insertSql, readRow, rowValues, type Columns, type Sql } from './column-map.js';

export type RunStageStatus = 'ran' | 'cached' | 'failed' | 'skipped';

export interface RunStageRow {
  runId: string;
  instanceId: string;
  stageName: string;
  key: string;
  status: RunStageStatus;
  ms: number;
  error: string | null;
  cells: Json;
}

const COLUMNS: Columns<RunStageRow> = {
  runId: { name: 'run_id' },
  instanceId: { name: 'instance_id' },
  stageName: { name: 'stage_name' },
  key: { name: 'key' },
  status: { name: 'status' },
  ms: { name: 'ms' },
  error: { name: 'error', nullable: true },
  cells: { name: 'cells', json: true },
};

const FIELDS = Object.keys(COLUMNS) as (keyof RunStageRow)[];
const INSERT = insertSql('run_stages', COLUMNS, FIELDS).replace('INSERT INTO', 'INSERT OR REPLACE INTO');

export function recordRunStage(sql: Sql, row: RunStageRow): void {
  sql(INSERT).run(...rowValues(COLUMNS, row, FIELDS));
}

export function getRunStages(sql: Sql, runId: string): RunStageRow[] {
  const rows = sql('SELECT * FROM run_stages WHERE run_id = ? ORDER BY rowid').all(runId) as Record<string, unknown>[];
  return rows.map((r) => readRow(COLUMNS, r));
}

/** Every cache key any recorded run used (what `pipe gc` keeps). */
export function referencedKeys(sql: Sql): Set<string> {
  const rows = sql('SELECT DISTINCT key FROM run_stages').all() as { key: string }[];
  return new Set(rows.map((r) => r.key));
}
