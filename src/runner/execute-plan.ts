// Scheduling a plan: which instances may run next (their needs finished, nothing failed upstream, deeper first), each
// handed to an executor (the local p-queue, or the queue of `pipe worker`s) and its outcome told to the listeners.
// It knows stages only through the registry's interface and artifacts only as folders with manifests, and records
// nothing itself: run-plan.ts hands it the store's listener.

import type { RunEvent, RunEventListener, StageStatus } from '../core/run-events.js';
import type { CellInfo } from '../core/cell.js';
import type { Json, JsonObject } from '../json.js';
import type { Plan, StageInstance } from '../pipeline-spec/plan-types.js';
import type { AnyStage, RunOptions, StageInput, StageResult } from '../stages/stage.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import type { Execution, Executor, StageTask } from './executor.js';
import { localExecutor } from './local-executor.js';

export interface ExecuteOptions {
  runId: string;
  artifacts: ArtifactStore;
  stages: ReadonlyMap<string, AnyStage>;
  /** Maximum stages running at once. */
  jobs: number;
  /** Stage names to recompute, with everything downstream of them. */
  force: ReadonlySet<string>;
  /** `stamp` trusts size/mtime/inode stamps of an already verified artifact; `full` rehashes. */
  verify: 'stamp' | 'full';
  runOptions: RunOptions;
  signal: AbortSignal;
  onEvent: RunEventListener;
  /** Called once per instance as soon as its outcome is known (the store records it right away). */
  onOutcome?: (outcome: InstanceOutcome, instance: StageInstance) => void;
  /** Where stages run; the local executor (`jobs` at once in this process) when not given. */
  executor?: Executor;
}

export interface InstanceOutcome {
  id: string;
  name: string;
  type: string;
  key: string;
  cells: string[];
  status: Exclude<StageStatus, 'waiting' | 'running'>;
  ms: number;
  dir?: string;
  result?: StageResult;
  error?: string;
  /** The `pipe worker` that computed it (queue executor only). */
  worker?: string;
}

export interface ExecuteResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  outcomes: InstanceOutcome[];
  ms: number;
  /** Summaries the stages asked to print (compare's table), in plan order. */
  summary?: string;
}

/** Instances that must be recomputed: those named in `force` and everything that depends on them. */
export function forcedInstances(plan: Plan, force: ReadonlySet<string>): Set<string> {
  const forced = new Set<string>();
  for (const inst of plan.instances) {
    if (force.has(inst.name) || inst.needs.some((n) => forced.has(n))) forced.add(inst.id);
  }
  return forced;
}

export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<ExecuteResult> {
  const started = Date.now();
  const forced = forcedInstances(plan, options.force);
  const byId = new Map(plan.instances.map((i) => [i.id, i]));
  const cellById = new Map(plan.cells.map((c) => [c.id, c]));
  const done = new Map<string, Promise<InstanceOutcome>>();
  const executor = options.executor ?? localExecutor({ jobs: options.jobs, artifacts: options.artifacts, stages: options.stages });
  const depth = new Map<string, number>();
  for (const inst of plan.instances) depth.set(inst.id, Math.max(0, ...inst.needs.map((n) => (depth.get(n) ?? 0) + 1)));
  const emit = (event: RunEvent): void => options.onEvent(event);

  const inputsOf = (inst: StageInstance, needs: InstanceOutcome[]): StageInput[] => {
    const planScope = options.stages.get(inst.type)?.scope === 'plan';
    return needs.map((n) => {
      const need = byId.get(n.id)!;
      const cellId = planScope ? need.cells[0] : inst.cells[0];
      const cell = cellById.get(cellId) ?? { id: cellId, values: {}, seed: inst.seed };
      // A plan-scope stage (compare) sees each input's cell as that input sees it: without the matrix keys of stages
      // it does not read, so evaluate_cnn's row does not carry the values of a train stage it never used.
      return { name: need.name, type: need.type, key: need.key, dir: n.dir!, cell: planScope ? cellAsSeenBy(need, cell) : cell };
    });
  };

  const runInstance = async (inst: StageInstance): Promise<InstanceOutcome> => {
    const needs = await Promise.all(inst.needs.map((id) => done.get(id)!));
    const blocked = needs.find((n) => n.status === 'failed' || n.status === 'skipped');
    if (blocked || options.signal.aborted) {
      const reason = blocked ? `${blocked.id} ${blocked.status}` : 'run cancelled';
      emit({ kind: 'stage-skipped', id: inst.id, key: inst.key, reason });
      return outcome(inst, 'skipped', 0, { error: reason });
    }
    const task: StageTask = {
      runId: options.runId,
      inst,
      inputs: inputsOf(inst, needs),
      forced: forced.has(inst.id),
      depth: depth.get(inst.id) ?? 0,
      verify: options.verify,
      runOptions: options.runOptions,
    };
    return ended(inst, await executor.run(task, emit, options.signal));
  };

  /** Tells the listeners how an instance ended, and makes its outcome. */
  const ended = (inst: StageInstance, x: Execution): InstanceOutcome => {
    const { id, key } = inst;
    switch (x.status) {
      case 'cached':
        emit({ kind: 'stage-cached', id, key });
        return outcome(inst, 'cached', x.ms, { dir: x.dir, result: x.result, worker: x.worker });
      case 'ran':
        emit({ kind: 'stage-finished', id, key, ms: x.ms, metrics: x.result.metrics ?? {} });
        return outcome(inst, 'ran', x.ms, { dir: x.dir, result: x.result, worker: x.worker });
      case 'failed':
        emit({ kind: 'stage-failed', id, key, ms: x.ms, message: x.error });
        return outcome(inst, 'failed', x.ms, { error: x.error });
      case 'skipped':
        emit({ kind: 'stage-skipped', id, key, reason: x.error });
        return outcome(inst, 'skipped', x.ms, { error: x.error });
    }
  };

  const outcome = (
    inst: StageInstance,
    status: InstanceOutcome['status'],
    ms: number,
    extra: Pick<InstanceOutcome, 'dir' | 'result' | 'error' | 'worker'>,
  ): InstanceOutcome => {
    const o: InstanceOutcome = { id: inst.id, name: inst.name, type: inst.type, key: inst.key, cells: inst.cells, status, ms, ...extra };
    if (o.worker === undefined) delete o.worker;
    options.onOutcome?.(o, inst);
    return o;
  };

  for (const inst of plan.instances) {
    done.set(inst.id, runInstance(inst));
  }
  const all = await Promise.all(plan.instances.map((i) => done.get(i.id)!));

  const failed = all.some((o) => o.status === 'failed' || o.status === 'skipped');
  const status = options.signal.aborted ? 'cancelled' : failed ? 'failed' : 'succeeded';
  const summaries = all.map((o) => o.result?.summary).filter((s): s is string => typeof s === 'string' && s.length > 0);
  return {
    status,
    outcomes: all,
    ms: Date.now() - started,
    summary: summaries.length ? summaries.join('\n\n') : undefined,
  };
}

/** Values recorded for a run: the backend any stage reported using (tfjs backends are the only ones today). */
export function reportedBackend(outcomes: InstanceOutcome[]): string | undefined {
  const names = new Set<string>();
  for (const o of outcomes) {
    const b: Json | undefined = o.result?.info?.backend;
    if (o.status === 'ran' && typeof b === 'string') names.add(b);
  }
  return names.size ? [...names].sort().join(',') : undefined;
}

export type { JsonObject };

/** The cell without the matrix keys that cannot change `inst` (its `matrixKeys`; all of them where planning gave none). */
function cellAsSeenBy(inst: StageInstance, cell: CellInfo): CellInfo {
  const keys = inst.matrixKeys;
  if (!keys) return cell;
  return { ...cell, values: Object.fromEntries(Object.entries(cell.values).filter(([k]) => keys.includes(k))) };
}
