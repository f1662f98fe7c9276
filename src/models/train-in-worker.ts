// Runs a training job in a worker thread and relays its progress; aborting the signal stops the worker.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { StageProgress } from '../core/stage-progress.js';
import { CancelledError, DataError, StageError, type Place } from '../errors.js';
import type { TrainJob, TrainSummary } from './train-loop.js';

export type WorkerMessage =
  | { kind: 'progress'; progress: StageProgress }
  | { kind: 'done'; summary: TrainSummary }
  /** `data`: the worker's error was a DataError (bad input data, exit code 2), re-thrown as one here. */
  | { kind: 'error'; message: string; data: boolean; place?: Place; hint?: string };

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
    if (signal.aborted) return reject(new CancelledError('training cancelled before it started'));
    // A stage never writes to the terminal: the worker's output becomes log reports.
    const worker = new Worker(workerPath(), { workerData: job, stdout: true, stderr: true });
    forwardLines(worker.stdout, 'info', report);
    forwardLines(worker.stderr, 'warn', report);
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
        reject(m.data ? new DataError(m.message, m.place, m.hint) : new StageError(`training failed: ${m.message}`, m.place, m.hint));
      }
    });
    worker.on('error', (err) => {
      finish();
      reject(new StageError(`training worker crashed: ${err.message}`));
    });
    // Settling twice is a no-op: this only matters when the worker died without a word.
    worker.on('exit', (code) => reject(new StageError(`training worker exited with code ${code} before it finished`)));
  });
}

// tfjs' notices that say nothing about this run: its banner suggesting tfjs-node (when the CPU backend loads), and
// the orthogonal initializer's note on a 64-unit LSTM's 16384-element recurrent kernel (one QR at build time).
const NOTICES = [/^=+$/, /^Hi, looks like you are running TensorFlow\.js in Node\.js/, /^Orthogonal initializer is being called on a matrix/];

function forwardLines(stream: Readable, level: 'info' | 'warn', report: (p: StageProgress) => void): void {
  createInterface({ input: stream }).on('line', (line) => {
    if (line.trim() && !NOTICES.some((n) => n.test(line))) report({ kind: 'log', level, message: line });
  });
}
