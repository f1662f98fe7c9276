// What a run tells the world: every event in order, and each instance's outcome as soon as it is known. The store,
// the dashboard and the plain reporter are listeners among others (as Nx's life cycles are), so the scheduler and
// the executors never write a database or a terminal themselves.

import type { RunEvent } from '../core/run-events.js';
import type { StageInstance } from '../pipeline-spec/plan-types.js';
import type { InstanceOutcome } from './execute-plan.js';

export interface RunListener {
  event?(event: RunEvent): void;
  outcome?(outcome: InstanceOutcome, instance: StageInstance): void;
}

/** One listener that tells each of `listeners`, in order. */
export function combineListeners(listeners: RunListener[]): Required<RunListener> {
  return {
    event: (event) => {
      for (const l of listeners) l.event?.(event);
    },
    outcome: (outcome, instance) => {
      for (const l of listeners) l.outcome?.(outcome, instance);
    },
  };
}
