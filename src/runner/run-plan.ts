// One `pipe run`: record the run in experiments.db, execute the plan, record every stage as it finishes.

import { join } from 'node:path';
import type { RunEventListener } from '../core/run-events.js';
import { isPipeError, systemError } from '../errors.js';
import type { Json } from '../json.js';
import type { Plan } from '../pipeline-spec/plan-types.js';
import type { AnyStage } from '../stages/stage.js';
import { ArtifactStore } from '../store/artifact-store.js';
import { ExperimentStore } from '../store/db.js';
import { executePlan, reportedBackend, type ExecuteResult } from './execute-plan.js';
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
      const cellValues = new Map(plan.cells.map((c) => [c.id, c.values]));
      const keyOf = new Map(plan.instances.map((i) => [i.id, i.key]));
      const emit: RunEventListener = (event) => {
        store.appendEvent(runId, event);
        for (const listener of options.listeners) listener(event);
      };
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
          onOutcome: (o, inst) => {
            const cells: Json = inst.cells.map((id) => cellValues.get(id) ?? null);
            if (o.status === 'ran' && o.dir) {
              store.recordStageResult({
                key: o.key,
                type: inst.type,
                version: inst.version,
                params: inst.params,
                inputs: inst.needs.map((id) => keyOf.get(id) ?? id),
                seed: inst.seed,
                artifactPath: o.dir,
                ms: o.ms,
                metrics: o.result?.metrics ?? {},
                info: o.result?.info ?? {},
              });
            }
            store.recordRunStage({
              runId,
              instanceId: o.id,
              stageName: o.name,
              key: o.key,
              status: o.status,
              ms: o.ms,
              error: o.error ?? null,
              cells,
            });
            const metrics = o.result?.metrics;
            if (metrics && (o.status === 'ran' || o.status === 'cached')) {
              store.recordMetrics(runId, o.id, o.key, metrics, cells);
            }
          },
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
