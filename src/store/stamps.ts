// Verification stamps: the size, mtime and inode of every file of an artifact (and of its manifest) when it was
// last fully verified. While they all still match, `lookup(key, { verify: 'stamp' })` skips rehashing; any
// difference (an edit changes the mtime, a replaced file changes the inode) forces a full verify.

import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

export interface Stamp {
  manifest: FileStamp;
  files: Record<string, FileStamp>;
}

// Stats and reads are synchronous: a lookup stats every file of an artifact, and a no-op re-run looks up every
// artifact; through fs/promises each is a thread-pool round trip that costs more than the stat itself.
export async function fileStamp(path: string): Promise<FileStamp | undefined> {
  let s;
  try {
    s = statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  return s && { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, dev: s.dev };
}

export async function readStamp(path: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** Written to a temporary name and renamed, so a reader never sees half a stamp. */
export async function writeStamp(path: string, stamp: Stamp): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(stamp));
  await rename(tmp, path).catch(async (err: unknown) => {
    await rm(tmp, { force: true });
    throw err;
  });
}

export function stampMatches(recorded: Stamp | undefined, current: Stamp): boolean {
  if (!recorded?.manifest || !recorded.files) return false;
  if (!sameFile(recorded.manifest, current.manifest)) return false;
  const paths = Object.keys(current.files);
  if (Object.keys(recorded.files).length !== paths.length) return false;
  return paths.every((p) => sameFile(recorded.files[p], current.files[p]));
}

function sameFile(a: FileStamp | undefined, b: FileStamp): boolean {
  return a !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.dev === b.dev;
}
