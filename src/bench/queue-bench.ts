// `npm run bench -- --queue`: what running stages through Redis costs and gains. Overhead: a few hundred trivial
// stages run by one worker through the queue against the same stages in-process (both one at a time; the
// difference per stage is the queue's). Speed-up: CPU-bound stages with one worker process, then two. Every
// measurement has fresh keys, so nothing is reused.
// Redis: PIPE_QUEUE if set, else a redis-server started on a free loopback port for the benchmark.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '../json.js';
import type { Plan, StageInstance } from '../pipeline-spec/plan-types.js';
import { executePlan } from '../runner/execute-plan.js';
import type { Executor } from '../runner/executor.js';
import { QueueExecutor } from '../runner/queue/queue-executor.js';
import { parseRedisUrl } from '../runner/queue/redis-target.js';
import { ArtifactStore } from '../store/artifact-store.js';
import { benchStages } from './bench-stages.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface QueueBenchResult {
  redis: string;
  overhead: { stages: number; local_ms_per_stage: number; queue_ms_per_stage: number; overhead_ms_per_stage: number };
  speedup: { stages: number; one_worker_s: number; two_workers_s: number; speedup: number };
  load_average: number[];
}

export async function queueBench(): Promise<QueueBenchResult> {
  const redis = process.env.PIPE_QUEUE ? { url: process.env.PIPE_QUEUE, stop: async () => undefined } : await startRedis();
  try {
    // Each the best of two, one after the other: on a shared machine another process's burst hits one try only.
    const n = 300;
    const local = await best(() => timed(plan(n, 'noop', {}), undefined));
    const queued = await best(() => withWorkers(redis.url, 1, (executor, project) => timed(plan(n, 'noop', {}), executor, project)));
    const spin = (): Plan => plan(8, 'spin', { rounds: 1200 });
    const one = await best(() => withWorkers(redis.url, 1, (executor, project) => timed(spin(), executor, project)));
    const two = await best(() => withWorkers(redis.url, 2, (executor, project) => timed(spin(), executor, project)));
    return {
      redis: redis.url,
      overhead: {
        stages: n,
        local_ms_per_stage: round(local / n),
        queue_ms_per_stage: round(queued / n),
        overhead_ms_per_stage: round((queued - local) / n),
      },
      speedup: { stages: spin().instances.length, one_worker_s: round(one / 1000), two_workers_s: round(two / 1000), speedup: round(one / two) },
      load_average: loadavg().map(round),
    };
  } finally {
    await redis.stop();
  }
}

/** `count` independent instances of `type` with keys no earlier run has used. */
function plan(count: number, type: string, params: JsonObject): Plan {
  const salt = randomBytes(8).toString('hex');
  const instances: StageInstance[] = Array.from({ length: count }, (_, i) => ({
    id: `${type}[${i}]`,
    name: type,
    type,
    version: 1,
    params,
    seed: 1,
    needs: [],
    key: createHash('sha256').update(`${salt}/${i}`).digest('hex'),
    cells: ['c'],
    place: {},
  }));
  return { name: 'bench', specPath: 'bench', specHash: salt, overrides: {}, resolved: {}, cells: [{ id: 'c', values: {}, seed: 1 }], instances };
}

/** Wall time (ms) of executing `p` in `project` (a fresh folder when not given): locally one at a time, or through `executor`. */
async function timed(p: Plan, executor: Executor | undefined, project = mkdtempSync(join(tmpdir(), 'pipe-qbench-'))): Promise<number> {
  const t0 = performance.now();
  const result = await executePlan(p, {
    runId: 'bench',
    artifacts: new ArtifactStore(join(project, 'artifacts')),
    stages: benchStages,
    jobs: 1,
    force: new Set(),
    verify: 'stamp',
    runOptions: { projectDir: project },
    signal: new AbortController().signal,
    onEvent: () => undefined,
    executor,
  });
  const ms = performance.now() - t0;
  if (result.status !== 'succeeded') throw new Error(`bench run ${result.status}: ${result.outcomes.find((o) => o.error)?.error ?? ''}`);
  return ms;
}

/** Runs `body` with `count` worker processes (one stage at a time each) following the queue, all ready first. */
async function withWorkers<T>(url: string, count: number, body: (executor: Executor, project: string) => Promise<T>): Promise<T> {
  const project = mkdtempSync(join(tmpdir(), 'pipe-qbench-'));
  const workers = Array.from({ length: count }, () => spawn(process.execPath, [join(here, 'queue-bench-worker.js'), url, project], { stdio: ['ignore', 'pipe', 'inherit'] }));
  try {
    await Promise.all(workers.map(ready));
    const executor = await QueueExecutor.open(parseRedisUrl(url), new ArtifactStore(join(project, 'artifacts')));
    try {
      return await body(executor, project);
    } finally {
      await executor.close();
    }
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode === null ? w.once('exit', r) : r(undefined)))));
    rmSync(project, { recursive: true, force: true });
  }
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`a bench worker exited (${code})`)));
  });
}

async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'pipe-qbench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.once('error', () => reject(new Error('redis-server not found: install it (apt-get install redis-server) or set PIPE_QUEUE')));
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()).includes('Ready to accept connections') && resolve());
    child.once('exit', () => reject(new Error(`redis-server exited:\n${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function best(measure: () => Promise<number>): Promise<number> {
  return Math.min(await measure(), await measure());
}

const round = (x: number): number => Math.round(x * 100) / 100;
