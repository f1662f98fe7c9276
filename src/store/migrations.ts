// Versioned schema of experiments.db. Each step runs once, in its own transaction, and is recorded in
// schema_migrations; a database newer than this code is refused rather than misread. Add a step, never edit one.

import type Database from 'better-sqlite3';
import { StoreError } from '../errors.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, stage results, run stages, metrics, events',
    sql: `
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        name TEXT UNIQUE,
        tags TEXT NOT NULL DEFAULT '[]',
        spec_path TEXT NOT NULL,
        spec_hash TEXT NOT NULL,
        overrides TEXT NOT NULL DEFAULT '{}',
        resolved_spec TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
        started_at TEXT NOT NULL,
        finished_at TEXT,
        ms INTEGER,
        backend TEXT,
        versions TEXT NOT NULL DEFAULT '{}',
        pid INTEGER,
        host TEXT
      );
      CREATE INDEX runs_started ON runs(started_at);
      CREATE TABLE stage_results (
        key TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        version INTEGER NOT NULL,
        params TEXT NOT NULL,
        inputs TEXT NOT NULL,
        seed INTEGER,
        artifact_path TEXT NOT NULL,
        ms INTEGER NOT NULL,
        metrics TEXT NOT NULL DEFAULT '{}',
        info TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
      );
      CREATE TABLE run_stages (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        instance_id TEXT NOT NULL,
        stage_name TEXT NOT NULL,
        key TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('ran', 'cached', 'failed', 'skipped')),
        ms INTEGER NOT NULL,
        error TEXT,
        cells TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (run_id, instance_id)
      );
      CREATE INDEX run_stages_key ON run_stages(key);
      CREATE TABLE metrics (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        instance_id TEXT NOT NULL,
        key TEXT NOT NULL,
        name TEXT NOT NULL,
        value REAL NOT NULL,
        cell TEXT NOT NULL DEFAULT 'null'
      );
      CREATE INDEX metrics_name ON metrics(name, value);
      CREATE INDEX metrics_run ON metrics(run_id);
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX events_run ON events(run_id, id);
    `,
  },
  {
    version: 2,
    description: 'content stamps: the sha256 of files outside pipe (data, deps, stage code) by size, mtime and inode',
    sql: `
      CREATE TABLE content_stamps (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        ino INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        hashed_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    description: 'tunes: each `pipe tune`, its trials (values, rung, run, validation score) and the choice per group',
    sql: `
      CREATE TABLE tunes (
        id TEXT PRIMARY KEY,
        name TEXT,
        spec_path TEXT NOT NULL,
        spec_hash TEXT NOT NULL,
        search TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
        started_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE TABLE tune_trials (
        tune_id TEXT NOT NULL REFERENCES tunes(id) ON DELETE CASCADE,
        trial INTEGER NOT NULL,
        rung INTEGER NOT NULL,
        resource REAL,
        grp TEXT NOT NULL,
        trial_values TEXT NOT NULL,
        run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
        score REAL,
        cells INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('scored', 'failed')),
        PRIMARY KEY (tune_id, rung, grp, trial)
      );
      CREATE TABLE tune_choices (
        tune_id TEXT NOT NULL REFERENCES tunes(id) ON DELETE CASCADE,
        grp TEXT NOT NULL,
        trial INTEGER NOT NULL,
        score REAL NOT NULL,
        final_run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
        PRIMARY KEY (tune_id, grp)
      );
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Brings the database up to the last step; safe when several processes open a fresh database at once. */
export function migrate(db: Database.Database, path: string, steps: readonly Migration[] = MIGRATIONS): void {
  const current = schemaVersion(db);
  const latest = steps[steps.length - 1].version;
  if (current > latest) {
    throw new StoreError(
      `${path} has schema version ${current}, newer than this pipe knows (${latest})`,
      { file: path },
      'a newer pipe wrote this database: upgrade pipe, or use another project folder',
    );
  }
  for (const step of steps.filter((m) => m.version > current)) {
    // IMMEDIATE takes the write lock first, so a second process waits, then sees the step done and skips it.
    db.transaction(() => {
      db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(step.version)) return;
      db.exec(step.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(step.version, new Date().toISOString());
    }).immediate();
  }
}

/** The highest applied step; 0 for a new database. */
export function schemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) return 0;
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}
