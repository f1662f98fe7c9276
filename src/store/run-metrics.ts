// The metrics table: each stage instance's numbers in a run, with its cell, so that runs can be queried and
// compared by metric (`pipe runs`, `pipe diff`, the report).

import type Database from 'better-sqlite3';
import type { Json } from '../json.js';
import { insertSql, readRow, rowValues, type Columns, type Sql } from './column-map.js';

export interface MetricRow {
  runId: string;
  instanceId: string;
  key: string;
  name: string;
  value: number;
  cell: Json;
}

const COLUMNS: Columns<MetricRow> = {
  runId: { name: 'run_id' },
  instanceId: { name: 'instance_id' },
  key: { name: 'key' },
  name: { name: 'name' },
  value: { name: 'value' },
  cell: { name: 'cell', json: true },
};

const FIELDS = Object.keys(COLUMNS) as (keyof MetricRow)[];

/** Replaces the instance's metrics in this run; values that are not finite numbers are not stored. */
export function recordMetrics(db: Database.Database, sql: Sql, runId: string, instanceId: string, key: string, metrics: Record<string, number>, cell: Json): void {
  const remove = sql('DELETE FROM metrics WHERE run_id = ? AND instance_id = ?');
  const insert = sql(insertSql('metrics', COLUMNS, FIELDS));
  db.transaction(() => {
    remove.run(runId, instanceId);
    for (const [name, value] of Object.entries(metrics)) {
      if (Number.isFinite(value)) insert.run(...rowValues(COLUMNS, { runId, instanceId, key, name, value, cell }, FIELDS));
    }
  })();
}

export function getRunMetrics(sql: Sql, runId: string): MetricRow[] {
  const rows = sql('SELECT * FROM metrics WHERE run_id = ? ORDER BY rowid').all(runId) as Record<string, unknown>[];
  return rows.map((r) => readRow(COLUMNS, r));
}
