// The artifact store: one folder per cache key, written in a temporary folder and renamed into place only when
// complete, with a manifest (sha256 and size of every file). Nothing is trusted without its manifest.
//
// Layout under the root (normally <project>/artifacts):
//   <key>/                 final artifacts, each with manifest.json
//   .tmp/<key>-<pid>-<r>/  artifacts being written; never read; removed by gc once their process is gone
//   .scratch/<key>/        checkpoints that must survive a killed run of the same key
//   .locks/<key>.lock      held while a process computes a key, so two processes never compute it at once
//   .inuse/<run>.json      keys a live run uses; gc never removes them
//   .stamps/<key>.json     size/mtime/inode of each file at its last full verification

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { StoreError } from '../errors.js';
import { processAlive } from './db.js';
import { hashFile } from './hash-file.js';

export const MANIFEST = 'manifest.json';

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  key: string;
  createdAt: string;
  files: ManifestFile[];
}

export type Lookup = { ok: true; dir: string; manifest: Manifest } | { ok: false; reason: string };

export interface PendingArtifact {
  /** Empty folder to write the artifact into. */
  dir: string;
  /** Hash, write the manifest, and rename into place. `replace` overwrites an existing artifact (forced re-run). */
  commit(options?: { replace?: boolean }): Promise<{ dir: string; manifest: Manifest }>;
  abort(): Promise<void>;
}

interface Stamp {
  [path: string]: { size: number; mtimeMs: number; ino: number };
}

const KEY = /^[0-9a-f]{64}$/;
const LOCK_POLL_MS = 200;

export class ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  dirFor(key: string): string {
    if (!KEY.test(key)) throw new StoreError(`not a cache key: "${key}"`, {}, 'keys are 64 hex characters');
    const dir = join(this.root, key);
    if (!dir.startsWith(this.root + sep)) throw new StoreError(`artifact path escapes ${this.root}`);
    return dir;
  }

  async lookup(key: string, options: { verify: 'stamp' | 'full' }): Promise<Lookup> {
    const dir = this.dirFor(key);
    if (!existsSync(dir)) return { ok: false, reason: 'missing' };
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
    } catch {
      return { ok: false, reason: 'no-manifest' };
    }
    const present = await listFiles(dir);
    const listed = new Set(manifest.files.map((f) => f.path));
    const extra = present.find((p) => p !== MANIFEST && !listed.has(p));
    if (extra) return { ok: false, reason: `altered: ${extra}: not in the manifest` };
    const stats = new Map<string, { size: number; mtimeMs: number; ino: number }>();
    for (const f of manifest.files) {
      const s = await stat(join(dir, f.path)).catch(() => undefined);
      if (!s) return { ok: false, reason: `altered: ${f.path}: missing` };
      if (s.size !== f.size) return { ok: false, reason: `altered: ${f.path}: size ${s.size}, manifest says ${f.size}` };
      stats.set(f.path, { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino });
    }
    if (options.verify === 'stamp' && (await this.stampMatches(key, stats))) return { ok: true, dir, manifest };
    for (const f of manifest.files) {
      if ((await hashFile(join(dir, f.path))) !== f.sha256) return { ok: false, reason: `altered: ${f.path}: content changed` };
    }
    await this.writeStamp(key, stats);
    return { ok: true, dir, manifest };
  }

  async begin(key: string): Promise<PendingArtifact> {
    const final = this.dirFor(key);
    const tmp = join(this.root, '.tmp', `${key}-${process.pid}-${randomBytes(3).toString('hex')}`);
    await mkdir(tmp, { recursive: true });
    return {
      dir: tmp,
      commit: async (options = {}) => {
        const files: ManifestFile[] = [];
        const stats = new Map<string, { size: number; mtimeMs: number; ino: number }>();
        for (const path of await listFiles(tmp)) {
          const full = join(tmp, path);
          const s = await stat(full);
          files.push({ path, size: s.size, sha256: await hashFile(full) });
          await fsync(full);
        }
        const manifest: Manifest = { key, createdAt: new Date().toISOString(), files };
        await writeFile(join(tmp, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
        await fsync(join(tmp, MANIFEST));
        await this.install(tmp, final, key, options.replace ?? false);
        for (const f of files) {
          const s = await stat(join(final, f.path));
          stats.set(f.path, { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino });
        }
        await this.writeStamp(key, stats);
        return { dir: final, manifest };
      },
      abort: async () => {
        await rm(tmp, { recursive: true, force: true });
      },
    };
  }

  /** Renames a complete temporary folder into place; a valid artifact already there wins unless `replace`. */
  private async install(tmp: string, final: string, key: string, replace: boolean): Promise<void> {
    if (existsSync(final)) {
      if (!replace && (await this.lookup(key, { verify: 'full' })).ok) {
        await rm(tmp, { recursive: true, force: true });
        return;
      }
      const aside = join(this.root, '.tmp', `${key}-old-${randomBytes(3).toString('hex')}`);
      await rename(final, aside);
      await rm(aside, { recursive: true, force: true });
    }
    await rename(tmp, final);
  }

  async scratchDir(key: string): Promise<string> {
    const dir = join(this.root, '.scratch', key);
    this.dirFor(key);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async clearScratch(key: string): Promise<void> {
    this.dirFor(key);
    await rm(join(this.root, '.scratch', key), { recursive: true, force: true });
  }

  /** Cross-process lock on one key; a lock left by a dead process is taken over. */
  async lockKey(key: string, signal?: AbortSignal): Promise<() => Promise<void>> {
    this.dirFor(key);
    const dir = join(this.root, '.locks');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${key}.lock`);
    const body = JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() });
    for (;;) {
      try {
        await writeFile(path, body, { flag: 'wx' });
        return async () => {
          await rm(path, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (!(await liveOwner(path))) {
        await rm(path, { force: true });
        continue;
      }
      if (signal?.aborted) throw new StoreError(`gave up waiting for the lock on ${key.slice(0, 10)}: run cancelled`);
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }

  /** Marks keys as used by a live run, so that `gc` leaves them alone; returns the release function. */
  async markInUse(runId: string, keys: string[]): Promise<() => Promise<void>> {
    const dir = join(this.root, '.inuse');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${runId}.json`);
    await writeFile(path, JSON.stringify({ pid: process.pid, host: hostname(), keys }));
    return async () => {
      await rm(path, { force: true });
    };
  }

  async gc(options: { keep: Set<string>; dryRun?: boolean }): Promise<{ removed: string[]; bytes: number }> {
    const protectedKeys = new Set(options.keep);
    for (const f of await safeReaddir(join(this.root, '.inuse'))) {
      const path = join(this.root, '.inuse', f);
      const mark = await readJson<{ pid: number; host: string; keys: string[] }>(path);
      if (mark && (mark.host !== hostname() || processAlive(mark.pid))) mark.keys.forEach((k) => protectedKeys.add(k));
      else if (!options.dryRun) await rm(path, { force: true });
    }
    for (const f of await safeReaddir(join(this.root, '.locks'))) {
      if (await liveOwner(join(this.root, '.locks', f))) protectedKeys.add(f.replace(/\.lock$/, ''));
    }
    const removed: string[] = [];
    let bytes = 0;
    for (const name of await safeReaddir(this.root)) {
      if (!KEY.test(name) || protectedKeys.has(name)) continue;
      bytes += await folderBytes(join(this.root, name));
      removed.push(name);
      if (!options.dryRun) {
        await rm(join(this.root, name), { recursive: true, force: true });
        await rm(join(this.root, '.stamps', `${name}.json`), { force: true });
      }
    }
    for (const name of await safeReaddir(join(this.root, '.tmp'))) {
      const pid = Number(name.split('-')[1]);
      if (!options.dryRun && (!Number.isInteger(pid) || !processAlive(pid))) {
        await rm(join(this.root, '.tmp', name), { recursive: true, force: true });
      }
    }
    return { removed, bytes };
  }

  private async stampMatches(key: string, stats: Map<string, { size: number; mtimeMs: number; ino: number }>): Promise<boolean> {
    const stamp = await readJson<Stamp>(join(this.root, '.stamps', `${key}.json`));
    if (!stamp || Object.keys(stamp).length !== stats.size) return false;
    for (const [path, s] of stats) {
      const t = stamp[path];
      if (!t || t.size !== s.size || t.mtimeMs !== s.mtimeMs || t.ino !== s.ino) return false;
    }
    return true;
  }

  private async writeStamp(key: string, stats: Map<string, { size: number; mtimeMs: number; ino: number }>): Promise<void> {
    const dir = join(this.root, '.stamps');
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `${key}.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(Object.fromEntries(stats)));
    await rename(tmp, join(dir, `${key}.json`));
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

async function fsync(path: string): Promise<void> {
  const fd = await open(path, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

async function liveOwner(lockPath: string): Promise<boolean> {
  const lock = await readJson<{ pid: number; host: string }>(lockPath);
  if (!lock) return existsSync(lockPath); // being written right now: treat as held
  return lock.host !== hostname() || processAlive(lock.pid);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function safeReaddir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const f of await listFiles(dir)) total += (await stat(join(dir, f))).size;
  return total;
}
