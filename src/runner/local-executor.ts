// The local executor: today's behaviour. One p-queue of at most `jobs` stages in this process, deeper stages first.

import PQueue from 'p-queue';
import type { AnyStage } from '../stages/stage.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { computeOrReuse } from './compute-stage.js';
import type { Executor } from './executor.js';

export function localExecutor(options: { jobs: number; artifacts: ArtifactStore; stages: ReadonlyMap<string, AnyStage> }): Executor {
  const queue = new PQueue({ concurrency: Math.max(1, options.jobs) });
  return {
    run: (task, emit, signal) =>
      queue.add(() => computeOrReuse(task, { artifacts: options.artifacts, stages: options.stages, signal, emit }), {
        // Deeper stages first: a cell's evaluate runs as soon as its train is done, not after every other train.
        priority: task.depth,
      }),
  };
}
