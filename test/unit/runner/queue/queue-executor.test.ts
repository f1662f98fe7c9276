// The queue executor and `pipe worker`'s loop in one process, on a real redis-server, with stand-in stages: the
// scheduler's outcomes through BullMQ, the worker named in events, refusals, and Redis lost mid-run.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../../src/core/run-events.js';
import type { JsonObject } from '../../../../src/json.js';
import type { StageInstance } from '../../../../src/pipeline-spec/plan-types.js';
import { executePlan, type ExecuteResult } from '../../../../src/runner/execute-plan.js';
import { QueueExecutor } from '../../../../src/runner/queue/queue-executor.js';
import { parseRedisUrl } from '../../../../src/runner/queue/redis-target.js';
import { startStageWorker, type StageWorker } from '../../../../src/runner/queue/stage-worker.js';
import type { AnyStage } from '../../../../src/stages/stage.js';
import { ArtifactStore } from '../../../../src/store/artifact-store.js';
import { redisMissing, startRedis, type RedisServer } from '../../../helpers/redis-server.js';
import { instance, planOf, standInStages, tempProject } from '../runner-fixture.js';

const slow = (ms: number): AnyStage => ({
  type: 'slow',
  version: 1,
  paramsSchema: {} as JsonObject,
  usesSeed: false,
  scope: 'cell',
  run: async (ctx) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    writeFileSync(join(ctx.outDir, 'out.txt'), ctx.name);
    return {};
  },
});

interface Execution {
  result: ExecuteResult;
  events: RunEvent[];
}

async function execute(url: string, root: string, instances: StageInstance[], runId = 'r'): Promise<Execution> {
  const artifacts = new ArtifactStore(join(root, 'artifacts'));
  const executor = await QueueExecutor.open(parseRedisUrl(url), artifacts);
  const events: RunEvent[] = [];
  try {
    const result = await executePlan(planOf(instances), {
      runId,
      artifacts,
      stages: standInStages(),
      jobs: 1,
      force: new Set(),
      verify: 'stamp',
      runOptions: { projectDir: root },
      signal: new AbortController().signal,
      onEvent: (e) => events.push(e),
      executor,
    });
    return { result, events };
  } finally {
    await executor.close();
  }
}

async function worker(url: string, projectDir: string, stages: ReadonlyMap<string, AnyStage>): Promise<StageWorker> {
  return startStageWorker({ target: parseRedisUrl(url), projectDir, stages, concurrency: 2, lockMs: 5000, log: () => undefined });
}

const statuses = (r: ExecuteResult): Record<string, string> => Object.fromEntries(r.outcomes.map((o) => [o.id, o.status]));

describe.skipIf(redisMissing)('the queue executor with a pipe worker', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('runs each stage on the worker, names it in stage-started, and a second run reuses everything without a job', async () => {
    const root = tempProject();
    const w = await worker(redis.url, root, standInStages());
    try {
      const chain = [instance('a', []), instance('b', ['a']), instance('c', ['b']), instance('d', ['a'])];
      const first = await execute(redis.url, root, chain);
      expect(statuses(first.result)).toEqual({ a: 'ran', b: 'ran', c: 'ran', d: 'ran' });
      expect(first.result.outcomes.every((o) => o.worker === w.name)).toBe(true);
      const started = first.events.filter((e) => e.kind === 'stage-started');
      expect(started.map((e) => e.kind === 'stage-started' && e.worker)).toEqual([w.name, w.name, w.name, w.name]);
      expect(first.result.outcomes.find((o) => o.id === 'c')!.result?.metrics).toEqual({ n: 1 });
      const again = await execute(redis.url, root, chain, 'r2');
      expect(statuses(again.result)).toEqual({ a: 'cached', b: 'cached', c: 'cached', d: 'cached' });
      expect(again.events.some((e) => e.kind === 'stage-started')).toBe(false);
    } finally {
      await w.close();
    }
  });

  it('a stage that fails on the worker fails with its message and skips its dependants', async () => {
    const root = tempProject();
    const w = await worker(redis.url, root, standInStages());
    try {
      const { result } = await execute(redis.url, root, [instance('a', []), instance('b', ['a'], 'fails'), instance('c', ['b'])]);
      expect(statuses(result)).toEqual({ a: 'ran', b: 'failed', c: 'skipped' });
      expect(result.outcomes.find((o) => o.id === 'b')!.error).toBe('boom');
    } finally {
      await w.close();
    }
  });

  it('a worker with another version of a stage refuses its job, saying which versions differ', async () => {
    const root = tempProject();
    const other = new Map([...standInStages()].map(([type, s]) => [type, { ...s, version: 2 }]));
    const w = await worker(redis.url, root, other);
    try {
      const { result } = await execute(redis.url, root, [instance('a', [])]);
      expect(result.outcomes[0].status).toBe('failed');
      expect(result.outcomes[0].error).toMatch(/stage a: worker \S+ has writes version 2, the run needs version 1 .*run the same version of pipe on every worker/);
      expect((await new ArtifactStore(join(root, 'artifacts')).lookup(instance('a', []).key, { verify: 'full' })).ok).toBe(false);
    } finally {
      await w.close();
    }
  });

  it('a worker writing into another artifact folder than the coordinator reads: the stage fails saying they must share one', async () => {
    const root = tempProject();
    const w = await worker(redis.url, tempProject(), standInStages());
    try {
      const { result } = await execute(redis.url, root, [instance('a', [])]);
      expect(result.outcomes[0].status).toBe('failed');
      expect(result.outcomes[0].error).toMatch(/its artifact is not in .*\n\s+hint: the coordinator and every worker must share one artifact folder/);
    } finally {
      await w.close();
    }
  });
});

describe.skipIf(redisMissing)('Redis lost mid-run', () => {
  it('fails the running and waiting stages naming the URL, keeps what finished, and the next run resumes', async () => {
    const lost = await startRedis();
    const root = tempProject();
    const stages = new Map([...standInStages(), ['slow', slow(10_000)]]);
    const w = await worker(lost.url, root, stages);
    const artifacts = new ArtifactStore(join(root, 'artifacts'));
    const executor = await QueueExecutor.open(parseRedisUrl(lost.url), artifacts);
    const plan = planOf([instance('a', []), instance('b', ['a'], 'slow'), instance('c', ['b'])]);
    const running = executePlan(plan, {
      runId: 'r',
      artifacts,
      stages,
      jobs: 1,
      force: new Set(),
      verify: 'stamp',
      runOptions: { projectDir: root },
      signal: new AbortController().signal,
      onEvent: (e) => {
        if (e.kind === 'stage-started' && e.id === 'b') void lost.stop({ hard: true });
      },
      executor,
    });
    const t0 = Date.now();
    const result = await running;
    expect(Date.now() - t0).toBeLessThan(15_000);
    await executor.close();
    await w.close();
    expect(statuses(result)).toEqual({ a: 'ran', b: 'failed', c: 'skipped' });
    expect(result.outcomes[1].error).toMatch(new RegExp(`lost the connection to Redis at ${lost.url}[^\\n]*\\n\\s+hint: finished stages stay`));
    expect((await artifacts.lookup(instance('a', []).key, { verify: 'full' })).ok).toBe(true);

    const back = await startRedis();
    const again = await worker(back.url, root, stages);
    try {
      const next = await execute(back.url, root, plan.instances.map((i) => (i.type === 'slow' ? { ...i, type: 'writes' } : i)));
      expect(statuses(next.result)).toEqual({ a: 'cached', b: 'ran', c: 'ran' });
    } finally {
      await again.close();
      await back.stop();
    }
  }, 30_000);
});
