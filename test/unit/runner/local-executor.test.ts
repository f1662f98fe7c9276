// The local executor: a cached stage is reused without waiting for a place among the `jobs` computing ones.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/core/run-events.js';
import type { JsonObject } from '../../../src/json.js';
import { executePlan } from '../../../src/runner/execute-plan.js';
import type { Plan } from '../../../src/pipeline-spec/plan-types.js';
import type { AnyStage } from '../../../src/stages/stage.js';
import { ArtifactStore } from '../../../src/store/artifact-store.js';
import { instance, planOf, standInStages, tempProject } from './runner-fixture.js';

function execute(plan: Plan, root: string, stages: ReadonlyMap<string, AnyStage>, onEvent: (e: RunEvent) => void = () => {}) {
  return executePlan(plan, {
    runId: 'r',
    artifacts: new ArtifactStore(join(root, 'artifacts')),
    stages,
    jobs: 1,
    force: new Set(),
    verify: 'stamp',
    runOptions: { projectDir: root },
    signal: new AbortController().signal,
    onEvent,
  });
}

describe('local executor', () => {
  it('reuses a cached stage while the only job slot is taken by a stage that waits for that reuse', async () => {
    const root = tempProject();
    await execute(planOf([instance('a', [])]), root, standInStages());

    // `b` holds the one slot until `a` is reported cached; were `a` queued behind it, `b` would give up waiting.
    let seenCached: () => void = () => {};
    const cached = new Promise<'cached'>((resolve) => (seenCached = () => resolve('cached')));
    const gate: AnyStage = {
      type: 'gate',
      version: 1,
      paramsSchema: {} as JsonObject,
      usesSeed: false,
      scope: 'cell',
      run: async (ctx) => {
        const seen = await Promise.race([cached, new Promise<'gave up'>((resolve) => setTimeout(() => resolve('gave up'), 5000))]);
        writeFileSync(join(ctx.outDir, 'out.txt'), seen);
        return { metrics: {}, info: { seen } };
      },
    };
    const stages = new Map([...standInStages(), [gate.type, gate]]);
    const result = await execute(planOf([instance('b', [], 'gate'), instance('a', [])]), root, stages, (e) => {
      if (e.kind === 'stage-cached' && e.id === 'a') seenCached();
    });

    expect(result.outcomes.map((o) => [o.id, o.status])).toEqual([
      ['b', 'ran'],
      ['a', 'cached'],
    ]);
    expect(result.outcomes[0].result?.info).toEqual({ seen: 'cached' });
  });
});
