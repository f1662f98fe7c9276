// Where a stage instance runs. The scheduler (execute-plan.ts) decides what may run next and hands each ready
// instance to an executor: `local-executor.ts` runs it in this process, `queue/queue-executor.ts` as a BullMQ job
// that a `pipe worker` on any machine sharing the artifact folder runs. Both end in the same `computeOrReuse`
// (compute-stage.ts), so a stage computes the same artifact wherever it runs.

import type { RunEventListener } from '../core/run-events.js';
import type { StageInstance } from '../pipeline-spec/plan-types.js';
import type { RunOptions, StageInput, StageResult } from '../stages/stage.js';

/** One instance whose needs have all finished, with what it needs to run. */
export interface StageTask {
  runId: string;
  inst: StageInstance;
  /** Its inputs in `needs` order (folders in this process's artifact store). */
  inputs: StageInput[];
  /** Recompute even if the artifact exists (`--force`), and replace it. */
  forced: boolean;
  /** Longest path from a root: deeper instances go first, so a cell's evaluate follows its train. */
  depth: number;
  verify: 'stamp' | 'full';
  runOptions: RunOptions;
}

/** How a task ended. An executor never throws: whatever goes wrong is a `failed` execution with its message. */
export type Execution =
  | { status: 'ran' | 'cached'; ms: number; dir: string; result: StageResult; worker?: string }
  | { status: 'failed' | 'skipped'; ms: number; error: string };

export interface Executor {
  /**
   * Computes the task's artifact, or finds it already computed. Emits `stage-started` and `stage-progress` (the
   * scheduler emits how it ended); once `signal` aborts, unfinished tasks end `skipped`.
   */
  run(task: StageTask, emit: RunEventListener, signal: AbortSignal): Promise<Execution>;
}
