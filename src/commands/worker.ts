// `pipe worker --queue URL`: run stages for coordinators on any machine that shares the artifact folder, until
// stopped. `pipe workers --queue URL`: the workers following that queue now.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { NoProjectError, QueueError } from '../errors.js';
import { connectRedis, parseRedisUrl, type RedisTarget } from '../runner/queue/redis-target.js';
import { startStageWorker } from '../runner/queue/stage-worker.js';
import { listWorkers } from '../runner/queue/worker-registry.js';
import { stageRegistry } from '../stages/registry.js';

export interface WorkerCommandOptions {
  queue?: string;
  concurrency: number;
  project?: string;
  /** Seconds a job's lock holds without renewal (see StageWorkerOptions.lockMs). */
  lockSeconds: number;
}

export async function workerCommand(opts: WorkerCommandOptions): Promise<number> {
  const target = queueTarget(opts.queue, 'pipe worker');
  const projectDir = resolve(opts.project ?? process.cwd());
  if (!statSync(projectDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new NoProjectError(`--project ${projectDir}: no such folder`, {}, 'give the project folder whose artifacts/ the coordinators use (a folder every machine mounts)');
  }
  const worker = await startStageWorker({
    target,
    projectDir,
    stages: stageRegistry,
    // Computed in threads of their own, so that a long stage never keeps the job's lock from being renewed.
    stageModule: { url: new URL('../stages/registry.js', import.meta.url).href, exportName: 'stageRegistry' },
    concurrency: opts.concurrency,
    lockMs: opts.lockSeconds * 1000,
    log: (line) => process.stdout.write(line + '\n'),
  });
  await new Promise<void>((done) => {
    let signals = 0;
    const stop = (): void => {
      signals += 1;
      if (signals > 1) process.exit(130);
      process.stderr.write('stopping: stages running here go back to the queue for another worker; press Ctrl-C again to quit now\n');
      void worker.close().then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

export async function workersCommand(opts: { queue?: string; json?: boolean }): Promise<number> {
  const target = queueTarget(opts.queue, 'pipe workers');
  const redis = await connectRedis(target);
  try {
    const workers = await listWorkers(redis);
    if (opts.json) {
      process.stdout.write(JSON.stringify({ queue: target.url, workers }, null, 2) + '\n');
      return 0;
    }
    if (!workers.length) {
      process.stdout.write(`no pipe worker follows ${target.url} (start one with: pipe worker --queue ${target.url} --project DIR)\n`);
      return 0;
    }
    for (const w of workers) {
      const running = w.running.length ? `running ${w.running.map((r) => r.stage).join(', ')}` : 'idle';
      process.stdout.write(`${w.name}  pipe ${w.pipe ?? '?'}  ${w.running.length}/${w.concurrency} busy  ${w.project}  ${running}\n`);
    }
    return 0;
  } finally {
    redis.disconnect();
  }
}

function queueTarget(url: string | undefined, command: string): RedisTarget {
  if (!url) throw new QueueError(`${command} needs the queue's Redis URL`, {}, 'give --queue redis://HOST:6379 or set PIPE_QUEUE');
  return parseRedisUrl(url);
}
