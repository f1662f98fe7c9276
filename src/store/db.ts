// experiments.db: runs, the stage results behind each cache key, run ↔ stage links, metrics and events.
// WAL mode with a busy timeout, so a second `pipe run` on the same project waits for the write lock instead of
// failing; every write is a short transaction.

import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { RunEvent } from '../core/run-events.js';
import { isDiskFull, NoProjectError, StoreError } from '../errors.js';
import type { Json, JsonObject } from '../json.js';
import { migrate } from './migrations.js';
import { HOST, processAlive } from './process-alive.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';
export type RunStageStatus = 'ran' | 'cached' | 'failed' | 'skipped';

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

export interface NewRun {
  name: string | null;
  tags: string[];
  specPath: string;
  specHash: string;
  overrides: Record<string, Json>;
  resolvedSpec: JsonObject;
  versions: Record<string, string | null>;
  backend: string | null;
}

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

export interface MetricRow {
  runId: string;
  instanceId: string;
  key: string;
  name: string;
  value: number;
  cell: Json;
}

export interface EventRow {
  id: number;
  runId: string;
  at: string;
  kind: RunEvent['kind'];
  event: RunEvent;
}

export interface RunFilter {
  /** The spec path as recorded, or its tail after a `/` (`table2.yaml` matches `experiments/table2.yaml`). */
  spec?: string;
  status?: string;
  /** ISO date or timestamp; runs started at or after it. */
  since?: string;
  /** Default 50. */
  limit?: number;
}

/**
 * Progress kinds that arrive many times a second (every batch, every file). The dashboard shows them; the events
 * log keeps only the ones worth reading later (epochs, log lines), or it would grow by thousands of rows a run.
 */
const TRANSIENT_PROGRESS = new Set(['batch', 'progress']);
const FLUSH_MS = 200;
const BUSY_TIMEOUT_MS = 15_000;

interface PendingEvent {
  runId: string;
  at: string;
  kind: string;
  data: string;
}

export class ExperimentStore {
  private readonly statements = new Map<string, Database.Statement>();
  private pendingEvents: PendingEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {}

  /**
   * Opens the database of a project that exists, for commands that only read it (show, runs, diff, report,
   * export, gc): where there is no experiments.db nothing is created, and the user is told there is no project.
   */
  static openExisting(path: string): ExperimentStore {
    if (!existsSync(path)) {
      throw new NoProjectError(
        `no pipe project here: ${dirname(path)} has no ${basename(path)}`,
        {},
        'run this in the folder where you ran `pipe run`; a project starts with the first `pipe run SPEC`',
      );
    }
    return ExperimentStore.open(path);
  }

  /** Opens (creating if needed) and migrates the database; any failure is a StoreError naming the file. */
  static open(path: string): ExperimentStore {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, path);
      return new ExperimentStore(db, path);
    } catch (err) {
      db?.close();
      if (err instanceof StoreError) throw err;
      throw openError(path, err as Error & { code?: string });
    }
  }

  createRun(run: NewRun): string {
    const insert = this.sql(
      `INSERT INTO runs (id, name, tags, spec_path, spec_hash, overrides, resolved_spec, status, started_at, backend, versions, pid, host)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
    );
    // Two runs started in the same second share the id's time part; the random tail rarely collides, and then
    // another one is drawn.
    for (let attempt = 1; ; attempt++) {
      const id = newRunId();
      try {
        insert.run(
          id,
          run.name,
          JSON.stringify(run.tags),
          run.specPath,
          run.specHash,
          JSON.stringify(run.overrides),
          JSON.stringify(run.resolvedSpec),
          now(),
          run.backend,
          JSON.stringify(run.versions),
          process.pid,
          HOST,
        );
        return id;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && attempt < 10) continue;
        if (code === 'SQLITE_CONSTRAINT_UNIQUE' && run.name) {
          throw new StoreError(`a run named "${run.name}" already exists`, { file: this.path }, 'choose another --name');
        }
        throw writeError(this.path, err);
      }
    }
  }

  /** Records the outcome; pending events are written first, so a finished run's events are all there. */
  finishRun(runId: string, outcome: { status: Exclude<RunStatus, 'running'>; ms: number; backend?: string | null }): void {
    this.write(() => this.finishRunRow(runId, outcome));
  }

  private finishRunRow(runId: string, outcome: { status: Exclude<RunStatus, 'running'>; ms: number; backend?: string | null }): void {
    this.flushEvents();
    this.sql('UPDATE runs SET status = ?, ms = ?, finished_at = ?, backend = coalesce(?, backend) WHERE id = ?').run(
      outcome.status,
      outcome.ms,
      now(),
      outcome.backend ?? null,
      runId,
    );
  }

  setRunBackend(runId: string, backend: string): void {
    this.sql('UPDATE runs SET backend = ? WHERE id = ?').run(backend, runId);
  }

  /**
   * Runs left `running` by a process of this host that no longer exists were interrupted (killed, crashed):
   * marks them failed, with a `run-finished` event saying so. Runs of other hosts are left alone. Returns the ids.
   */
  markStaleRuns(): string[] {
    const running = this.sql("SELECT id, pid, host, started_at FROM runs WHERE status = 'running'").all() as {
      id: string;
      pid: number | null;
      host: string | null;
      started_at: string;
    }[];
    const stale = running.filter((r) => r.host === HOST && r.pid !== null && !processAlive(r.pid));
    const finishedAt = now();
    const mark = this.sql("UPDATE runs SET status = 'failed', finished_at = ?, ms = ? WHERE id = ? AND status = 'running'");
    const log = this.sql('INSERT INTO events (run_id, at, kind, data) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const r of stale) {
        const ms = Math.max(0, Date.parse(finishedAt) - Date.parse(r.started_at));
        if (mark.run(finishedAt, ms, r.id).changes === 0) continue;
        const event: RunEvent = { kind: 'run-finished', runId: r.id, status: 'failed', ms, summary: `interrupted: process ${r.pid} on ${HOST} is gone` };
        log.run(r.id, finishedAt, event.kind, JSON.stringify(event));
      }
    })();
    return stale.map((r) => r.id);
  }

  /** Upsert by key: a recomputed key (forced re-run, damaged artifact) replaces the earlier row. */
  recordStageResult(row: StageResultRow): void {
    this.write(() => this.sql(
      `INSERT INTO stage_results (key, type, version, params, inputs, seed, artifact_path, ms, metrics, info, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET type = excluded.type, version = excluded.version, params = excluded.params,
         inputs = excluded.inputs, seed = excluded.seed, artifact_path = excluded.artifact_path, ms = excluded.ms,
         metrics = excluded.metrics, info = excluded.info, created_at = excluded.created_at`,
    ).run(
      row.key,
      row.type,
      row.version,
      JSON.stringify(row.params),
      JSON.stringify(row.inputs),
      row.seed,
      row.artifactPath,
      row.ms,
      JSON.stringify(row.metrics),
      JSON.stringify(row.info),
      now(),
    ));
  }

  getStageResult(key: string): StoredStageResult | undefined {
    const r = this.sql('SELECT * FROM stage_results WHERE key = ?').get(key) as Record<string, unknown> | undefined;
    if (!r) return undefined;
    return {
      key: r.key as string,
      type: r.type as string,
      version: r.version as number,
      params: parse<JsonObject>(r.params),
      inputs: parse<string[]>(r.inputs),
      seed: (r.seed as number | null) ?? null,
      artifactPath: r.artifact_path as string,
      ms: r.ms as number,
      metrics: parse<Record<string, number>>(r.metrics),
      info: parse<JsonObject>(r.info),
      createdAt: r.created_at as string,
    };
  }

  recordRunStage(row: RunStageRow): void {
    this.write(() => this.sql(
      `INSERT OR REPLACE INTO run_stages (run_id, instance_id, stage_name, key, status, ms, error, cells)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(row.runId, row.instanceId, row.stageName, row.key, row.status, row.ms, row.error, JSON.stringify(row.cells)));
  }

  /** Replaces the instance's metrics in this run; values that are not finite numbers are not stored. */
  recordMetrics(runId: string, instanceId: string, key: string, metrics: Record<string, number>, cell: Json): void {
    const remove = this.sql('DELETE FROM metrics WHERE run_id = ? AND instance_id = ?');
    const insert = this.sql('INSERT INTO metrics (run_id, instance_id, key, name, value, cell) VALUES (?, ?, ?, ?, ?, ?)');
    const cellJson = JSON.stringify(cell);
    this.write(() => this.db.transaction(() => {
      remove.run(runId, instanceId);
      for (const [name, value] of Object.entries(metrics)) {
        if (Number.isFinite(value)) insert.run(runId, instanceId, key, name, value, cellJson);
      }
    })());
  }

  /**
   * Queues an event; queued events are written in one transaction every 200 ms, and by finishRun, flushEvents
   * and close. Per-batch and per-file progress is not kept (see TRANSIENT_PROGRESS).
   */
  appendEvent(runId: string, event: RunEvent): void {
    if (event.kind === 'stage-progress' && TRANSIENT_PROGRESS.has(event.progress.kind)) return;
    this.pendingEvents.push({ runId, at: now(), kind: event.kind, data: JSON.stringify(event) });
    this.flushTimer ??= setTimeout(() => this.flushQuietly(), FLUSH_MS);
  }

  /** Writes queued events now; throws if they cannot be written (they stay queued). */
  flushEvents(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.pendingEvents.length) return;
    const events = this.pendingEvents;
    this.pendingEvents = [];
    const insert = this.sql('INSERT INTO events (run_id, at, kind, data) VALUES (?, ?, ?, ?)');
    try {
      this.db.transaction(() => events.forEach((e) => insert.run(e.runId, e.at, e.kind, e.data)))();
    } catch (err) {
      this.pendingEvents = events.concat(this.pendingEvents);
      throw writeError(this.path, err);
    }
  }

  getRunEvents(runId: string): EventRow[] {
    const rows = this.sql('SELECT * FROM events WHERE run_id = ? ORDER BY id').all(runId) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.id as number,
      runId: r.run_id as string,
      at: r.at as string,
      kind: r.kind as RunEvent['kind'],
      event: parse<RunEvent>(r.data),
    }));
  }

  /** Newest first. */
  listRuns(filter: RunFilter = {}): RunRow[] {
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
    const sql = `SELECT * FROM runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY started_at DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, filter.limit ?? 50) as Record<string, unknown>[];
    return rows.map(toRunRow).filter((r) => !filter.status || r.status === filter.status);
  }

  /** A run by id, name, or unique id prefix; an ambiguous prefix is an error listing the candidates. */
  getRun(ref: string): RunRow {
    const exact = this.sql('SELECT * FROM runs WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1').get(ref, ref, ref) as
      | Record<string, unknown>
      | undefined;
    if (exact) return toRunRow(exact);
    // substr, not LIKE: `_` and `%` in what the user typed are not wildcards, and case matters.
    const prefixed = this.sql('SELECT * FROM runs WHERE substr(id, 1, length(?)) = ? ORDER BY id').all(ref, ref) as Record<string, unknown>[];
    if (prefixed.length === 1) return toRunRow(prefixed[0]);
    if (prefixed.length > 1) {
      const shown = prefixed.slice(0, 8).map((r) => r.id as string);
      throw new StoreError(
        `run "${ref}" is ambiguous: ${shown.join(', ')}${prefixed.length > shown.length ? `, ... (${prefixed.length} in all)` : ''}`,
        { file: this.path },
        'give more of the id, or the run name',
      );
    }
    throw new StoreError(`no run "${ref}" in ${this.path}`, { file: this.path }, 'list runs with `pipe runs`');
  }

  getRunStages(runId: string): RunStageRow[] {
    const rows = this.sql('SELECT * FROM run_stages WHERE run_id = ? ORDER BY rowid').all(runId) as Record<string, unknown>[];
    return rows.map((r) => ({
      runId: r.run_id as string,
      instanceId: r.instance_id as string,
      stageName: r.stage_name as string,
      key: r.key as string,
      status: r.status as RunStageStatus,
      ms: r.ms as number,
      error: (r.error as string | null) ?? null,
      cells: parse<Json>(r.cells),
    }));
  }

  getRunMetrics(runId: string): MetricRow[] {
    const rows = this.sql('SELECT * FROM metrics WHERE run_id = ? ORDER BY rowid').all(runId) as Record<string, unknown>[];
    return rows.map((r) => ({
      runId: r.run_id as string,
      instanceId: r.instance_id as string,
      key: r.key as string,
      name: r.name as string,
      value: r.value as number,
      cell: parse<Json>(r.cell),
    }));
  }

  /** Every cache key any recorded run used (what `pipe gc` keeps). */
  referencedKeys(): Set<string> {
    const rows = this.sql('SELECT DISTINCT key FROM run_stages').all() as { key: string }[];
    return new Set(rows.map((r) => r.key));
  }

  /** `ok`, or SQLite's list of problems. */
  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  /** Writes queued events and closes; safe to call twice. */
  close(): void {
    if (!this.db.open) return;
    try {
      this.flushEvents();
    } finally {
      this.db.close();
    }
  }

  /**
   * The timer's flush: a failure (say, the lock held longer than the busy timeout) keeps the events queued for the
   * next flush, which finishRun and close do and which reports the error.
   */
  private flushQuietly(): void {
    try {
      this.flushEvents();
    } catch {
      // Left queued on purpose; see above.
    }
  }

  private write<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw writeError(this.path, err);
    }
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }
}

function openError(path: string, err: Error & { code?: string }): StoreError {
  const code = err.code ?? '';
  const hint =
    code === 'SQLITE_CANTOPEN' || !existsSync(dirname(path))
      ? 'check that the folder exists and that you may write to it'
      : code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')
        ? 'the file is damaged or not a database: move it aside and pipe starts a new one (artifacts/ is reused by cache key)'
        : isDiskFull(err)
          ? DISK_FULL_HINT
          : code === 'SQLITE_BUSY'
          ? 'another process held the database lock for too long; try again'
          : code === 'SQLITE_READONLY'
            ? 'the database is read-only: check its permissions'
            : 'if the file is damaged, move it aside: pipe starts a new one and reuses the artifacts in artifacts/';
  if (isDiskFull(err)) return new StoreError(`cannot open ${path}: the disk holding it is full`, { file: path }, hint);
  if (code.startsWith('SQLITE_IOERR')) {
    // Not "damaged": SQLite says IOERR when a write fails (a full disk, a file-size limit, a failing drive).
    return new StoreError(
      `cannot open ${path}: the disk refused a write (full, a file-size limit, or failing)`,
      { file: path },
      'check free space (df) and the disk; the database itself is probably fine',
    );
  }
  return new StoreError(`cannot open ${path}: ${err.message}`, { file: path }, hint);
}

const DISK_FULL_HINT = 'free some space on that disk and run again: finished stages stay cached in artifacts/';

/** A failed write as a StoreError in words: a full disk said as one, other SQLite failures named with the file. */
function writeError(path: string, err: unknown): unknown {
  if (err instanceof StoreError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  if (isDiskFull(err)) return new StoreError(`cannot write ${path}: the disk holding it is full`, { file: path }, DISK_FULL_HINT);
  if (code.startsWith('SQLITE_IOERR')) return new StoreError(`cannot write ${path}: the disk reported an input/output error`, { file: path }, 'check the disk');
  if (code.startsWith('SQLITE_READONLY')) return new StoreError(`cannot write ${path}: it is read-only`, { file: path }, 'check its permissions and the disk it is on');
  return err;
}

/**
 * A row as it stands: one left `running` by a process of this host that is gone is shown failed, even before the
 * next run records it so (markStaleRuns), so that no read says a dead run is running.
 */
function toRunRow(r: Record<string, unknown>): RunRow {
  const row = storedRunRow(r);
  return row.status === 'running' && row.host === HOST && row.pid !== null && !processAlive(row.pid) ? { ...row, status: 'failed' } : row;
}

function storedRunRow(r: Record<string, unknown>): RunRow {
  return {
    id: r.id as string,
    name: (r.name as string | null) ?? null,
    tags: parse<string[]>(r.tags),
    specPath: r.spec_path as string,
    specHash: r.spec_hash as string,
    overrides: parse<Record<string, Json>>(r.overrides),
    resolvedSpec: parse<JsonObject>(r.resolved_spec),
    status: r.status as RunStatus,
    startedAt: r.started_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    ms: (r.ms as number | null) ?? null,
    backend: (r.backend as string | null) ?? null,
    versions: parse<Record<string, string | null>>(r.versions),
    pid: (r.pid as number | null) ?? null,
    host: (r.host as string | null) ?? null,
  };
}

function parse<T>(column: unknown): T {
  return JSON.parse(column as string) as T;
}

function now(): string {
  return new Date().toISOString();
}

/** Sortable and readable: r20261124-200301-ab12. */
function newRunId(): string {
  const iso = now();
  const stamp = iso.slice(0, 10).replaceAll('-', '') + '-' + iso.slice(11, 19).replaceAll(':', '');
  return `r${stamp}-${randomBytes(2).toString('hex')}`;
}
