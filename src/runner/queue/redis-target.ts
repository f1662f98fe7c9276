// Which Redis the queue lives in (`--queue redis://host:6379[/db]`, or PIPE_QUEUE), and whether it answers. A URL
// that is not one, or a Redis that does not answer, is the user's input to fix: a QueueError (exit 2) naming the
// URL, never a stack trace or ioredis' endless reconnecting.

import { Redis } from 'ioredis';
import { QueueError } from '../../errors.js';

export interface RedisTarget {
  /** The URL as shown to users: no password. */
  url: string;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
}

const HINT = 'give the URL of a running Redis, e.g. --queue redis://127.0.0.1:6379 (or set PIPE_QUEUE); docs/distributed.md';

export function parseRedisUrl(text: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new QueueError(`--queue ${text}: not a URL`, {}, HINT);
  }
  if (url.protocol !== 'redis:') throw new QueueError(`--queue ${text}: not a redis:// URL`, {}, HINT);
  const port = url.port ? Number(url.port) : 6379;
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw new QueueError(`--queue ${text}: the path must be a database number (redis://host:6379/1)`, {}, HINT);
  const shown = new URL(url.href);
  shown.password = '';
  return {
    url: shown.href.replace(/\/$/, ''),
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    db: path === '' ? 0 : Number(path),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
}

/** ioredis options for BullMQ's connections: commands wait through a reconnect instead of failing (BullMQ needs this). */
export function connectionOptions(target: RedisTarget): ConnectionOptions {
  const { host, port, db, username, password } = target;
  return { host, port, db, username, password, maxRetriesPerRequest: null };
}

/** What both ioredis and BullMQ accept as connection options. */
export interface ConnectionOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  maxRetriesPerRequest: null;
}

/**
 * A connection of our own, opened once: resolves when Redis answers PING, else throws a QueueError saying why.
 * `onLost` is called once if the connection later drops and cannot be re-established within `graceMs`.
 */
export async function connectRedis(target: RedisTarget, options: { graceMs?: number; onLost?: (why: string) => void } = {}): Promise<Redis> {
  const graceMs = options.graceMs ?? 5000;
  let connected = false;
  let lastError = '';
  let downSince: number | undefined;
  const client = new Redis({
    ...connectionOptions(target),
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 1,
    // Before the first connection: fail at once. After: retry every 500 ms for graceMs, then give up ('end').
    retryStrategy: () => {
      if (!connected) return null;
      downSince ??= Date.now();
      return Date.now() - downSince < graceMs ? 500 : null;
    },
  });
  client.on('error', (err: Error) => {
    lastError = describeRedisError(err);
  });
  client.on('ready', () => {
    downSince = undefined;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw new QueueError(
      `cannot reach Redis at ${target.url}: ${lastError || describeRedisError(err) || 'no answer'}`,
      {},
      `start Redis there (redis-server --port ${target.port}) or give another URL with --queue or PIPE_QUEUE; docs/distributed.md`,
    );
  }
  connected = true;
  client.once('end', () => options.onLost?.(`lost the connection to Redis at ${target.url}${lastError ? ` (${lastError})` : ''}`));
  return client;
}

function describeRedisError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'no such host';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'ECONNRESET':
      return 'connection reset';
  }
  const message = e instanceof Error ? e.message : String(err ?? '');
  if (/NOAUTH|WRONGPASS|invalid password/i.test(message)) return 'authentication failed';
  return message.split('\n')[0];
}
