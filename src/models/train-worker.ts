// Worker-thread entry for training: one backend per thread, so two cells can train on two cores at once.

import { parentPort, workerData } from 'node:worker_threads';
import { DataError, PipeError } from '../errors.js';
import type { TrainJob } from './train-loop.js';
import { trainMembers } from './train-members.js';
import type { WorkerMessage } from './train-in-worker.js';

// Cancelling terminates this thread (train-in-worker.ts), so the loop itself is never asked to stop.
const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
trainMembers(workerData as TrainJob, (progress) => post({ kind: 'progress', progress }), () => false).then(
  (summary) => post({ kind: 'done', summary }),
  (err: unknown) =>
    post({
      kind: 'error',
      message: err instanceof Error ? err.message : String(err),
      data: err instanceof DataError,
      place: err instanceof PipeError ? err.place : undefined,
      hint: err instanceof PipeError ? err.hint : undefined,
    }),
);
