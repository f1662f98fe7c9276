// One `pipe run`: create the run's row in experiments.db, execute the plan with the store's recorder among the
// listeners, finish the row whatever ends the run.

import { join } from 'node:path';
import type { RunEventListener } from '../core/run-events.js';
import { isPipeError, systemError } from '../errors.js';
import type { Plan } from '../pipeline-spec/plan-types.js';
import type { AnyStage } from '../stages/stage.js';
import { ArtifactStore } from '../store/artifact-store.js';
import { ExperimentStore } from '../store/db.js';
import { executePlan, reportedBackend, type ExecuteResult } from './execute-plan.js';
import type { Executor } from './executor.js';
import { storeRecorder } from './record-run.js';
import { combineListeners } from './run-listeners.js';
import { packageVersions } from './versions.js';

export interface RunPlanOptions {
  projectDir: string;
  /** The stage types the plan's instances name, handed in by the command (the runner imports no stage). */
  stages: ReadonlyMap<string, AnyStage>;
  jobs: number;
  force?: string[];
  verify?: 'stamp' | 'full';
  backend?: string;
  name?: string;
  tags?: string[];
  signal: AbortSignal;
  listeners: RunEventListener[];
  /** Where stages run (the queue of `pipe worker`s); in this process, `jobs` at once, when not given. */
  executor?: Executor;
}

export interface RunPlanResult extends ExecuteResult {
  runId: string;
}

export function projectPaths(projectDir: string): { db: string; artifacts: string } {
  return { db: join(projectDir, 'experiments.db'), artifacts: join(projectDir, 'artifacts') };
}

export async function runPlan(plan: Plan, options: RunPlanOptions): Promise<RunPlanResult> {
  const paths = projectPaths(options.projectDir);
  const store = ExperimentStore.open(paths.db);
  try {
    store.markStaleRuns();
    const artifacts = new ArtifactStore(paths.artifacts);
    const runId = store.createRun({
      name: options.name ?? null,
      tags: options.tags ?? [],
      specPath: plan.specPath,
      specHash: plan.specHash,
      overrides: plan.overrides,
      resolvedSpec: plan.resolved,
      versions: packageVersions(),
      backend: options.backend ?? null,
    });
    // Whatever ends this run (an error, a full disk, process.exit on a second Ctrl-C), its row does not stay
    // `running`: an error marks it failed before it propagates, and an exit mid-run marks it synchronously.
    const started = Date.now();
    const onExit = (): void => finishQuietly(store, runId, process.exitCode === 130 ? 'cancelled' : 'failed', Date.now() - started, 'pipe exited mid-run');
    process.on('exit', onExit);
    try {
      const releaseInUse = await artifacts.markInUse(
        runId,
        plan.instances.map((i) => i.key),
      );
      const listeners = combineListeners([storeRecorder(store, runId, plan), ...options.listeners.map((event) => ({ event }))]);
      const emit: RunEventListener = listeners.event;
      emit({
        kind: 'run-started',
        runId,
        spec: plan.specPath,
        instances: plan.instances.map((i) => ({ id: i.id, name: i.name, type: i.type, key: i.key, needs: i.needs, cells: i.cells })),
      });
      let result: ExecuteResult;
      try {
        result = await executePlan(plan, {
          runId,
          artifacts,
          stages: options.stages,
          jobs: options.jobs,
          force: new Set(options.force ?? []),
          verify: options.verify ?? 'stamp',
          runOptions: { backend: options.backend, projectDir: options.projectDir },
          signal: options.signal,
          onEvent: emit,
          onOutcome: listeners.outcome,
          executor: options.executor,
        });
      } finally {
        await releaseInUse();
      }
      const backend = reportedBackend(result.outcomes) ?? options.backend ?? null;
      store.finishRun(runId, { status: result.status, ms: result.ms, backend });
      emit({ kind: 'run-finished', runId, status: result.status, ms: result.ms, summary: result.summary });
      return { ...result, runId };
    } catch (err) {
      finishQuietly(store, runId, options.signal.aborted ? 'cancelled' : 'failed', Date.now() - started, `the run stopped: ${errorText(err)}`);
      throw err;
    } finally {
      process.off('exit', onExit);
    }
  } finally {
    store.close();
  }
}

/** Marks the run finished, with a run-finished event saying why; a store that cannot be written is left as it is. */
function finishQuietly(store: ExperimentStore, runId: string, status: 'failed' | 'cancelled', ms: number, summary: string): void {
  try {
    store.appendEvent(runId, { kind: 'run-finished', runId, status, ms, summary });
    store.finishRun(runId, { status, ms });
  } catch {
    // The store itself failed (a full disk): the next run's markStaleRuns, and every read, see the process gone.
  }
}

function errorText(err: unknown): string {
  if (isPipeError(err)) return err.message;
  return systemError(err)?.message ?? 'an internal error';
}
