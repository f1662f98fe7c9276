// Cross-process lock files, so that two `pipe run` processes never compute the same cache key at once.
//
// A lock is a file holding { pid, host, at, nonce }. It is written under a temporary name and hard-linked into
// place: link() fails if the lock exists, like open(..., 'wx'), but a reader never sees a half-written lock, so a
// process killed while taking a lock cannot leave an empty one that nobody dares to remove. The lock only saves
// duplicate work: if two processes ever computed the same key anyway, the artifact store's commit still leaves
// exactly one complete artifact.
//
// Who may break a lock: on this host, anyone once the holder's process is gone (a zombie or a reused pid counts as
// gone, see process-alive.ts). Across hosts a pid says nothing, so a lock is also a lease: the holder rewrites it
// (renewedAt) every third of leaseMs, and a process of another host may break it once renewedAt + leaseMs has
// passed. That is what pipe workers on several machines sharing one artifact folder need: they take the same lock
// files through acquireLock, and a machine that dies mid-stage frees its keys when its leases lapse.

import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CancelledError } from '../errors.js';
import { HOST, MY_START, processAlive, type Owner } from './process-alive.js';

export interface LockOwner extends Owner {
  at: string;
  /** Tells this holder's lock from a later one of the same pid. */
  nonce: string;
  /** When the holder last renewed the lease (ms since the epoch), and how long a renewal holds. */
  renewedAt?: number;
  leaseMs?: number;
}

/** How long a lock's lease holds without renewal; it is renewed three times within that. */
export const LEASE_MS = 60_000;

/**
 * Whether `holder` still holds its lock: a process of this host while it lives; one of another host while its
 * lease runs (a lock written before leases, without renewedAt, counts as held, as before).
 */
export function holderAlive(holder: LockOwner, now = Date.now()): boolean {
  if (holder.host === HOST) return processAlive(holder.pid, holder.start);
  if (holder.renewedAt === undefined || holder.leaseMs === undefined) return true;
  return now <= holder.renewedAt + holder.leaseMs;
}

export type ReleaseLock = () => Promise<void>;

/** Waits until the lock at `path` is ours (polling every `pollMs`); throws CancelledError once `signal` aborts. */
export async function acquireLock(path: string, options: { signal?: AbortSignal; pollMs?: number; leaseMs?: number } = {}): Promise<ReleaseLock> {
  await mkdir(dirname(path), { recursive: true });
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const me: LockOwner = {
    pid: process.pid,
    host: HOST,
    ...(MY_START !== undefined ? { start: MY_START } : {}),
    at: new Date().toISOString(),
    nonce: randomBytes(8).toString('hex'),
    renewedAt: Date.now(),
    leaseMs,
  };
  for (;;) {
    if (options.signal?.aborted) throw new CancelledError('cancelled while waiting for another process to finish this stage');
    if (await tryCreate(path, { ...me, renewedAt: Date.now() })) {
      const renewal = setInterval(() => void renewLease(path, me).catch(() => undefined), leaseMs / 3);
      renewal.unref();
      return async () => {
        clearInterval(renewal);
        await releaseLock(path, me.nonce);
      };
    }
    const holder = await readLock(path);
    if (holder === 'gone') continue;
    if (holder === 'unreadable' || !holderAlive(holder)) {
      await steal(path, holder);
      continue;
    }
    await sleep(options.pollMs ?? 200, options.signal);
  }
}

/** The owner of the lock at `path` if it is held by a live process, else undefined. */
export async function liveHolder(path: string): Promise<LockOwner | undefined> {
  const holder = await readLock(path);
  return typeof holder === 'object' && holderAlive(holder) ? holder : undefined;
}

/** Removes the lock at `path` if its owner is dead, the same careful way a waiting process steals it. */
export async function removeDeadLock(path: string): Promise<void> {
  const holder = await readLock(path);
  if (holder === 'unreadable' || (holder !== 'gone' && !holderAlive(holder))) await steal(path, holder);
}

/** Rewrites our lock with a new renewedAt, renamed into place, if it is still ours. */
async function renewLease(path: string, me: LockOwner): Promise<void> {
  const holder = await readLock(path);
  if (typeof holder !== 'object' || holder.nonce !== me.nonce) return;
  const tmp = `${path}.${me.nonce}.renew`;
  await writeFile(tmp, JSON.stringify({ ...me, renewedAt: Date.now() }));
  await rename(tmp, path);
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
