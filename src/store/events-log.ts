// The events table: a run's events as the runner emitted them, for `pipe show` and the report. Events are queued
// and written together every 200 ms, not one transaction each (with any other rows queued by `defer`: a cached
// stage's run-stage row and metrics); per-batch and per-file progress is not kept.

import type Database from 'better-sqlite3';
import type { RunEvent } from '../core/run-events.js';
import { now, readRow, type Columns, type Sql } from './column-map.js';
import { writeError } from './store-errors.js';

export interface EventRow {
  id: number;
  runId: string;
  at: string;
  kind: RunEvent['kind'];
  event: RunEvent;
}

const COLUMNS: Columns<EventRow> = {
  id: { name: 'id' },
  runId: { name: 'run_id' },
  at: { name: 'at' },
  kind: { name: 'kind' },
  event: { name: 'data', json: true },
};

/**
 * Progress kinds that arrive many times a second (every batch, every file). The dashboard shows them; the events
 * log keeps only the ones worth reading later (epochs, log lines), or it would grow by thousands of rows a run.
 */
const TRANSIENT_PROGRESS = new Set(['batch', 'progress']);
const FLUSH_MS = 200;

interface PendingEvent {
  runId: string;
  at: string;
  kind: string;
  data: string;
}

export class EventQueue {
  private pending: PendingEvent[] = [];
  /** Row writes queued with `defer` (a cached stage's run-stage row and metrics), run in the events' transaction. */
  private deferred: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly sql: Sql,
    private readonly path: string,
  ) {}

  /** Queues an event; queued events are written in one transaction every 200 ms, and by `flush`. */
  append(runId: string, event: RunEvent): void {
    if (event.kind === 'stage-progress' && TRANSIENT_PROGRESS.has(event.progress.kind)) return;
    this.pending.push({ runId, at: now(), kind: event.kind, data: JSON.stringify(event) });
    this.timer ??= setTimeout(() => this.flushQuietly(), FLUSH_MS);
  }

  /**
   * Queues a write of other rows, run in order in the next flush's transaction: the 85 cached stages of a no-op
   * re-run are one write, not 85.
   */
  defer(write: () => void): void {
    this.deferred.push(write);
    this.timer ??= setTimeout(() => this.flushQuietly(), FLUSH_MS);
  }

  /** Writes queued events now; throws if they cannot be written (they stay queued). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length && !this.deferred.length) return;
    const events = this.pending;
    const deferred = this.deferred;
    this.pending = [];
    this.deferred = [];
    const insert = this.sql('INSERT INTO events (run_id, at, kind, data) VALUES (?, ?, ?, ?)');
    try {
      this.db.transaction(() => {
        events.forEach((e) => insert.run(e.runId, e.at, e.kind, e.data));
        deferred.forEach((write) => write());
      })();
    } catch (err) {
      this.pending = events.concat(this.pending);
      this.deferred = deferred.concat(this.deferred);
      throw writeError(this.path, err);
    }
  }

  /**
   * The timer's flush: a failure (say, the lock held longer than the busy timeout) keeps the events queued for the
   * next flush, which finishRun and close do and which reports the error.
   */
  private flushQuietly(): void {
    try {
      this.flush();
    } catch {
      // Left queued on purpose; see above.
    }
  }
}

export function getRunEvents(sql: Sql, runId: string): EventRow[] {
  const rows = sql('SELECT * FROM events WHERE run_id = ? ORDER BY id').all(runId) as Record<string, unknown>[];
  return rows.map((r) => readRow(COLUMNS, r));
}
