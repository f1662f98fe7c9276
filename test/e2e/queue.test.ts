// `pipe run --queue` through the CLI: a coordinator and `pipe worker` processes on a real redis-server, the demo
// pipeline giving the same keys and metrics as a local run, a worker SIGKILLed during training, two coordinators
// of one spec at once, and Redis unreachable at start.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, parseSummary, pipe, pipeAsync, type SummaryStage } from '../helpers/cli.js';
import { expectNoInternals } from '../helpers/no-internals.js';
import { freePort, redisMissing, startRedis, type RedisServer } from '../helpers/redis-server.js';

type Worker = ReturnType<typeof pipeAsync>;

/**
 * A `pipe worker` process; resolves once it follows the queue. A job's lock lapses after `lockSeconds` without
 * renewal: short locks hand a killed worker's job on sooner, long ones keep an overloaded machine (2 cores shared
 * with other test files) from handing a job on while its worker lives.
 */
async function startWorker(dir: string, url: string, lockSeconds = 20): Promise<Worker> {
  const w = pipeAsync(dir, ['worker', '--queue', url, '--concurrency', '1', '--lock-seconds', String(lockSeconds)]);
  await until(() => /^worker \S+:/m.test(w.output()), 30_000, () => `worker did not start:\n${w.output()}`);
  return w;
}

async function until(ok: () => boolean, ms: number, why: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Metrics that measure the machine (speed), not the result. */
const withoutTimings = (metrics: Record<string, number> = {}): Record<string, number> =>
  Object.fromEntries(Object.entries(metrics).filter(([k]) => !/PerSecond$|^gflops$|^msPer/.test(k)));

async function stopWorkers(workers: Worker[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.done));
}

const byId = (stages: SummaryStage[]): Record<string, SummaryStage> => Object.fromEntries(stages.map((s) => [s.id, s]));
/** `ran <id> <key prefix>` lines of worker logs: each one a stage the worker computed. */
const ranLines = (workers: Worker[]): string[] => workers.flatMap((w) => w.output().split('\n').filter((l) => /^ran\s/.test(l)));

describe('pipe run --queue with Redis unreachable', () => {
  it('exits 2 naming the URL with a hint, no stack trace, and records no run', async () => {
    const dir = makeProject('pipe-queue-');
    const url = `redis://127.0.0.1:${await freePort()}`;
    const r = await pipe(dir, ['run', 'pipelines/demo.yaml', '--queue', url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot reach Redis at ${url}: connection refused`);
    expect(r.stderr).toMatch(/hint: start Redis there .* or give another URL with --queue or PIPE_QUEUE/);
    expectNoInternals(r);
    const runs = await pipe(dir, ['runs', '--json']);
    expect(runs.code === 2 || JSON.parse(runs.stdout).length === 0, runs.stdout).toBe(true);
    const env = await pipe(dir, ['workers'], { PIPE_QUEUE: url });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain(`cannot reach Redis at ${url}`);
  });
});

describe('pipe run --queue with a module stage', () => {
  it('refuses the spec at the module stage before queueing anything (workers run built-in stages only), exit 2', async () => {
    const dir = makeProject('pipe-queue-');
    mkdirSync(join(dir, 'stages'));
    writeFileSync(
      join(dir, 'stages', 'mine.js'),
      "export default { type: 'mine', version: 1, usesSeed: false, scope: 'cell', paramsSchema: { type: 'object' }, run: async () => ({}) };\n",
    );
    writeFileSync(join(dir, 'spec.yaml'), 'name: m\nstages:\n  mine: { type: ./stages/mine.js }\n');
    const r = await pipe(dir, ['run', 'spec.yaml', '--queue', `redis://127.0.0.1:${await freePort()}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('spec.yaml:3:3 stages.mine: --queue: stage mine is a module stage (type mine), and pipe worker runs built-in stages only');
  });
});

describe.skipIf(redisMissing)('pipe run --queue with two pipe workers', () => {
  let redis: RedisServer;
  let dir: string;
  let workers: Worker[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    dir = makeProject('pipe-queue-');
    workers = await Promise.all([startWorker(dir, redis.url), startWorker(dir, redis.url)]);
  }, 60_000);

  afterAll(async () => {
    await stopWorkers(workers);
    await redis?.stop();
  }, 30_000);

  it('pipe workers lists both workers with the project they serve', async () => {
    const r = await pipe(dir, ['workers', '--queue', redis.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const listed = JSON.parse(r.stdout) as { workers: { project: string; concurrency: number; running: unknown[] }[] };
    expect(listed.workers).toHaveLength(2);
    expect(listed.workers.every((w) => w.project === dir && w.concurrency === 1)).toBe(true);
  });

  it('the demo through a coordinator and the workers: same stage keys and metrics as a local run, each stage computed once', async () => {
    const args = ['run', 'pipelines/demo.yaml', '--json', '--set', 'train.epochs=6', '--set', 'train.patience=6'];
    const [queued, local] = await Promise.all([pipe(dir, [...args, '--queue', redis.url]), pipe(makeProject('pipe-local-'), args)]);
    expect(queued.code, queued.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);
    const q = byId(parseSummary(queued.stdout).stages);
    const l = byId(parseSummary(local.stdout).stages);
    expect(Object.keys(q)).toEqual(['ingest', 'normalize', 'split', 'chunk', 'features', 'train', 'evaluate']);
    for (const id of Object.keys(l)) {
      expect(q[id].key, id).toBe(l[id].key);
      expect(q[id].status, id).toBe('ran');
      expect(withoutTimings(q[id].metrics), id).toEqual(withoutTimings(l[id].metrics));
    }
    expect(q.evaluate.metrics!.accuracy).toBeGreaterThan(0);
    expect(ranLines(workers)).toHaveLength(7);
    // The coordinator recorded the run; the stage results say which worker computed each stage.
    const shown = await pipe(dir, ['show', parseSummary(queued.stdout).runId, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).run.status).toBe('succeeded');
  }, 180_000);

  it('two coordinators of one spec at once: each stage is computed once, and both runs succeed with the same keys', async () => {
    const before = ranLines(workers).length;
    const args = ['run', 'pipelines/demo.yaml', '--json', '--queue', redis.url, '--set', 'ingest.count=140', '--set', 'train.epochs=3'];
    const [a, b] = await Promise.all([pipe(dir, args), pipe(dir, args)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const sa = parseSummary(a.stdout).stages;
    const sb = parseSummary(b.stdout).stages;
    expect(sa.map((s) => s.key)).toEqual(sb.map((s) => s.key));
    for (const [i, s] of sa.entries()) {
      expect([s.status, sb[i].status].sort(), s.id).toEqual(['cached', 'ran']);
    }
    expect(ranLines(workers).length - before).toBe(7);
  }, 180_000);

  it('a worker SIGKILLed during training: the other worker takes the job, training resumes from its checkpoint, the run succeeds', async () => {
    // 2 s locks: the job of the killed worker moves on within about 4 s.
    await stopWorkers(workers);
    workers = await Promise.all([startWorker(dir, redis.url, 2), startWorker(dir, redis.url, 2)]);
    const args = ['run', 'pipelines/demo.yaml', '--plain', '--queue', redis.url, '--set', 'train.epochs=16', '--set', 'train.patience=16'];
    const run = pipeAsync(dir, args);
    await until(() => /epoch\s+train 2\//.test(run.output()), 120_000, () => `training did not start:\n${run.output()}`);
    const victim = workers.find((w) => /^took\s+train /m.test(w.output()))!;
    victim.child.kill('SIGKILL');
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('its worker stopped answering: the stage goes back to the queue for another worker');
    expect(result.stdout).toMatch(/cached\s+features/);
    const survivor = workers.find((w) => w !== victim)!;
    expect(survivor.output()).toMatch(/^ran\s+train /m);
    const again = await pipe(dir, [...args.filter((a) => a !== '--plain'), '--json']);
    const train = byId(parseSummary(again.stdout).stages).train;
    expect(train.status).toBe('cached');
    const trained = JSON.parse(readFileSync(join(dir, 'artifacts', train.key, 'train.json'), 'utf8')) as { resumedFrom: number };
    expect(trained.resumedFrom).toBeGreaterThanOrEqual(2);
    expect(ranLines(workers)).toHaveLength(2);
  }, 180_000);
});
