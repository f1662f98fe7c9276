// Runs a training job in a worker thread and relays its progress; aborting the signal stops the worker.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CancelledError, StageError } from '../errors.js';
import type { StageProgress } from '../stages/stage.js';
import type { TrainJob, TrainSummary } from './train-loop.js';

export type WorkerMessage =
  | { kind: 'progress'; progress: StageProgress }
  | { kind: 'done'; summary: TrainSummary }
  | { kind: 'error'; message: string };

/** The compiled worker; from TypeScript sources (vitest) the dist/ build of it, which `npm test` makes first. */
export function workerPath(): string {
  const here = fileURLToPath(new URL('./train-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = here.replace(/([/\\])src([/\\]models[/\\])/, '$1dist$2');
  if (existsSync(built)) return built;
  throw new StageError(`the training worker ${built} is missing`, {}, 'build first: npm run build');
}

export function trainInWorker(job: TrainJob, report: (p: StageProgress) => void, signal: AbortSignal): Promise<TrainSummary> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerPath(), { workerData: job });
    const onAbort = (): void => {
      void worker.terminate();
      reject(new CancelledError('training cancelled; its last finished epoch is checkpointed'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = (): void => {
      signal.removeEventListener('abort', onAbort);
      void worker.terminate();
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') report(m.progress);
      else if (m.kind === 'done') {
        finish();
        resolve(m.summary);
      } else {
        finish();
        reject(new StageError(`training failed: ${m.message}`));
      }
    });
    worker.on('error', (err) => {
      finish();
      reject(new StageError(`training worker crashed: ${err.message}`));
    });
  });
}
