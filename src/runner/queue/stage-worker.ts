// `pipe worker`: takes stage jobs from the queue, checks that it runs the stage versions the job was planned with
// and that its inputs verify in the artifact folder it shares with the coordinator, computes the stage with the
// same computeOrReuse a local run uses (key lock, temporary folder, atomic commit), and reports progress and the
// outcome through the job. A job whose worker dies goes back to the queue through BullMQ's stalled-job check.

import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../../core/run-events.js';
import type { AnyStage, StageInput } from '../../stages/stage.js';
import { ArtifactStore } from '../../store/artifact-store.js';
import { computeOrReuse } from '../compute-stage.js';
import { describeError } from '../describe-error.js';
import type { StageTask } from '../executor.js';
import { packageVersions } from '../versions.js';
import { connectionOptions, connectRedis, type RedisTarget } from './redis-target.js';
import { StageThreads, type StageModule } from './stage-threads.js';
import { QUEUE_NAME, refusal, type StageJobData, type StageJobProgress, type StageJobResult } from './stage-job.js';
import { announceWorker, retireWorker, WORKER_TTL_S, type WorkerInfo } from './worker-registry.js';

export interface StageWorkerOptions {
  target: RedisTarget;
  /** The project folder whose artifacts/ this worker shares with the coordinators. */
  projectDir: string;
  stages: ReadonlyMap<string, AnyStage>;
  /**
   * The module that exports `stages`, for computing them in threads of their own (stage-threads.ts), as `pipe worker`
   * does; without it they run on this thread (tests with stand-in stages), where a stage that holds the event loop
   * longer than `lockMs` looks dead to BullMQ.
   */
  stageModule?: StageModule;
  concurrency: number;
  /**
   * How long a job's lock holds without renewal (renewed every half of it): a job of a worker that died goes back
   * to the queue after about twice this.
   */
  lockMs: number;
  log: (line: string) => void;
}

export interface StageWorker {
  name: string;
  /** Stops taking jobs; stages running now are stopped and their jobs go back to the queue for another worker. */
  close(): Promise<void>;
}

/** How long closing waits for the queue before dropping the connections. */
const CLOSE_MS = 3000;

/** Progress of these kinds is sent at most this often per job (epochs and log lines always). */
const PROGRESS_MS = 250;

export async function startStageWorker(options: StageWorkerOptions): Promise<StageWorker> {
  const { target, stages, log } = options;
  const name = `${hostname()}:${process.pid}`;
  const pipe = packageVersions().pipe;
  const artifacts = new ArtifactStore(join(options.projectDir, 'artifacts'));
  const stopping = new AbortController();
  // A worker is a service: it rides out Redis restarts for as long as they take.
  const redis = await connectRedis(target, { graceMs: Number.POSITIVE_INFINITY });
  const info: WorkerInfo = { name, host: hostname(), pid: process.pid, pipe, project: options.projectDir, concurrency: options.concurrency, startedAt: new Date().toISOString(), running: [] };
  const announce = (): Promise<void> => announceWorker(redis, info).catch(() => undefined);
  const threads = options.stageModule ? new StageThreads(options.stageModule) : undefined;

  const processor = async (job: Job<StageJobData, StageJobResult>, token?: string): Promise<StageJobResult> => {
    const data = job.data;
    const { id, key } = data.instance;
    const refused = refusal(data, stages, { name, pipe });
    if (refused) {
      log(`refused  ${id} ${key.slice(0, 10)}: ${refused}`);
      throw new UnrecoverableError(refused);
    }
    const inputs = await verifiedInputs(artifacts, data);
    const running = { stage: id, key, runId: data.runId };
    // `pipe workers` sees it at the next heartbeat: a write per job would cost every trivial stage a round trip.
    info.running.push(running);
    log(`took     ${id} ${key.slice(0, 10)} (run ${data.runId})`);
    try {
      const task: StageTask = { runId: data.runId, inst: data.instance, inputs, forced: data.forced, depth: 0, verify: data.verify, runOptions: { backend: data.backend, projectDir: options.projectDir } };
      const emit = progressSender(job, name, data.runId);
      const x = threads
        ? await threads.run(task, artifacts.root, emit, stopping.signal)
        : await computeOrReuse(task, { artifacts, stages, signal: stopping.signal, emit });
      if (stopping.signal.aborted) {
        // Shutting down: another worker takes the job (and resumes from the checkpoint this one left).
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if ('error' in x) {
        log(`failed   ${id} ${key.slice(0, 10)}: ${x.error.split('\n')[0]}`);
        throw new UnrecoverableError(x.error);
      }
      log(`${x.status.padEnd(8)} ${id} ${key.slice(0, 10)} in ${(x.ms / 1000).toFixed(1)} s`);
      return { status: x.status, ms: x.ms, result: x.result, worker: name, runId: data.runId };
    } finally {
      info.running.splice(info.running.indexOf(running), 1);
    }
  };

  const worker = new Worker<StageJobData, StageJobResult>(QUEUE_NAME, processor, {
    connection: connectionOptions(target),
    concurrency: options.concurrency,
    name,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
  });
  let reportedTrouble = false;
  worker.on('error', (err) => {
    if (reportedTrouble) return;
    reportedTrouble = true;
    log(`queue trouble (${err.message.split('\n')[0]}); retrying`);
  });
  worker.on('ready', () => (reportedTrouble = false));
  await worker.waitUntilReady();
  await announce();
  const heartbeat = setInterval(() => void announce(), (WORKER_TTL_S * 1000) / 3);
  log(`worker ${name}: ${target.url}, artifacts in ${artifacts.root}, ${options.concurrency} at once`);

  return {
    name,
    close: async () => {
      clearInterval(heartbeat);
      stopping.abort();
      // Closing waits for the stopped jobs to go back to the queue; with Redis unreachable that cannot happen, and
      // BullMQ's stalled-job check hands them on once Redis is back.
      const closed = Promise.all([worker.close(), retireWorker(redis, name)]).catch(() => undefined);
      await Promise.race([closed, new Promise<void>((resolve) => setTimeout(resolve, CLOSE_MS).unref())]);
      void worker.disconnect().catch(() => undefined);
      redis.disconnect();
      await threads?.close();
    },
  };
}

/** The job's inputs in this worker's artifact folder, each verified against its manifest. */
async function verifiedInputs(artifacts: ArtifactStore, data: StageJobData): Promise<StageInput[]> {
  const inputs: StageInput[] = [];
  for (const input of data.inputs) {
    const hit = await artifacts.lookup(input.key, { verify: data.verify }).catch((err: unknown) => ({ ok: false as const, reason: describeError(err) }));
    if (!hit.ok) {
      throw new UnrecoverableError(
        `input ${input.name} (${input.key.slice(0, 12)}) is not usable in ${artifacts.root}: ${hit.reason}\n` +
          '  hint: the coordinator and every worker must share one artifact folder (pipe worker --project DIR); docs/distributed.md',
      );
    }
    inputs.push({ ...input, dir: hit.dir });
  }
  return inputs;
}

/** Sends the stage's start and progress through the job, batch and file counts at most every PROGRESS_MS. */
function progressSender(job: Job, worker: string, runId: string): (event: RunEvent) => void {
  let last = 0;
  const send = (p: StageJobProgress): void => void job.updateProgress(p).catch(() => undefined);
  return (event) => {
    if (event.kind === 'stage-started') send({ kind: 'started', worker, runId });
    if (event.kind !== 'stage-progress') return;
    const frequent = event.progress.kind === 'batch' || event.progress.kind === 'progress';
    if (frequent && Date.now() - last < PROGRESS_MS) return;
    if (frequent) last = Date.now();
    send({ kind: 'progress', progress: event.progress });
  };
}
