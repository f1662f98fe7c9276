// One table's columns written once: which SQL column holds each field of a row type, and whether it is JSON text
// or may be NULL. Rows are read and written through the mapping instead of by hand, field by field.

import type Database from 'better-sqlite3';

export interface Column {
  /** The SQL column. */
  name: string;
  /** Stored as JSON text (objects, lists). */
  json?: boolean;
  /** NULL reads as null. */
  nullable?: boolean;
}

/** Every field of `Row` mapped to its column. */
export type Columns<Row> = { readonly [K in keyof Row]-?: Column };

export type SqlValue = string | number | bigint | Buffer | null;

/** Prepared statements by text, as ExperimentStore caches them. */
export type Sql = (text: string) => Database.Statement;

/** A `Row` from a `SELECT *` record. */
export function readRow<Row>(columns: Columns<Row>, record: Record<string, unknown>): Row {
  const row: Record<string, unknown> = {};
  for (const [field, column] of Object.entries<Column>(columns)) {
    const value = record[column.name];
    row[field] = column.json ? JSON.parse(value as string) : column.nullable ? (value ?? null) : value;
  }
  return row as Row;
}

/** `INSERT INTO table (columns of fields) VALUES (?, ...)`, then `tail` (an ON CONFLICT clause, say). */
export function insertSql<Row>(table: string, columns: Columns<Row>, fields: readonly (keyof Row)[], tail = ''): string {
  const names = fields.map((f) => columns[f].name);
  return `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})${tail ? ' ' + tail : ''}`;
}

/** The values of `fields` of `row` for insertSql's placeholders, in the same order. */
export function rowValues<Row>(columns: Columns<Row>, row: Row, fields: readonly (keyof Row)[]): SqlValue[] {
  return fields.map((f) => (columns[f].json ? JSON.stringify(row[f]) : ((row[f] ?? null) as SqlValue)));
}

/** A time as the tables store it: ISO 8601, UTC, so that text order is time order. */
export function now(): string {
  return new Date().toISOString();
}
