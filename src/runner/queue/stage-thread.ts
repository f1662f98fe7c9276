// The thread a `pipe worker` computes stages in, one at a time (stage-threads.ts keeps a few). Stages such as
// normalize and features hold the event loop for as long as they take; here they hold this thread's, while the
// worker's own keeps renewing BullMQ's job lock and the key lock's lease, so a long stage never looks dead.

import { parentPort, workerData } from 'node:worker_threads';
import type { AnyStage } from '../../stages/stage.js';
import { ArtifactStore } from '../../store/artifact-store.js';
import { computeOrReuse } from '../compute-stage.js';
import { describeError } from '../describe-error.js';
import type { StageModule, ThreadReply, ThreadRequest } from './stage-threads.js';

const port = parentPort!;
const { url, exportName } = workerData as StageModule;
const stages = ((await import(url)) as Record<string, ReadonlyMap<string, AnyStage>>)[exportName];
let controller: AbortController | undefined;

port.on('message', (m: ThreadRequest) => {
  if (m.kind === 'abort') {
    controller?.abort();
    return;
  }
  controller = new AbortController();
  const reply = (r: ThreadReply): void => port.postMessage(r);
  computeOrReuse(m.task, { artifacts: new ArtifactStore(m.artifactsRoot), stages, signal: controller.signal, emit: (event) => reply({ kind: 'event', event }) }).then(
    (execution) => reply({ kind: 'done', execution }),
    (err: unknown) => reply({ kind: 'done', execution: { status: 'failed', ms: 0, error: describeError(err) } }),
  );
});
port.postMessage({ kind: 'ready' } satisfies ThreadReply);
