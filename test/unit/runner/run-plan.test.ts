// What one run records in experiments.db, with stand-in stages: the run row, a row per stage, stage results only
// for what ran, metrics for what ran or was reused, and the events log.

import { describe, expect, it } from 'vitest';
import { projectPaths, runPlan, type RunPlanResult } from '../../../src/runner/run-plan.js';
import type { StageInstance } from '../../../src/pipeline-spec/plan-types.js';
import { ExperimentStore } from '../../../src/store/db.js';
import { instance, keyOf, planOf, standInStages, tempProject } from './runner-fixture.js';

async function record(root: string, instances: StageInstance[], options: { force?: string[]; name?: string } = {}): Promise<RunPlanResult> {
  return runPlan(planOf(instances), {
    projectDir: root,
    stages: standInStages(),
    jobs: 2,
    force: options.force,
    name: options.name,
    tags: ['t1'],
    signal: new AbortController().signal,
    listeners: [],
  });
}

function readBack<T>(root: string, read: (store: ExperimentStore) => T): T {
  const store = ExperimentStore.openExisting(projectPaths(root).db);
  try {
    return read(store);
  } finally {
    store.close();
  }
}

const stagesOf = (store: ExperimentStore, runId: string) => Object.fromEntries(store.getRunStages(runId).map((s) => [s.instanceId, s.status]));

describe('runPlan records', () => {
  it('a succeeded run with its name, tags, spec and one row per stage', async () => {
    const root = tempProject();
    const { runId, status } = await record(root, [instance('a', []), instance('b', ['a'])], { name: 'demo' });
    expect(status).toBe('succeeded');
    readBack(root, (store) => {
      const run = store.getRun(runId);
      expect(run).toMatchObject({ id: runId, name: 'demo', tags: ['t1'], specPath: 't.yaml', specHash: 'h', status: 'succeeded' });
      expect(run.finishedAt).not.toBeNull();
      expect(stagesOf(store, runId)).toEqual({ a: 'ran', b: 'ran' });
    });
  });

  it('a stage result per key that ran, with its inputs as keys, and the metrics of the run', async () => {
    const root = tempProject();
    const { runId } = await record(root, [instance('a', []), instance('b', ['a'])]);
    readBack(root, (store) => {
      expect(store.getStageResult(keyOf('b'))).toMatchObject({ key: keyOf('b'), type: 'writes', version: 1, inputs: [keyOf('a')], metrics: { n: 1 } });
      expect(store.getRunMetrics(runId).map((m) => [m.instanceId, m.name, m.value])).toEqual([
        ['a', 'n', 0],
        ['b', 'n', 1],
      ]);
    });
  });

  it('a second run as cached, with the metrics of the reused artifacts, and no new stage result', async () => {
    const root = tempProject();
    const plan = [instance('a', []), instance('b', ['a'])];
    const first = await record(root, plan);
    const createdAt = readBack(root, (store) => store.getStageResult(keyOf('a'))!.createdAt);
    const second = await record(root, plan);
    readBack(root, (store) => {
      expect(stagesOf(store, second.runId)).toEqual({ a: 'cached', b: 'cached' });
      expect(store.getRunMetrics(second.runId).map((m) => [m.instanceId, m.value])).toEqual([
        ['a', 0],
        ['b', 1],
      ]);
      expect(store.getStageResult(keyOf('a'))!.createdAt).toBe(createdAt);
      expect(store.listRuns().map((r) => r.id).sort()).toEqual([first.runId, second.runId].sort());
    });
  });

  it('a forced stage as ran again while the rest is cached', async () => {
    const root = tempProject();
    const plan = [instance('a', []), instance('b', ['a']), instance('c', ['a'])];
    await record(root, plan);
    const { runId } = await record(root, plan, { force: ['b'] });
    readBack(root, (store) => expect(stagesOf(store, runId)).toEqual({ a: 'cached', b: 'ran', c: 'cached' }));
  });

  it('a failed stage with its error, its dependant as skipped, and the run as failed', async () => {
    const root = tempProject();
    const { runId, status } = await record(root, [instance('a', []), instance('b', ['a'], 'fails'), instance('c', ['b'])]);
    expect(status).toBe('failed');
    readBack(root, (store) => {
      expect(store.getRun(runId).status).toBe('failed');
      const rows = Object.fromEntries(store.getRunStages(runId).map((s) => [s.instanceId, s]));
      expect(rows.b).toMatchObject({ status: 'failed', error: 'boom' });
      expect(rows.c).toMatchObject({ status: 'skipped', error: 'b failed' });
      expect(store.getStageResult(keyOf('b'))).toBeUndefined();
    });
  });

  it('the events log from run-started to run-finished', async () => {
    const root = tempProject();
    const { runId } = await record(root, [instance('a', [])]);
    const kinds = readBack(root, (store) => store.getRunEvents(runId).map((e) => e.kind));
    expect(kinds).toEqual(['run-started', 'stage-started', 'stage-finished', 'run-finished']);
  });
});
