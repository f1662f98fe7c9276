// Live `pipe worker`s, for `pipe workers`: each worker keeps a key in Redis (its host, pid, project folder, pipe
// version, concurrency and the stages it is running) that expires unless renewed, so a worker that died drops out
// of the list within WORKER_TTL_S.

import type { Redis } from 'ioredis';

export interface WorkerInfo {
  name: string;
  host: string;
  pid: number;
  pipe: string | null;
  project: string;
  concurrency: number;
  startedAt: string;
  /** Stage instance ids (with their run) being computed now. */
  running: { stage: string; key: string; runId: string }[];
}

export const WORKER_TTL_S = 15;
const PREFIX = 'pipe:worker:';

export async function announceWorker(redis: Redis, info: WorkerInfo): Promise<void> {
  await redis.set(PREFIX + info.name, JSON.stringify(info), 'EX', WORKER_TTL_S);
}

export async function retireWorker(redis: Redis, name: string): Promise<void> {
  await redis.del(PREFIX + name);
}

export async function listWorkers(redis: Redis): Promise<WorkerInfo[]> {
  const names: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 200);
    names.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  if (!names.length) return [];
  const values = await redis.mget(...names);
  return values
    .flatMap((v) => {
      try {
        return v ? [JSON.parse(v) as WorkerInfo] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
