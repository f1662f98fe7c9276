import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import { ExperimentStore } from '../../../src/store/db.js';
import { migrate, MIGRATIONS, schemaVersion, type Migration } from '../../../src/store/migrations.js';
import { tempDir } from './helpers.js';

function appliedVersions(path: string): number[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
  } finally {
    db.close();
  }
}

describe('experiments.db migrations', () => {
  it('steps are numbered 1, 2, 3, ... with no gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('a new database gets every step once, and reopening applies nothing again', () => {
    const path = join(tempDir(), 'experiments.db');
    ExperimentStore.open(path).close();
    ExperimentStore.open(path).close();
    expect(appliedVersions(path)).toEqual(MIGRATIONS.map((m) => m.version));
    const db = new Database(path, { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    db.close();
    expect(tables).toEqual(expect.arrayContaining(['events', 'metrics', 'run_stages', 'runs', 'schema_migrations', 'stage_results']));
  });

  it('a later step is applied once to an older database, and recorded with its version', () => {
    const path = join(tempDir(), 'experiments.db');
    ExperimentStore.open(path).close();
    const next: Migration = { version: MIGRATIONS.length + 1, description: 'test', sql: 'CREATE TABLE extra (x INTEGER)' };
    const db = new Database(path);
    migrate(db, path, [...MIGRATIONS, next]);
    migrate(db, path, [...MIGRATIONS, next]);
    expect(schemaVersion(db)).toBe(next.version);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'extra'").get()).toEqual({ n: 1 });
    db.close();
    expect(appliedVersions(path)).toEqual([...MIGRATIONS.map((m) => m.version), next.version]);
  });

  it('a failing step is rolled back whole and leaves the version where it was', () => {
    const path = join(tempDir(), 'experiments.db');
    ExperimentStore.open(path).close();
    const broken: Migration = { version: MIGRATIONS.length + 1, description: 'broken', sql: 'CREATE TABLE half (x); SELECT nonsense FROM nowhere;' };
    const db = new Database(path);
    expect(() => migrate(db, path, [...MIGRATIONS, broken])).toThrow(/nowhere/);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('a database newer than this code is refused with a StoreError naming the file', () => {
    const path = join(tempDir(), 'experiments.db');
    ExperimentStore.open(path).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (99, ?)').run(new Date().toISOString());
    db.close();
    let error: unknown;
    try {
      ExperimentStore.open(path);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain(`${path} has schema version 99, newer than this pipe knows (${MIGRATIONS.length})`);
    expect((error as StoreError).place.file).toBe(path);
    expect((error as StoreError).hint).toMatch(/upgrade pipe/);
  });

  it('a file that is not a database gives a StoreError with the path and a hint to move it aside', () => {
    const path = join(tempDir(), 'experiments.db');
    writeFileSync(path, 'this is not sqlite '.repeat(300));
    expect(() => ExperimentStore.open(path)).toThrow(StoreError);
    try {
      ExperimentStore.open(path);
    } catch (err) {
      expect((err as StoreError).message).toContain(path);
      expect((err as StoreError).hint).toMatch(/move it aside/);
    }
  });

  it('a database in a missing folder gives a StoreError that says to check the folder', () => {
    const path = join(tempDir(), 'no', 'such', 'folder', 'experiments.db');
    try {
      ExperimentStore.open(path);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).hint).toMatch(/folder exists/);
    }
  });

  it('opens in WAL mode', () => {
    const path = join(tempDir(), 'experiments.db');
    ExperimentStore.open(path).close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});
