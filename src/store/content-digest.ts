// Digests of what a stage reads from outside pipe (a data folder, a command stage's deps, a user stage's code), for
// cache keys. The path is not content: a folder's digest covers the paths of its files relative to it and their
// bytes, so moving the folder keeps it and changing, adding or deleting one file does not. Each file's sha256 is
// looked up in the content_stamps table (content-stamps.ts) by size, mtime and inode, so a re-run stats the files
// instead of hashing them, and a `touch` costs one rehash and changes nothing.

import { createHash } from 'node:crypto';
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { ContentStampRow } from './content-stamps.js';
import { hashFileSync } from './hash-files.js';

/** Where stamps are kept: ExperimentStore, or nothing (every file hashed) where no project exists yet. */
export interface StampStore {
  contentStampsUnder(folder: string): Map<string, ContentStampRow>;
  contentStamp(path: string): ContentStampRow | undefined;
  recordContentStamps(rows: readonly ContentStampRow[]): void;
}

/** The digest of a path that does not exist: the stage reports it when it runs, and the key changes once it does. */
export const MISSING = 'missing';

export class ContentDigests {
  private readonly memo = new Map<string, string>();
  /** Files hashed so far (those whose stamp did not match): what a test or the bench looks at. */
  hashedFiles = 0;

  constructor(private readonly stamps?: StampStore) {}

  /**
   * `file:<sha256>` of a file's bytes, `folder:<sha256>` over the relative paths and sha256s of every file under a
   * folder (names starting with a dot skipped: .git, .DS_Store), or MISSING. `path` is absolute.
   */
  readonly digest = (path: string): string => {
    let digest = this.memo.get(path);
    if (digest === undefined) {
      digest = this.compute(path);
      this.memo.set(path, digest);
    }
    return digest;
  };

  private compute(path: string): string {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) return MISSING;
    if (!stats.isDirectory()) return `file:${this.fileHashes([{ path, stats }], this.stamps?.contentStamp(path))[0]}`;
    const files = filesUnder(path, new Set());
    const known = this.stamps?.contentStampsUnder(path.endsWith(sep) ? path.slice(0, -1) : path);
    const hashes = this.fileHashes(files, known);
    const lines = files.map((f, i) => `${relative(path, f.path).split(sep).join('/')}\0${hashes[i]}\n`);
    return `folder:${createHash('sha256').update(lines.join('')).digest('hex')}`;
  }

  /** sha256 of each file: from its stamp where size, mtime and inode still match, else hashed and stamped. */
  private fileHashes(files: { path: string; stats: Stats }[], known: Map<string, ContentStampRow> | ContentStampRow | undefined): string[] {
    const fresh: ContentStampRow[] = [];
    const stampOf = (p: string) => (known instanceof Map ? known.get(p) : known?.path === p ? known : undefined);
    const hashes = files.map(({ path, stats }) => {
      const stamp = stampOf(path);
      if (stamp && stamp.size === stats.size && stamp.mtimeMs === stats.mtimeMs && stamp.ino === stats.ino) return stamp.sha256;
      const { sha256 } = hashFileSync(path);
      this.hashedFiles += 1;
      fresh.push({ path, size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino, sha256 });
      return sha256;
    });
    this.stamps?.recordContentStamps(fresh);
    return hashes;
  }
}

/** Every file under `folder`, sorted by path, following symbolic links (each real folder once). */
function filesUnder(folder: string, seen: Set<string>): { path: string; stats: Stats }[] {
  const self = statSync(folder);
  const id = `${self.dev}:${self.ino}`;
  if (seen.has(id)) return [];
  seen.add(id);
  const names = readdirSync(folder).filter((n) => !n.startsWith('.')).sort();
  return names.flatMap((name) => {
    const path = join(folder, name);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) return []; // a dangling link
    if (stats.isDirectory()) return filesUnder(path, seen);
    return stats.isFile() ? [{ path, stats }] : [];
  });
}
