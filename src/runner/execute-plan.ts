// Executes a plan: topological order, cache lookup, one p-queue of at most `jobs` stages, events.
// It knows stages only through the registry's interface and artifacts only as folders with manifests.

import PQueue from 'p-queue';
import type { RunEvent, RunEventListener, StageStatus } from '../core/run-events.js';
import { CancelledError, isDiskFull, isPipeError, StageError, systemError } from '../errors.js';
import type { Json, JsonObject } from '../json.js';
import type { Plan, StageInstance } from '../pipeline-spec/plan-types.js';
import type { AnyStage, RunOptions, StageInput, StageResult } from '../stages/stage.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { readStageResult, writeStageResult } from './stage-result-file.js';

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
  const queue = new PQueue({ concurrency: Math.max(1, options.jobs) });
  const depth = new Map<string, number>();
  for (const inst of plan.instances) depth.set(inst.id, Math.max(0, ...inst.needs.map((n) => (depth.get(n) ?? 0) + 1)));
  const emit = (event: RunEvent): void => options.onEvent(event);

  const runInstance = async (inst: StageInstance): Promise<InstanceOutcome> => {
    const needs = await Promise.all(inst.needs.map((id) => done.get(id)!));
    const blocked = needs.find((n) => n.status === 'failed' || n.status === 'skipped');
    if (blocked || options.signal.aborted) {
      const reason = blocked ? `${blocked.id} ${blocked.status}` : 'run cancelled';
      emit({ kind: 'stage-skipped', id: inst.id, key: inst.key, reason });
      return outcome(inst, 'skipped', 0, { error: reason });
    }
    return queue.add(
      () =>
        computeOrReuse(inst, needs).catch((err: unknown) => {
          const message = describeError(err);
          emit({ kind: 'stage-failed', id: inst.id, key: inst.key, ms: 0, message });
          return outcome(inst, 'failed', 0, { error: message });
        }),
      // Deeper stages first: a cell's evaluate runs as soon as its train is done, not after every other train.
      { priority: depth.get(inst.id) ?? 0 },
    );
  };

  const computeOrReuse = async (inst: StageInstance, needs: InstanceOutcome[]): Promise<InstanceOutcome> => {
    const t0 = Date.now();
    const stage = options.stages.get(inst.type);
    if (!stage) throw new StageError(`unknown stage type ${inst.type}`, { stage: inst.id });
    if (!forced.has(inst.id)) {
      const hit = await options.artifacts.lookup(inst.key, { verify: options.verify });
      if (hit.ok) {
        emit({ kind: 'stage-cached', id: inst.id, key: inst.key });
        return outcome(inst, 'cached', Date.now() - t0, { dir: hit.dir, result: await readStageResult(hit.dir) });
      }
    }
    if (options.signal.aborted) {
      emit({ kind: 'stage-skipped', id: inst.id, key: inst.key, reason: 'run cancelled' });
      return outcome(inst, 'skipped', 0, { error: 'run cancelled' });
    }
    const release = await options.artifacts.lockKey(inst.key, options.signal);
    try {
      // Another process may have finished the same key while we waited for the lock.
      if (!forced.has(inst.id)) {
        const hit = await options.artifacts.lookup(inst.key, { verify: options.verify });
        if (hit.ok) {
          emit({ kind: 'stage-cached', id: inst.id, key: inst.key });
          return outcome(inst, 'cached', Date.now() - t0, { dir: hit.dir, result: await readStageResult(hit.dir) });
        }
      }
      return await compute(inst, stage, needs, t0);
    } finally {
      await release();
    }
  };

  const compute = async (
    inst: StageInstance,
    stage: AnyStage,
    needs: InstanceOutcome[],
    t0: number,
  ): Promise<InstanceOutcome> => {
    emit({ kind: 'stage-started', id: inst.id, key: inst.key });
    const pending = await options.artifacts.begin(inst.key);
    try {
      const inputs: StageInput[] = needs.map((n) => {
        const need = byId.get(n.id)!;
        const cellId = stage.scope === 'plan' ? need.cells[0] : inst.cells[0];
        const cell = cellById.get(cellId) ?? { id: cellId, values: {}, seed: inst.seed };
        return { name: need.name, type: need.type, key: need.key, dir: n.dir!, cell };
      });
      const result = await stage.run({
        name: inst.id,
        params: inst.params,
        seed: inst.seed,
        inputs,
        outDir: pending.dir,
        scratchDir: await options.artifacts.scratchDir(inst.key),
        options: options.runOptions,
        signal: options.signal,
        report: (progress) => emit({ kind: 'stage-progress', id: inst.id, progress }),
      });
      if (options.signal.aborted) throw new CancelledError();
      await writeStageResult(pending.dir, result);
      const committed = await pending.commit({ replace: forced.has(inst.id) });
      await options.artifacts.clearScratch(inst.key);
      const ms = Date.now() - t0;
      emit({ kind: 'stage-finished', id: inst.id, key: inst.key, ms, metrics: result.metrics ?? {} });
      return outcome(inst, 'ran', ms, { dir: committed.dir, result });
    } catch (err) {
      await pending.abort();
      const ms = Date.now() - t0;
      if (options.signal.aborted) {
        emit({ kind: 'stage-skipped', id: inst.id, key: inst.key, reason: 'run cancelled' });
        return outcome(inst, 'skipped', ms, { error: 'run cancelled' });
      }
      const message = describeError(err);
      emit({ kind: 'stage-failed', id: inst.id, key: inst.key, ms, message });
      return outcome(inst, 'failed', ms, { error: message });
    }
  };

  const outcome = (
    inst: StageInstance,
    status: InstanceOutcome['status'],
    ms: number,
    extra: Partial<InstanceOutcome>,
  ): InstanceOutcome => {
    const o: InstanceOutcome = { id: inst.id, name: inst.name, type: inst.type, key: inst.key, cells: inst.cells, status, ms, ...extra };
    options.onOutcome?.(o, inst);
    return o;
  };

  for (const inst of plan.instances) {
    done.set(inst.id, runInstance(inst));
  }
  const all = await Promise.all(plan.instances.map((i) => done.get(i.id)!));
  await queue.onIdle();

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

function describeError(err: unknown): string {
  if (isPipeError(err)) return err.describe();
  const io = systemError(err);
  if (io && isDiskFull(err)) {
    return `${io.message}; the half-written artifact was discarded\n  hint: ${io.hint}`;
  }
  if (io) return io.describe();
  if (err instanceof Error) return err.message;
  return String(err);
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
