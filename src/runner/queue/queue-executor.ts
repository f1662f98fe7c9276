// The queue executor: each task becomes a BullMQ job (id = cache key) that a `pipe worker` on any machine sharing the
// artifact folder runs; this process (the coordinator) follows the jobs through BullMQ's event stream and stays the
// only writer of experiments.db. A verified artifact is reused here without a job, as a local run would.

import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunEventListener } from '../../core/run-events.js';
import type { ArtifactStore } from '../../store/artifact-store.js';
import type { Execution, Executor, StageTask } from '../executor.js';
import { describeError } from '../describe-error.js';
import { readStageResult } from '../stage-result-file.js';
import { packageVersions } from '../versions.js';
import { connectionOptions, connectRedis, type RedisTarget } from './redis-target.js';
import { jobPriority, QUEUE_NAME, type StageJobData, type StageJobProgress, type StageJobResult } from './stage-job.js';

interface Waiter {
  task: StageTask;
  data: StageJobData;
  emit: RunEventListener;
  since: number;
  signal: AbortSignal;
  /** When a worker began computing the stage for a job of this run (one that finds it computed sends no start). */
  started?: number;
  settle(x: Execution): void;
}

/**
 * How often jobs waited on for a while are queued again. Adding is a no-op while the job exists (same id); it
 * matters only if the job vanished without an event reaching us (Redis restarted empty, the event stream trimmed),
 * and then a worker computes the stage or, finding its artifact, reports it at once.
 */
const REQUEUE_MS = 15_000;

export class QueueExecutor implements Executor {
  private readonly waiters = new Map<string, Waiter>();
  private lost: string | undefined;
  /** Signals with our one abort listener (one per run, not one per waiting stage). */
  private readonly watched = new WeakSet<AbortSignal>();
  private readonly requeue: NodeJS.Timeout;
  private readonly pipeVersion = packageVersions().pipe;

  private constructor(
    readonly target: RedisTarget,
    private readonly artifacts: ArtifactStore,
    private readonly monitor: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
  ) {
    events.on('progress', ({ jobId, data }) => this.progress(jobId, data as StageJobProgress));
    events.on('completed', ({ jobId, returnvalue }) => void this.completed(jobId, returnvalue as unknown as StageJobResult | string));
    events.on('failed', ({ jobId, failedReason }) => this.waiters.get(jobId)?.settle({ status: 'failed', ms: this.msOf(jobId), error: failedReason }));
    events.on('stalled', ({ jobId }) => this.stalled(jobId));
    this.requeue = setInterval(() => void this.queueAgain(), REQUEUE_MS);
    this.requeue.unref();
  }

  /** Connects (a QueueError naming the URL if Redis does not answer) and starts following the queue's events. */
  static async open(target: RedisTarget, artifacts: ArtifactStore): Promise<QueueExecutor> {
    let executor: QueueExecutor | undefined;
    let lostEarly: string | undefined;
    const monitor = await connectRedis(target, { onLost: (why) => (executor ? executor.lose(why) : (lostEarly = why)) });
    // Follow events from now on by Redis' own clock (a stream id is its milliseconds), whatever this host's clock says.
    const [seconds, micros] = (await monitor.time()) as [number | string, number | string];
    const lastEventId = `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}-0`;
    const connection = connectionOptions(target);
    const queue = new Queue(QUEUE_NAME, { connection });
    const events = new QueueEvents(QUEUE_NAME, { connection, lastEventId });
    // BullMQ reports connection trouble as 'error' events; the monitor connection decides when Redis is lost.
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    executor = new QueueExecutor(target, artifacts, monitor, queue, events);
    if (lostEarly) executor.lose(lostEarly);
    return executor;
  }

  /** Live `pipe worker`s following this queue. */
  async workerCount(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  async run(task: StageTask, emit: RunEventListener, signal: AbortSignal): Promise<Execution> {
    const t0 = Date.now();
    if (this.lost) return { status: 'failed', ms: 0, error: this.lostMessage() };
    if (signal.aborted) return { status: 'skipped', ms: 0, error: 'run cancelled' };
    if (!task.forced) {
      try {
        const hit = await this.artifacts.lookup(task.inst.key, { verify: task.verify });
        if (hit.ok) return { status: 'cached', ms: Date.now() - t0, dir: hit.dir, result: await readStageResult(hit.dir) };
      } catch (err) {
        return { status: 'failed', ms: Date.now() - t0, error: describeError(err) };
      }
    }
    const key = task.inst.key;
    const data: StageJobData = {
      pipe: this.pipeVersion,
      runId: task.runId,
      instance: task.inst,
      inputs: task.inputs.map(({ dir: _dir, ...input }) => input),
      forced: task.forced,
      verify: task.verify,
      ...(task.runOptions.backend ? { backend: task.runOptions.backend } : {}),
    };
    this.watch(signal);
    return new Promise<Execution>((resolve) => {
      const waiter: Waiter = {
        task,
        data,
        emit,
        since: t0,
        signal,
        settle: (x) => {
          if (this.waiters.get(key) !== waiter) return;
          this.waiters.delete(key);
          resolve(x);
        },
      };
      // Registered before the job is added, so that no event of it can come first.
      this.waiters.set(key, waiter);
      this.add(waiter);
    });
  }

  /** Stops following the queue. Jobs already queued stay there: workers finish them and the next run reuses them. */
  async close(): Promise<void> {
    clearInterval(this.requeue);
    if (!this.lost) {
      const closing = Promise.all([this.events.close(), this.queue.close(), this.monitor.quit()]).catch(() => undefined);
      await Promise.race([closing, new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
    }
    // Whatever did not close (Redis is gone): drop the connections, so that nothing reconnects or keeps us alive.
    for (const client of [this.events, this.queue]) void client.disconnect().catch(() => undefined);
    this.monitor.disconnect();
  }

  /** Once `signal` aborts, the stages waiting under it end skipped (their jobs stay queued; see close). */
  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener(
      'abort',
      () => {
        for (const w of [...this.waiters.values()]) if (w.signal === signal) w.settle({ status: 'skipped', ms: Date.now() - w.since, error: 'run cancelled' });
      },
      { once: true },
    );
  }

  private add(waiter: Waiter): void {
    const { task, data } = waiter;
    this.queue
      .add(task.inst.type, data, { jobId: task.inst.key, priority: jobPriority(task.depth), removeOnComplete: true, removeOnFail: true })
      .catch((err: unknown) => waiter.settle({ status: 'failed', ms: 0, error: `could not queue the stage on ${this.target.url}: ${(err as Error).message}` }));
  }

  private progress(jobId: string, data: StageJobProgress): void {
    const waiter = this.waiters.get(jobId);
    if (!waiter || typeof data !== 'object' || data === null) return;
    const { id, key } = waiter.task.inst;
    if (data.kind === 'started') {
      if (data.runId === waiter.task.runId) waiter.started ??= Date.now();
      waiter.emit({ kind: 'stage-started', id, key, worker: data.worker });
    }
    else if (data.kind === 'progress') waiter.emit({ kind: 'stage-progress', id, progress: data.progress });
  }

  private async completed(jobId: string, value: StageJobResult | string): Promise<void> {
    const waiter = this.waiters.get(jobId);
    if (!waiter) return;
    const reply = typeof value === 'string' ? (JSON.parse(value) as StageJobResult) : value;
    const { task } = waiter;
    // The worker committed into the artifact folder it mounts; this is only true if it is the one we read.
    const hit = await this.artifacts.lookup(task.inst.key, { verify: 'stamp' }).catch((err: unknown) => ({ ok: false as const, reason: describeError(err) }));
    if (!hit.ok) {
      waiter.settle({
        status: 'failed',
        ms: reply.ms,
        error:
          `worker ${reply.worker} finished the stage, but its artifact is not in ${this.artifacts.root} (${hit.reason})\n` +
          `  hint: the coordinator and every worker must share one artifact folder (pipe worker --project DIR); docs/distributed.md`,
      });
      return;
    }
    // A job queued by another run (two coordinators wanted the stage at once) computed it for that run: for this
    // one it was there to reuse. A job of ours whose first worker was thought dead while it was still computing
    // ends on the worker that took it over finding the artifact: computed for this run all the same.
    const ours = reply.runId === task.runId;
    if (ours && (reply.status === 'ran' || waiter.started !== undefined)) {
      const ms = reply.status === 'ran' ? reply.ms : Date.now() - waiter.started!;
      waiter.settle({ status: 'ran', ms, dir: hit.dir, result: reply.result, worker: reply.worker });
    } else {
      waiter.settle({ status: 'cached', ms: Date.now() - waiter.since, dir: hit.dir, result: reply.result, worker: reply.worker });
    }
  }

  private stalled(jobId: string): void {
    const waiter = this.waiters.get(jobId);
    if (!waiter) return;
    const message = 'its worker stopped answering: the stage goes back to the queue for another worker (training resumes from its last checkpoint)';
    waiter.emit({ kind: 'stage-progress', id: waiter.task.inst.id, progress: { kind: 'log', level: 'warn', message } });
  }

  private async queueAgain(): Promise<void> {
    const now = Date.now();
    for (const waiter of this.waiters.values()) if (now - waiter.since > REQUEUE_MS) this.add(waiter);
  }

  private lose(why: string): void {
    this.lost = why;
    for (const waiter of [...this.waiters.values()]) waiter.settle({ status: 'failed', ms: Date.now() - waiter.since, error: this.lostMessage() });
  }

  private lostMessage(): string {
    return `${this.lost}\n  hint: finished stages stay in the artifact folder; run again once Redis is back and the next run resumes`;
  }

  private msOf(jobId: string): number {
    const waiter = this.waiters.get(jobId);
    return waiter ? Date.now() - waiter.since : 0;
  }
}
