// The artifact store: one folder per cache key, written in a temporary folder and renamed into place only when
// complete, with a manifest (sha256 and size of every file). Nothing is trusted without its manifest.
//
// Layout under the root (normally <project>/artifacts):
//   <key>/                      final artifacts, each with manifest.json
//   .tmp/<key>-<pid>-<r>@<host>/  artifacts being written (and old ones being removed); never read; gc removes
//                               those whose process is gone. The host is in the name because a pid says nothing
//                               on another machine sharing the store.
//   .scratch/<key>/             checkpoints that must survive a killed run of the same key
//   .locks/<key>.lock           held while a process computes a key (see key-lock.ts)
//   .inuse/<runId>.json         { pid, host, keys }: the keys a live run reads or writes
//   .stamps/<key>.json          size/mtime/inode of each file at its last full verification (see stamps.ts)
//
// How `gc` and a running `pipe run` stay out of each other's way: the run writes its in-use mark (every key of
// its plan) before it looks up any artifact, and removes it when it ends. gc skips keys that are marked, locked
// or kept; to remove one it first renames the folder aside, then reads the marks again, and puts the folder back
// if a run marked it meanwhile. The run writes its mark, then reads the folder; gc moves the folder, then reads
// the marks: whichever comes second sees the other, so either the run finds the artifact missing and recomputes
// it, or gc gives it back. A mark left by a dead process protects nothing and gc deletes it.

import { randomBytes } from 'node:crypto';
import { statSync, type Stats } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import { hashFiles } from './hash-files.js';
import { acquireLock, liveHolder, removeDeadLock, type ReleaseLock } from './key-lock.js';
import { folderBytes, listFolder, MANIFEST, readManifest, type Manifest, type ManifestFile } from './manifest.js';
import { HOST, MY_START, ownerAlive, processAlive, type Owner } from './process-alive.js';
import { pathInside } from './safe-path.js';
import { fileStamp, readStamp, stampMatches, writeStamp, type Stamp } from './stamps.js';

export { hashFile } from './hash-files.js';
export { MANIFEST, type Manifest, type ManifestFile } from './manifest.js';

export type LookupResult =
  | { ok: true; dir: string; manifest: Manifest }
  | { ok: false; reason: 'missing' | 'no-manifest' | `altered: ${string}` };

export interface PendingArtifact {
  /** Empty folder to write the artifact into. */
  dir: string;
  /**
   * Hashes every file, writes the manifest, flushes to disk and renames the folder into place. If another process
   * committed the same key first and its artifact verifies, that one is kept and returned (ours is discarded);
   * `replace` (a forced re-run) puts ours in place of an existing valid artifact instead.
   */
  commit(options?: { replace?: boolean }): Promise<{ dir: string; manifest: Manifest }>;
  /** Removes the temporary folder. */
  abort(): Promise<void>;
}

export interface GcResult {
  /** Keys of the final artifacts removed (or, with dryRun, that would be). */
  removed: string[];
  /** Keys whose scratch folder was removed. */
  scratch: string[];
  /** Bytes freed, artifacts and scratch together. */
  bytes: number;
}

interface InUseMark extends Owner {
  keys: string[];
}

const KEY = /^[0-9a-f]{64}$/;
/** `.tmp` entries: <key>-<pid>-<random>@<host>, the host made safe for a file name. */
const TMP_NAME = /^[0-9a-f]{64}-(\d+)-[0-9a-f]+@(.+)$/;
const TMP_HOST = HOST.replace(/[^A-Za-z0-9.-]/g, '_');
/** How many times commit retries when other processes keep renaming folders onto the same key. */
const INSTALL_ATTEMPTS = 5;
/** What rename() says when the destination is taken by a folder (or file) of the same key. */
const OCCUPIED = new Set(['ENOTEMPTY', 'EEXIST', 'ENOTDIR', 'EISDIR']);

export class ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Final folder of a key. Every path built from a key goes through here, so a bad key never names a path. */
  dirFor(key: string): string {
    return join(this.root, checkKey(key));
  }

  async lookup(key: string, options: { verify: 'stamp' | 'full' }): Promise<LookupResult> {
    const dir = this.dirFor(key);
    const dirStat = statOrUndefined(dir);
    if (!dirStat) return { ok: false, reason: 'missing' };
    if (!dirStat.isDirectory()) return { ok: false, reason: `altered: ${key}: not a folder` };
    const read = await readManifest(dir, key);
    if (!read.ok) return { ok: false, reason: read.absent ? 'no-manifest' : `altered: ${MANIFEST}: ${read.problem}` };
    const { manifest } = read;

    const listing = await listFolder(dir).catch(() => undefined);
    if (!listing) return { ok: false, reason: `altered: ${key}: cannot be read` };
    if (listing.others.length) return { ok: false, reason: `altered: ${listing.others[0]}: not a regular file` };
    const listed = new Set(manifest.files.map((f) => f.path));
    const extra = listing.files.find((p) => p !== MANIFEST && !listed.has(p));
    if (extra) return { ok: false, reason: `altered: ${extra}: not in the manifest` };

    // Stat before hashing: if a file changes while it is hashed, the stamp records the old stat and cannot match.
    const current = await this.currentStamp(dir, manifest.files);
    if (typeof current === 'string') return { ok: false, reason: `altered: ${current}` };
    if (options.verify === 'stamp' && stampMatches(await readStamp(this.stampPath(key)), current)) {
      return { ok: true, dir, manifest };
    }
    const hashes = await hashFiles(manifest.files.map((f) => join(dir, f.path))).catch(() => undefined);
    if (!hashes) return { ok: false, reason: `altered: ${key}: a file could not be read` };
    const bad = manifest.files.findIndex((f, i) => hashes[i].sha256 !== f.sha256 || hashes[i].size !== f.size);
    if (bad >= 0) return { ok: false, reason: `altered: ${manifest.files[bad].path}: content differs from the manifest` };
    await writeStamp(this.stampPath(key), current);
    return { ok: true, dir, manifest };
  }

  async begin(key: string): Promise<PendingArtifact> {
    const final = this.dirFor(key);
    const tmp = this.tmpPath(key);
    pathInside(this.root, tmp, 'a stage\'s output folder');
    await mkdir(tmp, { recursive: true });
    let state: 'open' | 'committed' | 'aborted' = 'open';
    return {
      dir: tmp,
      commit: async (options = {}) => {
        if (state !== 'open') throw new StoreError(`artifact ${key.slice(0, 12)} was already ${state}`, { file: tmp });
        const manifest = await sealFolder(tmp, key);
        state = 'committed';
        return this.install(tmp, final, manifest, options.replace ?? false);
      },
      abort: async () => {
        if (state === 'committed') return;
        state = 'aborted';
        await rm(tmp, { recursive: true, force: true });
      },
    };
  }

  /** A folder for checkpoints that survives a killed run of this key; created on demand. */
  async scratchDir(key: string): Promise<string> {
    const dir = join(this.root, '.scratch', checkKey(key));
    pathInside(this.root, dir, 'a checkpoint folder');
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async clearScratch(key: string): Promise<void> {
    await rm(join(this.root, '.scratch', checkKey(key)), { recursive: true, force: true });
  }

  /**
   * Cross-process lock on one key: resolves once no other live process holds it. The caller should look the key
   * up again afterwards: the previous holder may have produced the artifact.
   */
  async lockKey(key: string, signal?: AbortSignal): Promise<ReleaseLock> {
    return acquireLock(pathInside(this.root, this.lockPath(key), 'a lock'), { signal });
  }

  /** Marks keys as used by a live run until the returned function is called; `gc` never removes them. */
  async markInUse(runId: string, keys: string[]): Promise<() => Promise<void>> {
    if (!/^[\w.-]+$/.test(runId)) throw new StoreError(`not a run id: "${runId}"`);
    const dir = pathInside(this.root, '.inuse', 'the in-use marks');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${runId}.json`);
    const mark: InUseMark = { pid: process.pid, host: HOST, ...(MY_START !== undefined ? { start: MY_START } : {}), keys: keys.map(checkKey) };
    // Renamed into place: gc must never read half a mark and conclude it protects nothing.
    const tmp = `${path}.${randomBytes(3).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(mark));
    await rename(tmp, path);
    return async () => {
      await rm(path, { force: true });
    };
  }

  /**
   * Removes final artifacts (and scratch folders) whose key is not in `keep`, not locked and not marked in use by
   * a live run; temporary folders of dead processes; and locks and in-use marks left by dead processes.
   */
  async gc(options: { keep: Set<string>; dryRun?: boolean }): Promise<GcResult> {
    const dryRun = options.dryRun ?? false;
    const result: GcResult = { removed: [], scratch: [], bytes: 0 };
    const isProtected = async (key: string): Promise<boolean> =>
      options.keep.has(key) || (await this.inUseKeys(false)).has(key) || (await liveHolder(this.lockPath(key))) !== undefined;
    const inUse = await this.inUseKeys(!dryRun);

    for (const key of (await readdirOrEmpty(this.root)).filter((n) => KEY.test(n))) {
      if (options.keep.has(key) || inUse.has(key) || (await liveHolder(this.lockPath(key)))) continue;
      if (dryRun) {
        result.bytes += await folderBytes(this.dirFor(key));
        result.removed.push(key);
        continue;
      }
      const aside = this.tmpPath(key);
      if (!(await renameIfPresent(this.dirFor(key), aside))) continue;
      if (await isProtected(key)) {
        // A run marked it after we looked: give it back (unless that run already wrote a new one).
        if (!(await renameIfPresent(aside, this.dirFor(key)).catch(() => false))) await rm(aside, { recursive: true, force: true });
        continue;
      }
      result.bytes += await folderBytes(aside);
      await rm(aside, { recursive: true, force: true });
      await rm(this.stampPath(key), { force: true });
      result.removed.push(key);
    }

    for (const key of (await readdirOrEmpty(join(this.root, '.scratch'))).filter((n) => KEY.test(n))) {
      if (await isProtected(key)) continue;
      const dir = join(this.root, '.scratch', key);
      result.bytes += await folderBytes(dir);
      if (!dryRun) await rm(dir, { recursive: true, force: true });
      result.scratch.push(key);
    }

    if (!dryRun) await this.removeDeadLeftovers();
    return result;
  }

  /** Keys marked by live runs; with `prune`, marks of dead processes are deleted. */
  private async inUseKeys(prune: boolean): Promise<Set<string>> {
    const keys = new Set<string>();
    const dir = join(this.root, '.inuse');
    for (const name of (await readdirOrEmpty(dir)).filter((n) => n.endsWith('.json'))) {
      const mark = await readJson<InUseMark>(join(dir, name));
      if (!mark || !Array.isArray(mark.keys)) continue;
      if (ownerAlive(mark)) mark.keys.forEach((k) => keys.add(k));
      else if (prune) await rm(join(dir, name), { force: true });
    }
    return keys;
  }

  /** Temporary folders, lock files and stamps that belong to no live process or no artifact. */
  private async removeDeadLeftovers(): Promise<void> {
    for (const name of await readdirOrEmpty(join(this.root, '.tmp'))) {
      const m = TMP_NAME.exec(name);
      if (m && m[2] === TMP_HOST && !processAlive(Number(m[1]))) {
        await rm(join(this.root, '.tmp', name), { recursive: true, force: true });
      }
    }
    for (const name of await readdirOrEmpty(join(this.root, '.locks'))) {
      const path = join(this.root, '.locks', name);
      if (name.endsWith('.lock')) await removeDeadLock(path);
      // What a killed process left while taking or stealing a lock; nobody else uses these names.
      else if (!(await liveHolder(path))) await rm(path, { force: true });
    }
    for (const name of await readdirOrEmpty(join(this.root, '.stamps'))) {
      const key = name.replace(/\.json$/, '');
      if (KEY.test(key) && !(await stat(this.dirFor(key)).catch(() => undefined))) {
        await rm(join(this.root, '.stamps', name), { force: true });
      }
    }
  }

  /**
   * Renames a sealed temporary folder into place. rename() refuses to replace a non-empty folder, so when the
   * key exists (another process got there first, or a damaged artifact is there) the existing one is either kept
   * (it verifies and we are not replacing) or moved aside, and the rename is tried again.
   */
  private async install(tmp: string, final: string, manifest: Manifest, replace: boolean): Promise<{ dir: string; manifest: Manifest }> {
    const key = manifest.key;
    for (let attempt = 1; ; attempt++) {
      const error = await rename(tmp, final).then(
        () => undefined,
        (err: NodeJS.ErrnoException) => err,
      );
      if (!error) {
        await fsyncDir(this.root);
        await writeStamp(this.stampPath(key), await this.sealedStamp(final, manifest.files));
        return { dir: final, manifest };
      }
      if (!OCCUPIED.has(error.code ?? '') || attempt >= INSTALL_ATTEMPTS) {
        await rm(tmp, { recursive: true, force: true });
        throw new StoreError(`cannot move artifact ${key.slice(0, 12)} into place: ${error.message}`, { file: final });
      }
      if (!replace) {
        const theirs = await this.lookup(key, { verify: 'full' });
        if (theirs.ok) {
          await rm(tmp, { recursive: true, force: true });
          return { dir: theirs.dir, manifest: theirs.manifest };
        }
      }
      const aside = this.tmpPath(key);
      await rm(this.stampPath(key), { force: true });
      if (await renameIfPresent(final, aside)) await rm(aside, { recursive: true, force: true });
      // Replaced once; whatever appears now was computed by another process after our forced re-run began.
      replace = false;
    }
  }

  private async currentStamp(dir: string, files: ManifestFile[]): Promise<Stamp | string> {
    const manifest = await fileStamp(join(dir, MANIFEST));
    if (!manifest) return `${MANIFEST}: missing`;
    const stamp: Stamp = { manifest, files: {} };
    for (const f of files) {
      const s = await fileStamp(join(dir, f.path));
      if (!s) return `${f.path}: missing`;
      if (s.size !== f.size) return `${f.path}: size ${s.size}, the manifest says ${f.size}`;
      stamp.files[f.path] = s;
    }
    return stamp;
  }

  /** The stamp of a folder just committed: it was hashed moments ago, so it counts as fully verified. */
  private async sealedStamp(dir: string, files: ManifestFile[]): Promise<Stamp> {
    const stamp = await this.currentStamp(dir, files);
    if (typeof stamp === 'string') throw new StoreError(`artifact changed while being committed: ${stamp}`, { file: dir });
    return stamp;
  }

  private tmpPath(key: string): string {
    return join(this.root, '.tmp', `${checkKey(key)}-${process.pid}-${randomBytes(4).toString('hex')}@${TMP_HOST}`);
  }

  private lockPath(key: string): string {
    return join(this.root, '.locks', `${checkKey(key)}.lock`);
  }

  private stampPath(key: string): string {
    return join(this.root, '.stamps', `${checkKey(key)}.json`);
  }
}

function checkKey(key: string): string {
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new StoreError(`not a cache key: "${String(key).slice(0, 80)}"`, {}, 'cache keys are 64 lowercase hex characters (sha256)');
  }
  return key;
}

/** Hashes and flushes every file, then writes the manifest last; returns it. */
async function sealFolder(dir: string, key: string): Promise<Manifest> {
  const listing = await listFolder(dir);
  if (listing.others.length) {
    throw new StoreError(`artifact ${key.slice(0, 12)} contains ${listing.others[0]}, which is not a regular file`, { file: dir }, 'stages must write plain files (no symlinks)');
  }
  if (listing.files.includes(MANIFEST)) {
    throw new StoreError(`artifact ${key.slice(0, 12)} contains its own ${MANIFEST}`, { file: dir }, `${MANIFEST} is reserved for the artifact store`);
  }
  const hashes = await hashFiles(listing.files.map((p) => join(dir, p)), { fsync: true });
  const files = listing.files.map((path, i) => ({ path, size: hashes[i].size, sha256: hashes[i].sha256 }));
  const manifest: Manifest = { key, createdAt: new Date().toISOString(), files };
  const fd = await open(join(dir, MANIFEST), 'wx');
  try {
    await fd.writeFile(JSON.stringify(manifest, null, 2) + '\n');
    await fd.sync();
  } finally {
    await fd.close();
  }
  for (const sub of folderPaths(files.map((f) => f.path))) await fsyncDir(join(dir, sub));
  return manifest;
}

/** Every folder that holds one of `paths`, the top ('') included: each one's entries must reach the disk. */
function folderPaths(paths: string[]): Set<string> {
  const folders = new Set(['']);
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  return folders;
}

/** Makes renames and new entries in a folder durable; not every platform can open a folder, which is fine. */
async function fsyncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r').catch(() => undefined);
  if (!fd) return;
  try {
    await fd.sync().catch(() => undefined);
  } finally {
    await fd.close();
  }
}

async function renameIfPresent(from: string, to: string): Promise<boolean> {
  try {
    await mkdir(join(to, '..'), { recursive: true });
    await rename(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** A path's stat, synchronously (a lookup's first look, for every stage of a run), or undefined if it cannot be had. */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
