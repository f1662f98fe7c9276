// SQLite failures as StoreErrors in words: why experiments.db could not be opened or written, and what to do.

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDiskFull, StoreError } from '../errors.js';

const DISK_FULL_HINT = 'free some space on that disk and run again: finished stages stay cached in artifacts/';

export function openError(path: string, err: Error & { code?: string }): StoreError {
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

/** A failed write as a StoreError in words: a full disk said as one, other SQLite failures named with the file. */
export function writeError(path: string, err: unknown): unknown {
  if (err instanceof StoreError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  if (isDiskFull(err)) return new StoreError(`cannot write ${path}: the disk holding it is full`, { file: path }, DISK_FULL_HINT);
  if (code.startsWith('SQLITE_IOERR')) return new StoreError(`cannot write ${path}: the disk reported an input/output error`, { file: path }, 'check the disk');
  if (code.startsWith('SQLITE_READONLY')) return new StoreError(`cannot write ${path}: it is read-only`, { file: path }, 'check its permissions and the disk it is on');
  return err;
}
