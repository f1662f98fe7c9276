// The listener that records a run into experiments.db: every event in the events log, and for each instance its
// run-stage row, its stage result (when it ran), and its metrics (when it ran or was reused). A cached instance's
// rows are queued with the events and written in their transaction, so a no-op re-run is one write, not one a stage.

import type { Json } from '../json.js';
import type { Plan } from '../pipeline-spec/plan-types.js';
import type { ExperimentStore } from '../store/db.js';
import type { RunListener } from './run-listeners.js';

export function storeRecorder(store: ExperimentStore, runId: string, plan: Plan): RunListener {
  const cellValues = new Map(plan.cells.map((c) => [c.id, c.values]));
  const keyOf = new Map(plan.instances.map((i) => [i.id, i.key]));
  return {
    event: (event) => store.appendEvent(runId, event),
    outcome: (o, inst) => {
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
          // Which machine computed it, for a run through the queue of `pipe worker`s.
          info: o.worker ? { ...(o.result?.info ?? {}), worker: o.worker } : (o.result?.info ?? {}),
        });
      }
      const row = { runId, instanceId: o.id, stageName: o.name, key: o.key, status: o.status, ms: o.ms, error: o.error ?? null, cells };
      const metrics = o.result?.metrics;
      if (o.status === 'cached') {
        store.queueCachedStage(row, metrics);
        return;
      }
      store.recordRunStage(row);
      if (metrics && o.status === 'ran') {
        store.recordMetrics(runId, o.id, o.key, metrics, cells);
      }
    },
  };
}
