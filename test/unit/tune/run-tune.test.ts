// A tune's logic with stand-in execution: random search chooses per group; halving promotes the top 1/eta per group
// rung by rung at growing resource; every trial plan scores val only; the final runs are the whole spec with the choice.

import { describe, expect, it } from 'vitest';
import type { RunEventListener } from '../../../src/core/run-events.js';
import { loadPlan } from '../../../src/pipeline-spec/load-plan.js';
import { loadSpec } from '../../../src/pipeline-spec/load-spec.js';
import { overrideTarget } from '../../../src/pipeline-spec/overrides.js';
import type { Plan } from '../../../src/pipeline-spec/plan-types.js';
import { readSearchBlock } from '../../../src/pipeline-spec/search-block.js';
import { SpecPlaces } from '../../../src/pipeline-spec/spec-places.js';
import type { SpecFile } from '../../../src/pipeline-spec/spec-schema.js';
import { stageRegistry } from '../../../src/stages/registry.js';
import { runTune, type ExecutedPlan, type LeaderboardRow } from '../../../src/tune/run-tune.js';
import { DATA, EVALUATE_AND_COMPARE, folder } from '../pipeline-spec/spec-fixture.js';

const SPEC = (search: string) => DATA + EVALUATE_AND_COMPARE + 'matrix:\n  ingest.classes: [all7, four]\n' + search;

/** A made-up validation score: the four-class group prefers a high lr, all7 a low one; more epochs add a little. */
function score(lr: number, classes: string, epochs: number): number {
  const base = classes === 'four' ? lr * 10 : 1 - lr * 10;
  return Math.round((base + epochs / 1000) * 1e6) / 1e6;
}

/** `cancelAfter`: the run is cancelled once that many evaluate instances have finished; the rest are skipped. */
function tuneWith(search: string, trials: number, cancelAfter?: number) {
  const dir = folder({ 'spec.yaml': SPEC(search) });
  const spec = loadSpec('spec.yaml', dir);
  const block = readSearchBlock(spec.doc, stageRegistry, new SpecPlaces(spec.positions, spec.file).of);
  const plans: { plan: Plan; tags: string[] }[] = [];
  const recorded: LeaderboardRow[] = [];
  const execute = async (plan: Plan, tags: string[], listener: RunEventListener): Promise<ExecutedPlan> => {
    plans.push({ plan, tags });
    const trainOf = new Map(plan.instances.filter((i) => i.name === 'train').map((i) => [i.id, i]));
    let evaluated = 0;
    const outcomes = plan.instances.map((i) => {
      if (i.name === 'evaluate' && cancelAfter !== undefined && evaluated++ >= cancelAfter) {
        return { id: i.id, name: i.name, type: i.type, key: i.key, cells: i.cells, status: 'skipped' as const, ms: 0, error: 'run cancelled' };
      }
      const train = trainOf.get(i.needs.find((n) => trainOf.has(n)) ?? '');
      const classes = String(plan.instances.find((x) => x.name === 'ingest' && x.cells.some((c) => i.cells.includes(c)))!.params.classes);
      const metrics = i.name === 'evaluate' && train ? { ua: score(train.params.lr as number, classes, train.params.epochs as number) } : {};
      if (i.name === 'evaluate') listener({ kind: 'stage-finished', id: i.id, key: i.key, ms: 1, metrics });
      return { id: i.id, name: i.name, type: i.type, key: i.key, cells: i.cells, status: 'ran' as const, ms: 1, result: { metrics } };
    });
    return { runId: `r${plans.length}`, status: cancelAfter === undefined ? 'succeeded' : 'cancelled', outcomes };
  };
  const choices: unknown[] = [];
  return {
    plans,
    recorded,
    choices,
    run: () =>
      runTune(
        {
          doc: spec.doc,
          search: block,
          pathOf: (key) => overrideTarget(spec.doc, key, stageRegistry, { file: spec.file }),
          plan: (doc: SpecFile) => loadPlan('spec.yaml', { stages: stageRegistry, env: {}, cwd: dir, spec: { ...spec, doc } }),
          execute,
          record: { trial: (row) => recorded.push(row), choice: (group, row, runId) => choices.push({ group, trial: row.trial, runId }) },
          tags: ['tune:t1'],
          onLeaderboard: () => {},
          signal: new AbortController().signal,
        },
        trials,
      ),
  };
}

describe('runTune, random search', () => {
  it('runs all trials in one plan scored on val, chooses per group, then runs each choice on test', async () => {
    const t = tuneWith('search:\n  space: { train.lr: { uniform: [0.01, 0.09] } }\n  trials: 5\n  per: [ingest.classes]\n', 5);
    const result = await t.run();
    expect(result.status).toBe('succeeded');
    const [trialPlan, ...finals] = t.plans;
    expect(trialPlan.tags).toEqual(['tune:t1', 'rung:0']);
    expect(trialPlan.plan.instances.filter((i) => i.name === 'evaluate').every((i) => i.params.split === 'val')).toBe(true);
    expect(t.recorded).toHaveLength(10);
    const lrOf = (trial: number) => t.recorded.find((r) => r.trial === trial)!.values['train.lr'] as number;
    const lrs = [1, 2, 3, 4, 5].map(lrOf);
    const byGroup = Object.fromEntries(result.choices.map((c) => [c.group['ingest.classes'] as string, c.row.trial]));
    expect(lrOf(byGroup.four)).toBe(Math.max(...lrs));
    expect(lrOf(byGroup.all7)).toBe(Math.min(...lrs));
    // One final run over both groups, each with its own choice, on test, its tags naming both choices.
    expect(finals).toHaveLength(1);
    const [final] = finals;
    expect(final.plan.instances.filter((i) => i.name === 'compare')).toHaveLength(1);
    expect(final.plan.instances.filter((i) => i.name === 'evaluate').map((i) => i.params.split)).toEqual(['test', 'test']);
    expect(final.plan.instances.filter((i) => i.name === 'train').map((i) => i.params.lr)).toEqual([lrOf(byGroup.all7), lrOf(byGroup.four)]);
    expect(final.tags).toEqual([
      'tune:t1',
      `trial:${byGroup.all7}@ingest.classes=all7`,
      expect.stringMatching(/^val-ua:0\.\d{4}@ingest\.classes=all7$/),
      `trial:${byGroup.four}@ingest.classes=four`,
      expect.stringMatching(/^val-ua:0\.\d{4}@ingest\.classes=four$/),
    ]);
  });
});

describe('runTune, cancelled', () => {
  it('records only the trials whose every cell finished: those the cancel skipped are left for the re-run, not failed', async () => {
    const t = tuneWith('search:\n  space: { train.lr: { uniform: [0.01, 0.09] } }\n  trials: 5\n  per: [ingest.classes]\n', 5, 3);
    const result = await t.run();
    expect(result.status).toBe('cancelled');
    expect(result.choices).toEqual([]);
    // Five trials in two groups: 10 evaluate instances (one per trial and group), 3 of which finished.
    expect(t.recorded).toHaveLength(3);
    expect(t.recorded.every((r) => r.score !== null)).toBe(true);
  });
});

describe('runTune, successive halving', () => {
  it('promotes the top 1/eta of each group at each rung, at eta times the resource, and runs the winner at max', async () => {
    const t = tuneWith('search:\n  space: { train.lr: { uniform: [0.01, 0.09] } }\n  scheduler: halving\n  resource: { key: train.epochs, min: 1, max: 9 }\n  per: [ingest.classes]\n', 9);
    const result = await t.run();
    expect(result.status).toBe('succeeded');
    const epochsOf = (p: Plan) => [...new Set(p.instances.filter((i) => i.name === 'train').map((i) => i.params.epochs))];
    // Rung 0: one plan of 9 trials × 2 groups at 1 epoch; rungs 1 and 2: one plan per group; then the final run.
    expect(t.plans.map((p) => p.tags.at(-1))).toEqual(['rung:0', 'rung:1', 'rung:1', 'rung:2', 'rung:2', expect.stringMatching(/^val-ua/)]);
    expect(t.plans.slice(0, 5).map((p) => epochsOf(p.plan))).toEqual([[1], [3], [3], [9], [9]]);
    expect(t.plans.slice(0, 5).map((p) => p.plan.cells.length)).toEqual([18, 3, 3, 1, 1]);
    const rung1 = t.recorded.filter((r) => r.rung === 1);
    for (const group of ['all7', 'four']) {
      const rung0 = t.recorded.filter((r) => r.rung === 0 && r.group.includes(group)).sort((a, b) => b.score! - a.score!);
      expect(rung1.filter((r) => r.group.includes(group)).map((r) => r.trial).sort()).toEqual(rung0.slice(0, 3).map((r) => r.trial).sort());
    }
    for (const c of result.choices) expect(c.row.resource).toBe(9);
    expect(epochsOf(t.plans[5].plan)).toEqual([9]);
  });
});

describe('runTune, TPE', () => {
  it('runs 10 random start-up trials, then batches of 4 proposed per group, and chooses among all trials', async () => {
    const t = tuneWith('search:\n  space: { train.lr: { uniform: [0.01, 0.09] } }\n  scheduler: tpe\n  per: [ingest.classes]\n', 16);
    const result = await t.run();
    expect(result.status).toBe('succeeded');
    // Start-up: one plan of 10 trials × 2 groups; then 4 and 2 more trials, one plan per group each time.
    expect(t.plans.slice(0, 5).map((p) => [p.tags.at(-1), p.plan.cells.length])).toEqual([
      ['rung:0', 20],
      ['rung:1', 4],
      ['rung:1', 4],
      ['rung:2', 2],
      ['rung:2', 2],
    ]);
    for (const group of ['all7', 'four']) {
      const rows = t.recorded.filter((r) => r.group.includes(group));
      expect(rows.map((r) => r.trial).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      const best = [...rows].sort((a, b) => b.score! - a.score! || a.trial - b.trial)[0];
      expect(result.choices.find((c) => c.group['ingest.classes'] === group)!.row.trial).toBe(best.trial);
    }
    // The four-class group prefers a high lr: its proposals lean there, the other group's toward a low one.
    const proposed = (group: string) => t.recorded.filter((r) => r.group.includes(group) && r.trial > 10).map((r) => r.values['train.lr'] as number);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(proposed('four'))).toBeGreaterThan(mean(proposed('all7')));
  });
});
