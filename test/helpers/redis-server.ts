// A real redis-server for queue tests: on a free loopback port, in a temporary folder, without persistence, stopped
// afterwards. Where the binary is missing, `redisMissing` says so in one line and the tests skip.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });

/** Why queue tests skip here, or undefined when redis-server can be run. */
export const redisMissing: string | undefined =
  found.status === 0 ? undefined : 'skipped: redis-server is not installed (apt-get install redis-server); CI installs it';

if (redisMissing) console.log(redisMissing);

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGKILL with `hard`: as if the machine went away) and removes its folder. */
  stop(options?: { hard?: boolean }): Promise<void>;
}

/** A port nothing listens on now (the server is started on it right after: a small race, fine in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pipe-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await ready(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async (options = {}) => {
      if (child.exitCode === null) child.kill(options.hard ? 'SIGKILL' : 'SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => reject(new Error(`redis-server exited:\n${output}`)));
  });
}
