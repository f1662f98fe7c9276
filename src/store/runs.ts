// The runs table: one row per `pipe run`, from its start (`running`) to its outcome; looked up by id, name or id
// prefix. A run left `running` by a process of this host that is gone reads as failed.

import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type { RunEvent } from '../core/run-events.js';
import { StoreError } from '../errors.js';
import type { Json, JsonObject } from '../json.js';
import { insertSql, now, readRow, rowValues, type Columns, type Sql } from './column-map.js';
import { HOST, processAlive } from './process-alive.js';
import { writeError } from './store-errors.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunRow {
  /** Short and sortable by start time: r20261124-200301-ab12. */
  id: string;
  name: string | null;
  tags: string[];
  specPath: string;
  specHash: string;
  overrides: Record<string, Json>;
  resolvedSpec: JsonObject;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  ms: number | null;
  backend: string | null;
  /** node, pipe, tfjs, ... */
  versions: Record<string, string | null>;
  pid: number | null;
  host: string | null;
}

/** What a run's row holds when it starts; the store adds its id, status, start time, pid and host. */
export type NewRun = Pick<RunRow, 'name' | 'tags' | 'specPath' | 'specHash' | 'overrides' | 'resolvedSpec' | 'versions' | 'backend'>;

export interface RunFilter {
  /** The spec path as recorded, or its tail after a `/` (`table2.yaml` matches `experiments/table2.yaml`). */
  spec?: string;
  status?: string;
  /** ISO date or timestamp; runs started at or after it. */
  since?: string;
  /** Default 50. */
  limit?: number;
}

export type RunOutcome = { status: Exclude<RunStatus, 'running'>; ms: number; backend?: string | null };

const RUN_COLUMNS: Columns<RunRow> = {
  id: { name: 'id' },
  name: { name: 'name', nullable: true },
  tags: { name: 'tags', json: true },
  specPath: { name: 'spec_path' },
  specHash: { name: 'spec_hash' },
  overrides: { name: 'overrides', json: true },
  resolvedSpec: { name: 'resolved_spec', json: true },
  status: { name: 'status' },
  startedAt: { name: 'started_at' },
  finishedAt: { name: 'finished_at', nullable: true },
  ms: { name: 'ms', nullable: true },
  backend: { name: 'backend', nullable: true },
  versions: { name: 'versions', json: true },
  pid: { name: 'pid', nullable: true },
  host: { name: 'host', nullable: true },
};

const INSERTED: (keyof RunRow)[] = ['id', 'name', 'tags', 'specPath', 'specHash', 'overrides', 'resolvedSpec', 'status', 'startedAt', 'backend', 'versions', 'pid', 'host'];

/** Inserts the run as `running` by this process; returns its new id. */
export function insertRun(sql: Sql, path: string, run: NewRun): string {
  const insert = sql(insertSql('runs', RUN_COLUMNS, INSERTED));
  // Two runs started in the same second share the id's time part; the random tail rarely collides, and then
  // another one is drawn.
  for (let attempt = 1; ; attempt++) {
    const row: RunRow = { ...run, id: newRunId(), status: 'running', startedAt: now(), finishedAt: null, ms: null, pid: process.pid, host: HOST };
    try {
      insert.run(...rowValues(RUN_COLUMNS, row, INSERTED));
      return row.id;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && attempt < 10) continue;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' && run.name) {
        throw new StoreError(`a run named "${run.name}" already exists`, { file: path }, 'choose another --name');
      }
      throw writeError(path, err);
    }
  }
}

export function finishRunRow(sql: Sql, runId: string, outcome: RunOutcome): void {
  sql('UPDATE runs SET status = ?, ms = ?, finished_at = ?, backend = coalesce(?, backend) WHERE id = ?').run(
    outcome.status,
    outcome.ms,
    now(),
    outcome.backend ?? null,
    runId,
  );
}

/**
 * Runs left `running` by a process of this host that no longer exists were interrupted (killed, crashed):
 * marks them failed, with a `run-finished` event saying so. Runs of other hosts are left alone. Returns the ids.
 */
export function markStaleRuns(db: Database.Database, sql: Sql): string[] {
  const running = sql("SELECT id, pid, host, started_at FROM runs WHERE status = 'running'").all() as {
    id: string;
    pid: number | null;
    host: string | null;
    started_at: string;
  }[];
  const stale = running.filter((r) => r.host === HOST && r.pid !== null && !processAlive(r.pid));
  const finishedAt = now();
  const mark = sql("UPDATE runs SET status = 'failed', finished_at = ?, ms = ? WHERE id = ? AND status = 'running'");
  const log = sql('INSERT INTO events (run_id, at, kind, data) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of stale) {
      const ms = Math.max(0, Date.parse(finishedAt) - Date.parse(r.started_at));
      if (mark.run(finishedAt, ms, r.id).changes === 0) continue;
      const event: RunEvent = { kind: 'run-finished', runId: r.id, status: 'failed', ms, summary: `interrupted: process ${r.pid} on ${HOST} is gone` };
      log.run(r.id, finishedAt, event.kind, JSON.stringify(event));
    }
  })();
  return stale.map((r) => r.id);
}

/** Newest first. */
export function listRuns(db: Database.Database, filter: RunFilter): RunRow[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (filter.spec) {
    const spec = filter.spec.replace(/^\.\//, '');
    where.push("(spec_path = ? OR substr(spec_path, -length(?) - 1) = '/' || ?)");
    args.push(spec, spec, spec);
  }
  if (filter.status) {
    // A dead run still stored as running reads as failed (toRunRow), so `failed` looks at both.
    where.push(filter.status === 'failed' ? "status IN (?, 'running')" : 'status = ?');
    args.push(filter.status);
  }
  if (filter.since) {
    where.push('started_at >= ?');
    args.push(filter.since);
  }
  const text = `SELECT * FROM runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY started_at DESC, id DESC LIMIT ?`;
  const rows = db.prepare(text).all(...args, filter.limit ?? 50) as Record<string, unknown>[];
  return rows.map(toRunRow).filter((r) => !filter.status || r.status === filter.status);
}

/** A run by id, name, or unique id prefix; an ambiguous prefix is an error listing the candidates. */
export function getRun(sql: Sql, path: string, ref: string): RunRow {
  const exact = sql('SELECT * FROM runs WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1').get(ref, ref, ref) as
    | Record<string, unknown>
    | undefined;
  if (exact) return toRunRow(exact);
  // substr, not LIKE: `_` and `%` in what the user typed are not wildcards, and case matters.
  const prefixed = sql('SELECT * FROM runs WHERE substr(id, 1, length(?)) = ? ORDER BY id').all(ref, ref) as Record<string, unknown>[];
  if (prefixed.length === 1) return toRunRow(prefixed[0]);
  if (prefixed.length > 1) {
    const shown = prefixed.slice(0, 8).map((r) => r.id as string);
    throw new StoreError(
      `run "${ref}" is ambiguous: ${shown.join(', ')}${prefixed.length > shown.length ? `, ... (${prefixed.length} in all)` : ''}`,
      { file: path },
      'give more of the id, or the run name',
    );
  }
  throw new StoreError(`no run "${ref}" in ${path}`, { file: path }, 'list runs with `pipe runs`');
}

/**
 * A row as it stands: one left `running` by a process of this host that is gone is shown failed, even before the
 * next run records it so (markStaleRuns), so that no read says a dead run is running.
 */
function toRunRow(r: Record<string, unknown>): RunRow {
  const row = readRow(RUN_COLUMNS, r);
  return row.status === 'running' && row.host === HOST && row.pid !== null && !processAlive(row.pid) ? { ...row, status: 'failed' } : row;
}

/** Sortable and readable: r20261124-200301-ab12. */
function newRunId(): string {
  const iso = now();
  const stamp = iso.slice(0, 10).replaceAll('-', '') + '-' + iso.slice(11, 19).replaceAll(':', '');
  return `r${stamp}-${randomBytes(2).toString('hex')}`;
}
