// sha256 of files, fast: large reads on a file descriptor, the next read in flight while the current block is
// hashed, and several files at once, so that the hash rather than the disk bounds the speed.

import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

const BLOCK = 4 * 1024 * 1024;
/** Files hashed at once; each holds two blocks. */
const CONCURRENCY = 4;

export interface FileHash {
  sha256: string;
  /** Bytes hashed: the size the hash belongs to, even if the file changed after a stat. */
  size: number;
}

/** sha256 (hex) of one file. */
export async function hashFile(path: string): Promise<string> {
  return (await hashAndMeasure(path)).sha256;
}

/** sha256 and size of one file; with `fsync`, its data is also flushed to disk before the descriptor closes. */
export async function hashAndMeasure(path: string, options: { fsync?: boolean } = {}): Promise<FileHash> {
  const hash = createHash('sha256');
  const fd = await open(path, 'r');
  try {
    const { size } = await fd.stat();
    const length = Math.max(1, Math.min(size, BLOCK));
    const blocks = [Buffer.allocUnsafe(length), Buffer.allocUnsafe(length)];
    let position = 0;
    let current = 0;
    let reading = fd.read(blocks[current], 0, length, position);
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      position += bytesRead;
      const filled = blocks[current];
      current = 1 - current;
      reading = fd.read(blocks[current], 0, length, position);
      hash.update(filled.subarray(0, bytesRead));
    }
    if (options.fsync) await fd.sync();
    return { sha256: hash.digest('hex'), size: position };
  } finally {
    await fd.close();
  }
}

/** sha256 (hex) of one file and the bytes hashed, without yielding: for planning, which is synchronous. */
export function hashFileSync(path: string): FileHash {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const block = Buffer.allocUnsafe(1024 * 1024);
    let size = 0;
    for (let n = readSync(fd, block, 0, block.length, size); n > 0; n = readSync(fd, block, 0, block.length, size)) {
      hash.update(block.subarray(0, n));
      size += n;
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    closeSync(fd);
  }
}

/** Hashes many files, a few at a time; results in the order of `paths`. */
export async function hashFiles(paths: readonly string[], options: { fsync?: boolean } = {}): Promise<FileHash[]> {
  return mapLimited(paths, CONCURRENCY, (p) => hashAndMeasure(p, options));
}

/** `Promise.all(items.map(fn))` with at most `limit` calls in flight. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
