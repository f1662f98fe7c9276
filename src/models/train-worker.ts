// Worker-thread entry for training: one backend per thread, so two cells can train on two cores at once.

import { parentPort, workerData } from 'node:worker_threads';
import { train, type TrainJob } from './train-loop.js';
import type { WorkerMessage } from './train-in-worker.js';

const port = parentPort!;
let cancelled = false;
port.on('message', (m: { kind: 'cancel' }) => {
  if (m.kind === 'cancel') cancelled = true;
});

const post = (m: WorkerMessage): void => port.postMessage(m);
train(workerData as TrainJob, (progress) => post({ kind: 'progress', progress }), () => cancelled).then(
  (summary) => post({ kind: 'done', summary }),
  (err: unknown) => post({ kind: 'error', message: err instanceof Error ? err.message : String(err) }),
);
