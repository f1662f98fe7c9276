// The local executor: today's behaviour. One p-queue of at most `jobs` stages in this process, deeper stages first.
// A stage whose artifact is cached (trusting its stamps) is reused without waiting for a place in the queue: that
// lookup is a few small reads, and queued the lookups of a no-op re-run would run `jobs` at a time. A full
// rehash (--verify) reads whole artifacts, so it waits its turn as computing does.

import PQueue from 'p-queue';
import type { AnyStage } from '../stages/stage.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { computeOrReuse, reuse } from './compute-stage.js';
import type { Executor } from './executor.js';

export function localExecutor(options: { jobs: number; artifacts: ArtifactStore; stages: ReadonlyMap<string, AnyStage> }): Executor {
  const queue = new PQueue({ concurrency: Math.max(1, options.jobs) });
  return {
    run: async (task, emit, signal) =>
      (task.verify === 'stamp' ? await reuse(task, options).catch(() => undefined) : undefined) ??
      (await queue.add(() => computeOrReuse(task, { artifacts: options.artifacts, stages: options.stages, signal, emit }), {
        // Deeper stages first: a cell's evaluate runs as soon as its train is done, not after every other train.
        priority: task.depth,
      })),
  };
}
