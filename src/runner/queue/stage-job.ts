// What travels through the queue: a stage instance as a BullMQ job whose id is its cache key (so the same stage
// wanted by two runs, or two users, is one job cluster-wide), what the worker reports while it runs, and what it
// returns. Input folders are not sent: every machine mounts the artifact folder at its own path, so a worker finds
// an input by its key.

import type { StageProgress } from '../../core/stage-progress.js';
import type { StageInstance } from '../../pipeline-spec/plan-types.js';
import type { AnyStage, StageInput, StageResult } from '../../stages/stage.js';

export const QUEUE_NAME = 'pipe-stages';

export interface StageJobData {
  /** The pipe version of the coordinator that queued it, for a worker's refusal. */
  pipe: string | null;
  /** The run that queued it: a run that finds the job already queued by another reports the stage as cached. */
  runId: string;
  instance: StageInstance;
  inputs: Omit<StageInput, 'dir'>[];
  forced: boolean;
  verify: 'stamp' | 'full';
  backend?: string;
}

/** Sent through `job.updateProgress`: a worker began computing the stage for the job of run `runId`, or it reported progress. */
export type StageJobProgress = { kind: 'started'; worker: string; runId: string } | { kind: 'progress'; progress: StageProgress };

export interface StageJobResult {
  status: 'ran' | 'cached';
  ms: number;
  result: StageResult;
  worker: string;
  /** The run that queued the job (StageJobData.runId). */
  runId: string;
}

/**
 * Why this worker must not run the job, or undefined. The cache key holds the stage's version, so a worker whose
 * stage has another version would write an artifact the key does not describe.
 */
export function refusal(data: StageJobData, stages: ReadonlyMap<string, AnyStage>, worker: { name: string; pipe: string | null }): string | undefined {
  const { type, version, id } = data.instance;
  const versions = `worker ${worker.name} runs pipe ${worker.pipe ?? '?'}, the run was queued by pipe ${data.pipe ?? '?'}`;
  const stage = stages.get(type);
  if (!stage) return `stage ${id}: worker ${worker.name} has no stage type ${type} (${versions}); run the same version of pipe on every worker`;
  if (stage.version !== version) {
    return `stage ${id}: worker ${worker.name} has ${type} version ${stage.version}, the run needs version ${version} (${versions}); run the same version of pipe on every worker`;
  }
  return undefined;
}

/** BullMQ's priority: 1 goes first. Deeper instances first, as the local executor does. */
export function jobPriority(depth: number): number {
  return Math.max(1, 1000 - depth);
}
