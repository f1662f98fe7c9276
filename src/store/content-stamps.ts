// The content_stamps table: the sha256 of a file outside pipe (a WAV of the data folder, a command stage's deps, a
// user stage's code) with the size, mtime and inode it had when hashed, as DVC's state database keeps them. While a
// file's stamp still matches, its sha256 is read from here instead of rehashing the file.

import { insertSql, now, readRow, rowValues, type Columns, type Sql } from './column-map.js';

export interface ContentStampRow {
  /** Absolute path. */
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
}

const COLUMNS: Columns<ContentStampRow & { hashedAt: string }> = {
  path: { name: 'path' },
  size: { name: 'size' },
  mtimeMs: { name: 'mtime_ms' },
  ino: { name: 'ino' },
  sha256: { name: 'sha256' },
  hashedAt: { name: 'hashed_at' },
};

const FIELDS = Object.keys(COLUMNS) as (keyof typeof COLUMNS)[];
const UPSERT = insertSql(
  'content_stamps',
  COLUMNS,
  FIELDS,
  `ON CONFLICT(path) DO UPDATE SET ${FIELDS.filter((f) => f !== 'path')
    .map((f) => `${COLUMNS[f].name} = excluded.${COLUMNS[f].name}`)
    .join(', ')}`,
);

/** The stamps of every file under `folder` (an absolute path without a trailing slash), by path: one query. */
export function contentStampsUnder(sql: Sql, folder: string): Map<string, ContentStampRow> {
  // Paths under `folder/` sort between `folder/` and `folder0` ('0' follows '/').
  const rows = sql('SELECT * FROM content_stamps WHERE path > ? AND path < ?').all(`${folder}/`, `${folder}0`) as Record<string, unknown>[];
  return new Map(rows.map((r) => readRow(COLUMNS, r)).map((r) => [r.path, r]));
}

export function contentStamp(sql: Sql, path: string): ContentStampRow | undefined {
  const r = sql('SELECT * FROM content_stamps WHERE path = ?').get(path) as Record<string, unknown> | undefined;
  return r ? readRow(COLUMNS, r) : undefined;
}

export function recordContentStamps(sql: Sql, rows: readonly ContentStampRow[]): void {
  const hashedAt = now();
  for (const row of rows) sql(UPSERT).run(...rowValues(COLUMNS, { ...row, hashedAt }, FIELDS));
}
