// Versioned schema of experiments.db. Each step runs once, in a transaction, and is recorded in schema_migrations.

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
];
