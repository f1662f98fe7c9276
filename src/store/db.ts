// experiments.db: runs, the stage results behind each cache key, run ↔ stage links, metrics and events.
// WAL mode with a busy timeout, so a second `pipe run` on the same project waits for a write lock instead of
// failing; every write is a short transaction.

import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { StoreError } from '../errors.js';
import type { Json, JsonObject } from '../json.js';
import type { RunEvent } from '../runner/events.js';
import { MIGRATIONS } from './migrations.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunRow {
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

export interface StageResultRow {
  key: string;
  type: string;
  version: number;
  params: JsonObject;
  inputs: string[];
  seed: number | null;
  artifactPath: string;
  ms: number;
  metrics: Record<string, number>;
  info: JsonObject;
}

export interface RunStageRow {
  runId: string;
  instanceId: string;
  stageName: string;
  key: string;
  status: 'ran' | 'cached' | 'failed' | 'skipped';
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

export interface RunFilter {
  spec?: string;
  status?: string;
  since?: string;
  limit?: number;
}

/** Progress kinds that arrive many times a second; the dashboard shows them, the events log does not keep them. */
const TRANSIENT_PROGRESS = new Set(['batch', 'progress']);

export class ExperimentStore {
  private pendingEvents: { runId: string; at: string; kind: string; data: string }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {}

  static open(path: string): ExperimentStore {
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 15_000 });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    } catch (err) {
      throw new StoreError(
        `cannot open ${path}: ${(err as Error).message}`,
        { file: path },
        'if the file is damaged, move it aside; pipe rebuilds it and reuses the artifacts in artifacts/',
      );
    }
    const store = new ExperimentStore(db, path);
    store.migrate();
    return store;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const applied = this.db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
    const current = applied.v ?? 0;
    const known = MIGRATIONS[MIGRATIONS.length - 1].version;
    if (current > known) {
      throw new StoreError(
        `${this.path} has schema version ${current}, newer than this pipe knows (${known})`,
        { file: this.path },
        'upgrade pipe, or use another project folder',
      );
    }
    for (const m of MIGRATIONS.filter((x) => x.version > current)) {
      // IMMEDIATE: two processes opening a fresh db at once must not both apply the same step.
      this.db.transaction(() => {
        const again = this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
        if (again) return;
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, now());
      }).immediate();
    }
  }

  createRun(run: NewRun): string {
    const id = newRunId();
    try {
      this.db
        .prepare(
          `INSERT INTO runs (id, name, tags, spec_path, spec_hash, overrides, resolved_spec, status, started_at, backend, versions, pid, host)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
        )
        .run(
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
          hostname(),
        );
    } catch (err) {
      if (String((err as Error).message).includes('UNIQUE') && run.name) {
        throw new StoreError(`a run named "${run.name}" already exists`, { file: this.path }, 'choose another --name');
      }
      throw err;
    }
    return id;
  }

  finishRun(runId: string, outcome: { status: RunStatus; ms: number; backend: string | null }): void {
    this.flushEvents();
    this.db
      .prepare('UPDATE runs SET status = ?, ms = ?, finished_at = ?, backend = coalesce(?, backend) WHERE id = ?')
      .run(outcome.status, outcome.ms, now(), outcome.backend, runId);
  }

  /** Runs left `running` by a process of this host that no longer exists were interrupted: mark them failed. */
  markStaleRuns(): number {
    const running = this.db.prepare("SELECT id, pid, host FROM runs WHERE status = 'running'").all() as {
      id: string;
      pid: number | null;
      host: string | null;
    }[];
    const stale = running.filter((r) => r.host === hostname() && r.pid !== null && !processAlive(r.pid));
    const mark = this.db.prepare("UPDATE runs SET status = 'failed', finished_at = ? WHERE id = ?");
    this.db.transaction(() => stale.forEach((r) => mark.run(now(), r.id)))();
    return stale.length;
  }

  recordStageResult(row: StageResultRow): void {
    this.db
      .prepare(
        `INSERT INTO stage_results (key, type, version, params, inputs, seed, artifact_path, ms, metrics, info, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET artifact_path = excluded.artifact_path, ms = excluded.ms,
           metrics = excluded.metrics, info = excluded.info, created_at = excluded.created_at`,
      )
      .run(
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
      );
  }

  getStageResult(key: string): StageResultRow | undefined {
    const r = this.db.prepare('SELECT * FROM stage_results WHERE key = ?').get(key) as Record<string, unknown> | undefined;
    if (!r) return undefined;
    return {
      key: r.key as string,
      type: r.type as string,
      version: r.version as number,
      params: JSON.parse(r.params as string) as JsonObject,
      inputs: JSON.parse(r.inputs as string) as string[],
      seed: (r.seed as number | null) ?? null,
      artifactPath: r.artifact_path as string,
      ms: r.ms as number,
      metrics: JSON.parse(r.metrics as string) as Record<string, number>,
      info: JSON.parse(r.info as string) as JsonObject,
    };
  }

  recordRunStage(row: RunStageRow): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO run_stages (run_id, instance_id, stage_name, key, status, ms, error, cells)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(row.runId, row.instanceId, row.stageName, row.key, row.status, row.ms, row.error, JSON.stringify(row.cells));
  }

  recordMetrics(runId: string, instanceId: string, key: string, metrics: Record<string, number>, cell: Json): void {
    const insert = this.db.prepare('INSERT INTO metrics (run_id, instance_id, key, name, value, cell) VALUES (?, ?, ?, ?, ?, ?)');
    const cellJson = JSON.stringify(cell);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM metrics WHERE run_id = ? AND instance_id = ?').run(runId, instanceId);
      for (const [name, value] of Object.entries(metrics)) {
        if (Number.isFinite(value)) insert.run(runId, instanceId, key, name, value, cellJson);
      }
    })();
  }

  /** Events are buffered and written in one transaction every 200 ms (and when the run finishes). */
  appendEvent(runId: string, event: RunEvent): void {
    if (event.kind === 'stage-progress' && TRANSIENT_PROGRESS.has(event.progress.kind)) return;
    this.pendingEvents.push({ runId, at: now(), kind: event.kind, data: JSON.stringify(event) });
    this.flushTimer ??= setTimeout(() => this.flushEvents(), 200);
  }

  flushEvents(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.pendingEvents.length || !this.db.open) return;
    const events = this.pendingEvents;
    this.pendingEvents = [];
    const insert = this.db.prepare('INSERT INTO events (run_id, at, kind, data) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => events.forEach((e) => insert.run(e.runId, e.at, e.kind, e.data)))();
  }

  listRuns(filter: RunFilter = {}): RunRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.spec) {
      where.push('spec_path = ?');
      args.push(filter.spec);
    }
    if (filter.status) {
      where.push('status = ?');
      args.push(filter.status);
    }
    if (filter.since) {
      where.push('started_at >= ?');
      args.push(filter.since);
    }
    const sql = `SELECT * FROM runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY started_at DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, filter.limit ?? 50) as Record<string, unknown>[];
    return rows.map(toRunRow);
  }

  /** A run by id, unique id prefix, or name. */
  getRun(ref: string): RunRow {
    const exact = this.db.prepare('SELECT * FROM runs WHERE id = ? OR name = ?').get(ref, ref) as Record<string, unknown> | undefined;
    if (exact) return toRunRow(exact);
    const prefixed = this.db.prepare("SELECT * FROM runs WHERE id LIKE ? || '%' ORDER BY id").all(ref) as Record<string, unknown>[];
    if (prefixed.length === 1) return toRunRow(prefixed[0]);
    if (prefixed.length > 1) {
      throw new StoreError(
        `run "${ref}" is ambiguous: ${prefixed.slice(0, 5).map((r) => r.id).join(', ')}${prefixed.length > 5 ? ', ...' : ''}`,
        { file: this.path },
        'give more of the id',
      );
    }
    throw new StoreError(`no run "${ref}" in ${this.path}`, { file: this.path }, 'list runs with `pipe runs`');
  }

  getRunStages(runId: string): RunStageRow[] {
    const rows = this.db.prepare('SELECT * FROM run_stages WHERE run_id = ? ORDER BY rowid').all(runId) as Record<string, unknown>[];
    return rows.map((r) => ({
      runId: r.run_id as string,
      instanceId: r.instance_id as string,
      stageName: r.stage_name as string,
      key: r.key as string,
      status: r.status as RunStageRow['status'],
      ms: r.ms as number,
      error: (r.error as string | null) ?? null,
      cells: JSON.parse(r.cells as string) as Json,
    }));
  }

  getRunMetrics(runId: string): MetricRow[] {
    const rows = this.db.prepare('SELECT * FROM metrics WHERE run_id = ? ORDER BY rowid').all(runId) as Record<string, unknown>[];
    return rows.map((r) => ({
      runId: r.run_id as string,
      instanceId: r.instance_id as string,
      key: r.key as string,
      name: r.name as string,
      value: r.value as number,
      cell: JSON.parse(r.cell as string) as Json,
    }));
  }

  /** Every cache key some recorded run used. */
  referencedKeys(): Set<string> {
    const rows = this.db.prepare('SELECT DISTINCT key FROM run_stages').all() as { key: string }[];
    return new Set(rows.map((r) => r.key));
  }

  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  close(): void {
    this.flushEvents();
    if (this.db.open) this.db.close();
  }
}

function toRunRow(r: Record<string, unknown>): RunRow {
  return {
    id: r.id as string,
    name: (r.name as string | null) ?? null,
    tags: JSON.parse(r.tags as string) as string[],
    specPath: r.spec_path as string,
    specHash: r.spec_hash as string,
    overrides: JSON.parse(r.overrides as string) as Record<string, Json>,
    resolvedSpec: JSON.parse(r.resolved_spec as string) as JsonObject,
    status: r.status as RunStatus,
    startedAt: r.started_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    ms: (r.ms as number | null) ?? null,
    backend: (r.backend as string | null) ?? null,
    versions: JSON.parse(r.versions as string) as Record<string, string | null>,
    pid: (r.pid as number | null) ?? null,
    host: (r.host as string | null) ?? null,
  };
}

function now(): string {
  return new Date().toISOString();
}

/** Sortable and readable: r20261124-200301-ab12. */
function newRunId(): string {
  const iso = new Date().toISOString();
  const stamp = iso.slice(0, 10).replaceAll('-', '') + '-' + iso.slice(11, 19).replaceAll(':', '');
  return `r${stamp}-${randomBytes(2).toString('hex')}`;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
