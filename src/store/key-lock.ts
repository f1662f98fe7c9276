// Cross-process lock files, so that two `pipe run` processes never compute the same cache key at once.
//
// A lock is a file holding { pid, host, at, nonce }. It is written under a temporary name and hard-linked into
// place: link() fails if the lock exists, like open(..., 'wx'), but a reader never sees a half-written lock, so a
// process killed while taking a lock cannot leave an empty one that nobody dares to remove. A lock whose owner is
// a dead process of this host is stolen. The lock only saves duplicate work: if two processes ever computed the
// same key anyway, the artifact store's commit still leaves exactly one complete artifact.

import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CancelledError } from '../errors.js';
import { HOST, ownerAlive, type Owner } from './process-alive.js';

export interface LockOwner extends Owner {
  at: string;
  /** Tells this holder's lock from a later one of the same pid. */
  nonce: string;
}

export type ReleaseLock = () => Promise<void>;

/** Waits until the lock at `path` is ours (polling every `pollMs`); throws CancelledError once `signal` aborts. */
export async function acquireLock(path: string, options: { signal?: AbortSignal; pollMs?: number } = {}): Promise<ReleaseLock> {
  await mkdir(dirname(path), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: HOST, at: new Date().toISOString(), nonce: randomBytes(8).toString('hex') };
  for (;;) {
    if (options.signal?.aborted) throw new CancelledError('cancelled while waiting for another process to finish this stage');
    if (await tryCreate(path, me)) return () => releaseLock(path, me.nonce);
    const holder = await readLock(path);
    if (holder === 'gone') continue;
    if (holder === 'unreadable' || !ownerAlive(holder)) {
      await steal(path, holder);
      continue;
    }
    await sleep(options.pollMs ?? 200, options.signal);
  }
}

/** The owner of the lock at `path` if it is held by a live process, else undefined. */
export async function liveHolder(path: string): Promise<LockOwner | undefined> {
  const holder = await readLock(path);
  return typeof holder === 'object' && ownerAlive(holder) ? holder : undefined;
}

/** Removes the lock at `path` if its owner is dead, the same careful way a waiting process steals it. */
export async function removeDeadLock(path: string): Promise<void> {
  const holder = await readLock(path);
  if (holder === 'unreadable' || (holder !== 'gone' && !ownerAlive(holder))) await steal(path, holder);
}

async function tryCreate(path: string, me: LockOwner): Promise<boolean> {
  const tmp = `${path}.${me.nonce}.tmp`;
  await writeFile(tmp, JSON.stringify(me));
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function readLock(path: string): Promise<LockOwner | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.nonce === 'string'
      ? owner
      : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/**
 * Removes a dead lock. Two processes may find the same dead lock; the one that is slower could then remove the
 * fresh lock the faster one just took. So the lock is renamed aside first, and if what was taken is not the dead
 * lock that was seen, it is linked back.
 */
async function steal(path: string, seen: LockOwner | 'unreadable'): Promise<void> {
  const aside = `${path}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const taken = await readLock(aside);
  const someoneElses = typeof taken === 'object' && (seen === 'unreadable' || taken.nonce !== seen.nonce);
  if (someoneElses) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

/** Removes the lock only if it is still ours (a lock wrongly judged dead may have been taken over). */
async function releaseLock(path: string, nonce: string): Promise<void> {
  const holder = await readLock(path);
  if (typeof holder === 'object' && holder.nonce === nonce) await rm(path, { force: true });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
