// Events the runner emits while executing a plan. The dashboard, the plain reporter and the store consume them;
// they live below all three (and below the runner) so that the store and the UI import no runner to read them.

import type { StageProgress } from './stage-progress.js';

export type StageStatus = 'waiting' | 'cached' | 'running' | 'ran' | 'failed' | 'skipped';

export type RunEvent =
  | { kind: 'run-started'; runId: string; spec: string; instances: PlannedInstance[] }
  | { kind: 'stage-cached'; id: string; key: string }
  /** `worker` names the `pipe worker` (host:pid) that runs it, when stages run through a queue. */
  | { kind: 'stage-started'; id: string; key: string; worker?: string }
  | { kind: 'stage-progress'; id: string; progress: StageProgress }
  | { kind: 'stage-finished'; id: string; key: string; ms: number; metrics: Record<string, number> }
  | { kind: 'stage-failed'; id: string; key: string; ms: number; message: string }
  | { kind: 'stage-skipped'; id: string; key: string; reason: string }
  | { kind: 'run-finished'; runId: string; status: 'succeeded' | 'failed' | 'cancelled'; ms: number; summary?: string };

export interface PlannedInstance {
  id: string;
  name: string;
  type: string;
  key: string;
  needs: string[];
  cells: string[];
}

export type RunEventListener = (event: RunEvent) => void;
