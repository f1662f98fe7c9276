import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../../src/errors.js';
import { ArtifactStore } from '../../../src/store/artifact-store.js';
import { deadPid, distStoreModule, keyOf, runScript, sleep, tempDir } from './helpers.js';

function settled(p: Promise<unknown>): () => boolean {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  return () => done;
}

describe('ArtifactStore.lockKey', () => {
  it('writes .locks/<key>.lock with this pid and host, and release removes it', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const key = keyOf('l');
    const release = await store.lockKey(key);
    const lock = JSON.parse(readFileSync(join(root, '.locks', `${key}.lock`), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, host: expect.any(String), at: expect.any(String) });
    await release();
    expect(readdirSync(join(root, '.locks'))).toEqual([]);
  });

  it('a second holder waits until the first releases', async () => {
    const store = new ArtifactStore(tempDir());
    const key = keyOf('l');
    const releaseFirst = await store.lockKey(key);
    const second = store.lockKey(key);
    const secondDone = settled(second);
    await sleep(500);
    expect(secondDone()).toBe(false);
    await releaseFirst();
    const releaseSecond = await second;
    await releaseSecond();
  });

  it('locks on different keys do not wait for each other', async () => {
    const store = new ArtifactStore(tempDir());
    const a = await store.lockKey(keyOf('a'));
    const b = await store.lockKey(keyOf('b'));
    await Promise.all([a(), b()]);
  });

  it('a lock held by another live process excludes this one until that process releases it', async () => {
    const root = tempDir();
    const key = keyOf('shared');
    const script = `
      const { ArtifactStore } = await import(process.argv[2]);
      const release = await new ArtifactStore(process.argv[3]).lockKey(process.argv[4]);
      process.stdout.write('locked');
      await new Promise((r) => setTimeout(r, 800));
      await release();
    `;
    const child = runScript(root, 'holder.mjs', script, [distStoreModule('artifact-store'), join(root, 'artifacts'), key]);
    const store = new ArtifactStore(join(root, 'artifacts'));
    const lockFile = join(root, 'artifacts', '.locks', `${key}.lock`);
    while (!existsSync(lockFile)) await sleep(10);
    const started = Date.now();
    const release = await store.lockKey(key);
    const waited = Date.now() - started;
    const result = await child;
    expect(result.stdout).toBe('locked');
    expect(waited).toBeGreaterThan(300);
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
    await release();
  });

  it('a lock left by a process killed while holding it is stolen', async () => {
    const root = tempDir();
    const key = keyOf('orphan');
    const script = `
      const { ArtifactStore } = await import(process.argv[2]);
      await new ArtifactStore(process.argv[3]).lockKey(process.argv[4]);
      process.kill(process.pid, 'SIGKILL');
    `;
    const result = await runScript(root, 'dies.mjs', script, [distStoreModule('artifact-store'), join(root, 'artifacts'), key]);
    expect(result.signal).toBe('SIGKILL');
    const lockFile = join(root, 'artifacts', '.locks', `${key}.lock`);
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).not.toBe(process.pid);
    const release = await new ArtifactStore(join(root, 'artifacts')).lockKey(key);
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
    await release();
  });

  it('a lock file naming a dead pid of this host, or holding garbage, is stolen', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const release = await store.lockKey(keyOf('x'));
    await release();
    const dead = await deadPid();
    writeFileSync(join(root, '.locks', `${keyOf('dead')}.lock`), JSON.stringify({ pid: dead, host: hostname(), at: 'then', nonce: 'n' }));
    writeFileSync(join(root, '.locks', `${keyOf('junk')}.lock`), '');
    await (await store.lockKey(keyOf('dead')))();
    await (await store.lockKey(keyOf('junk')))();
    expect(readdirSync(join(root, '.locks'))).toEqual([]);
  });

  it('a lock of a process on another host is not stolen (its pid means nothing here)', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    await (await store.lockKey(keyOf('x')))();
    const dead = await deadPid();
    writeFileSync(join(root, '.locks', `${keyOf('remote')}.lock`), JSON.stringify({ pid: dead, host: 'another-machine', at: 'now', nonce: 'n' }));
    const waiting = store.lockKey(keyOf('remote'), AbortSignal.timeout(400));
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
  });

  it('waiting stops with CancelledError when the signal aborts, while the lock is still held', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const release = await store.lockKey(keyOf('l'));
    const controller = new AbortController();
    const waiting = store.lockKey(keyOf('l'), controller.signal);
    await sleep(250);
    controller.abort();
    await expect(waiting).rejects.toThrow(CancelledError);
    // The waiter gave up on its own: the holder has not released yet.
    expect(existsSync(join(root, '.locks', `${keyOf('l')}.lock`))).toBe(true);
    await release();
  });

  it('release leaves alone a lock that is no longer its own', async () => {
    const root = tempDir();
    const store = new ArtifactStore(root);
    const key = keyOf('taken over');
    const release = await store.lockKey(key);
    const lockFile = join(root, '.locks', `${key}.lock`);
    const other = { pid: process.pid, host: 'elsewhere', at: 'now', nonce: 'someone-else' };
    writeFileSync(lockFile, JSON.stringify(other));
    await release();
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toEqual(other);
  });

  it('many waiters on one key hold it one at a time', async () => {
    const store = new ArtifactStore(tempDir());
    const key = keyOf('queue');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        const release = await store.lockKey(key);
        inside++;
        most = Math.max(most, inside);
        await sleep(30);
        inside--;
        await release();
      }),
    );
    expect(most).toBe(1);
  });
});
