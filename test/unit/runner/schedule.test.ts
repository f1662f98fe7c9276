// What the runner runs, reuses and skips, and in which order: force, dry-run, a failed need, priorities.

import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/core/run-events.js';
import { plannedActions } from '../../../src/runner/dry-run.js';
import { executePlan, forcedInstances, type ExecuteResult } from '../../../src/runner/execute-plan.js';
import type { StageInstance } from '../../../src/pipeline-spec/plan-types.js';
import { ArtifactStore } from '../../../src/store/artifact-store.js';
import { instance, planOf, standInStages, tempProject } from './runner-fixture.js';

interface Execution {
  result: ExecuteResult;
  events: RunEvent[];
  ran: string[];
}

async function execute(root: string, instances: StageInstance[], options: { force?: string[]; jobs?: number } = {}): Promise<Execution> {
  const ran: string[] = [];
  const events: RunEvent[] = [];
  const result = await executePlan(planOf(instances), {
    runId: 'r',
    artifacts: new ArtifactStore(`${root}/artifacts`),
    stages: standInStages(ran),
    jobs: options.jobs ?? 2,
    force: new Set(options.force ?? []),
    verify: 'stamp',
    runOptions: { projectDir: root },
    signal: new AbortController().signal,
    onEvent: (e) => events.push(e),
  });
  return { result, events, ran };
}

const statuses = (r: ExecuteResult): Record<string, string> => Object.fromEntries(r.outcomes.map((o) => [o.id, o.status]));

const chain = [instance('a', []), instance('b', ['a']), instance('c', ['b']), instance('d', ['a'])];

describe('force', () => {
  it('forcedInstances names the forced stage and everything downstream of it, nothing upstream or beside it', () => {
    expect([...forcedInstances(planOf(chain), new Set(['b']))].sort()).toEqual(['b', 'c']);
    expect([...forcedInstances(planOf(chain), new Set(['a']))].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(forcedInstances(planOf(chain), new Set()).size).toBe(0);
  });

  it('a forced stage and its dependants run again although cached; the rest is reused', async () => {
    const root = tempProject();
    await execute(root, chain);
    const again = await execute(root, chain, { force: ['b'] });
    expect(statuses(again.result)).toEqual({ a: 'cached', b: 'ran', c: 'ran', d: 'cached' });
    expect(again.ran).toEqual(['b', 'c']);
    expect(again.result.status).toBe('succeeded');
  });

  it('a forced stage replaces its artifact: the key stays verifiable afterwards', async () => {
    const root = tempProject();
    await execute(root, chain);
    await execute(root, chain, { force: ['a'] });
    const lookups = await Promise.all(chain.map((i) => new ArtifactStore(`${root}/artifacts`).lookup(i.key, { verify: 'full' })));
    expect(lookups.map((l) => l.ok)).toEqual([true, true, true, true]);
  });
});

describe('dry-run', () => {
  it('says every stage would run in an empty project, and runs nothing', async () => {
    const root = tempProject();
    const rows = await plannedActions(planOf(chain), new ArtifactStore(`${root}/artifacts`), { force: new Set(), verify: 'stamp' });
    expect(rows.map((r) => [r.id, r.action])).toEqual([
      ['a', 'run'],
      ['b', 'run'],
      ['c', 'run'],
      ['d', 'run'],
    ]);
    expect(rows[0].key).toBe(chain[0].key);
    const after = await plannedActions(planOf(chain), new ArtifactStore(`${root}/artifacts`), { force: new Set(), verify: 'full' });
    expect(after.every((r) => r.action === 'run')).toBe(true);
  });

  it('after a run, says cached for every stage, and run for a forced one and its dependants', async () => {
    const root = tempProject();
    await execute(root, chain);
    const artifacts = new ArtifactStore(`${root}/artifacts`);
    const cached = await plannedActions(planOf(chain), artifacts, { force: new Set(), verify: 'full' });
    expect(cached.map((r) => r.action)).toEqual(['cached', 'cached', 'cached', 'cached']);
    const forced = await plannedActions(planOf(chain), artifacts, { force: new Set(['b']), verify: 'stamp' });
    expect(Object.fromEntries(forced.map((r) => [r.id, r.action]))).toEqual({ a: 'cached', b: 'run', c: 'run', d: 'cached' });
  });
});

describe('a failed need', () => {
  it('skips every stage downstream of it, naming the need, runs nothing of them, and fails the run', async () => {
    const root = tempProject();
    const plan = [instance('a', []), instance('b', ['a'], 'fails'), instance('c', ['b']), instance('e', ['c']), instance('d', ['a'])];
    const { result, events, ran } = await execute(root, plan);
    expect(statuses(result)).toEqual({ a: 'ran', b: 'failed', c: 'skipped', e: 'skipped', d: 'ran' });
    expect(ran.sort()).toEqual(['a', 'b', 'd']);
    const skipped = events.filter((e) => e.kind === 'stage-skipped');
    expect(skipped).toEqual([
      { kind: 'stage-skipped', id: 'c', key: plan[2].key, reason: 'b failed' },
      { kind: 'stage-skipped', id: 'e', key: plan[3].key, reason: 'c skipped' },
    ]);
    expect(result.status).toBe('failed');
  });

  it('leaves no artifact for the failed stage, so the next run tries it again and reuses the rest', async () => {
    const root = tempProject();
    const plan = [instance('a', []), instance('b', ['a'], 'fails'), instance('d', ['a'])];
    await execute(root, plan);
    const again = await execute(root, plan);
    expect(statuses(again.result)).toEqual({ a: 'cached', b: 'failed', d: 'cached' });
    expect(again.ran).toEqual(['b']);
  });
});

describe('priorities', () => {
  it('with one job, a stage whose need just finished runs before a waiting root stage (deeper first)', async () => {
    // a, b and c are roots queued at once; a's dependant f is queued while b runs, and goes before c.
    const root = tempProject();
    const { ran } = await execute(root, [instance('a', []), instance('b', []), instance('c', []), instance('f', ['a'])], { jobs: 1 });
    expect(ran).toEqual(['a', 'b', 'f', 'c']);
  });

  it('never starts a stage before all of its needs have finished', async () => {
    const root = tempProject();
    const { events } = await execute(root, [instance('a', []), instance('b', []), instance('f', ['a', 'b'])], { jobs: 3 });
    const order = events.filter((e) => e.kind === 'stage-started' || e.kind === 'stage-finished').map((e) => `${e.kind === 'stage-started' ? '+' : '-'}${e.id}`);
    expect(order.indexOf('+f')).toBeGreaterThan(order.indexOf('-a'));
    expect(order.indexOf('+f')).toBeGreaterThan(order.indexOf('-b'));
  });

  it('runs independent stages at once, never more than jobs', async () => {
    const root = tempProject();
    const { events } = await execute(root, [instance('a', []), instance('b', []), instance('c', []), instance('d', [])], { jobs: 2 });
    let running = 0;
    let most = 0;
    for (const e of events) {
      if (e.kind === 'stage-started') most = Math.max(most, ++running);
      if (e.kind === 'stage-finished') running -= 1;
    }
    expect(most).toBe(2);
  });
});
