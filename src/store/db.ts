// experiments.db: opening it, and ExperimentStore, the one object the rest of pipe reads and writes it through.
// Each table has its module (runs.ts, run-stages.ts, stage-results.ts, run-metrics.ts, events-log.ts) with its
// row type and its column mapping (column-map.ts). WAL mode with a busy timeout, so a second `pipe run` on the
// same project waits for the write lock instead of failing; every write is a short transaction.

import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { RunEvent } from '../core/run-events.js';
import { NoProjectError, StoreError } from '../errors.js';
import type { Json } from '../json.js';
import { contentStamp, contentStampsUnder, recordContentStamps, type ContentStampRow } from './content-stamps.js';
import { EventQueue, getRunEvents, type EventRow } from './events-log.js';
import { migrate } from './migrations.js';
import { getRunMetrics, recordMetrics, type MetricRow } from './run-metrics.js';
import { getRunStages, recordRunStage, referencedKeys, type RunStageRow } from './run-stages.js';
import { finishRunRow, getRun, insertRun, listRuns, markStaleRuns, type NewRun, type RunFilter, type RunOutcome, type RunRow } from './runs.js';
import { getStageResult, recordStageResult, type StageResultRow, type StoredStageResult } from './stage-results.js';
import {
  finishTuneRow,
  getTune,
  getTuneChoices,
  getTuneTrials,
  insertTune,
  recordTuneChoice,
  recordTuneTrial,
  type TuneChoiceRow,
  type TuneRow,
  type TuneTrialRow,
} from './tunes.js';
import { openError, writeError } from './store-errors.js';

const BUSY_TIMEOUT_MS = 15_000;

export class ExperimentStore {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly events: EventQueue;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {
    this.events = new EventQueue(db, this.sql, path);
  }

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
    return insertRun(this.sql, this.path, run);
  }

  /** Records the outcome; pending events are written first, so a finished run's events are all there. */
  finishRun(runId: string, outcome: RunOutcome): void {
    this.write(() => {
      this.events.flush();
      finishRunRow(this.sql, runId, outcome);
    });
  }

  setRunBackend(runId: string, backend: string): void {
    this.sql('UPDATE runs SET backend = ? WHERE id = ?').run(backend, runId);
  }

  /** See runs.ts: runs left `running` by a dead process of this host become failed. Returns their ids. */
  markStaleRuns(): string[] {
    return markStaleRuns(this.db, this.sql);
  }

  recordStageResult(row: StageResultRow): void {
    this.write(() => recordStageResult(this.sql, row));
  }

  getStageResult(key: string): StoredStageResult | undefined {
    return getStageResult(this.sql, key);
  }

  recordRunStage(row: RunStageRow): void {
    this.write(() => recordRunStage(this.sql, row));
  }

  recordMetrics(runId: string, instanceId: string, key: string, metrics: Record<string, number>, cell: Json): void {
    this.write(() => recordMetrics(this.db, this.sql, runId, instanceId, key, metrics, cell));
  }

  /**
   * A cached stage's run-stage row and metrics, queued with the events and written in their transaction (every
   * 200 ms, and by finishRun, flushEvents and close): a no-op re-run's stages are one write, not one each.
   */
  queueCachedStage(row: RunStageRow, metrics: Record<string, number> | undefined): void {
    this.events.defer(() => {
      recordRunStage(this.sql, row);
      if (metrics) recordMetrics(this.db, this.sql, row.runId, row.instanceId, row.key, metrics, row.cells);
    });
  }

  /** Queued and written every 200 ms, and by finishRun, flushEvents and close (events-log.ts). */
  appendEvent(runId: string, event: RunEvent): void {
    this.events.append(runId, event);
  }

  /** Writes queued events now; throws if they cannot be written (they stay queued). */
  flushEvents(): void {
    this.events.flush();
  }

  getRunEvents(runId: string): EventRow[] {
    return getRunEvents(this.sql, runId);
  }

  /** Newest first. */
  listRuns(filter: RunFilter = {}): RunRow[] {
    return listRuns(this.db, filter);
  }

  /** A run by id, name, or unique id prefix; an ambiguous prefix is an error listing the candidates. */
  getRun(ref: string): RunRow {
    return getRun(this.sql, this.path, ref);
  }

  getRunStages(runId: string): RunStageRow[] {
    return getRunStages(this.sql, runId);
  }

  getRunMetrics(runId: string): MetricRow[] {
    return getRunMetrics(this.sql, runId);
  }

  /** Every cache key any recorded run used (what `pipe gc` keeps). */
  referencedKeys(): Set<string> {
    return referencedKeys(this.sql);
  }

  /** See content-stamps.ts: the recorded sha256 of files outside pipe, by size, mtime and inode. */
  contentStampsUnder(folder: string): Map<string, ContentStampRow> {
    return contentStampsUnder(this.sql, folder);
  }

  contentStamp(path: string): ContentStampRow | undefined {
    return contentStamp(this.sql, path);
  }

  /** One transaction for all of them: a folder's 535 new stamps are one write. */
  recordContentStamps(rows: readonly ContentStampRow[]): void {
    if (rows.length === 0) return;
    this.write(() => this.db.transaction(() => recordContentStamps(this.sql, rows))());
  }

  /** See tunes.ts: a `pipe tune`, its trials and its choices. */
  createTune(tune: Pick<TuneRow, 'name' | 'specPath' | 'specHash' | 'search'>): string {
    return this.write(() => insertTune(this.sql, tune));
  }

  finishTune(id: string, status: 'succeeded' | 'failed' | 'cancelled'): void {
    this.write(() => finishTuneRow(this.sql, id, status));
  }

  recordTuneTrial(row: TuneTrialRow): void {
    this.write(() => recordTuneTrial(this.sql, row));
  }

  recordTuneChoice(row: TuneChoiceRow): void {
    this.write(() => recordTuneChoice(this.sql, row));
  }

  getTune(id: string): { tune: TuneRow; trials: TuneTrialRow[]; choices: TuneChoiceRow[] } | undefined {
    const tune = getTune(this.sql, id);
    return tune && { tune, trials: getTuneTrials(this.sql, id), choices: getTuneChoices(this.sql, id) };
  }

  /** `ok`, or SQLite's list of problems. */
  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  /** Writes queued events and closes; safe to call twice. */
  close(): void {
    if (!this.db.open) return;
    try {
      this.events.flush();
    } finally {
      this.db.close();
    }
  }

  private write<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw writeError(this.path, err);
    }
  }

  /** A prepared statement, prepared once per text. */
  private readonly sql = (text: string): Database.Statement => {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  };
}
