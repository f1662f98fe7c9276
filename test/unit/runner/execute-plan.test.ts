// The runner with stand-in stages: failures skip only their dependants, a full disk loses nothing finished,
// and nothing half-written is left in the artifact store.

import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/core/run-events.js';
import type { JsonObject } from '../../../src/json.js';
import { executePlan } from '../../../src/runner/execute-plan.js';
import type { Plan, StageInstance } from '../../../src/pipeline-spec/plan-types.js';
import type { AnyStage } from '../../../src/stages/stage.js';
import { ArtifactStore } from '../../../src/store/artifact-store.js';

const key = (c: string): string => c.repeat(64);

function instance(id: string, needs: string[], type: string): StageInstance {
  return { id, name: id, type, version: 1, params: {}, seed: 1, needs, key: key(id[0]), cells: ['c1'], place: {} };
}

function stage(type: string, run: AnyStage['run']): AnyStage {
  return { type, version: 1, paramsSchema: {} as JsonObject, usesSeed: false, scope: 'cell', run };
}

const writes = stage('writes', async (ctx) => {
  writeFileSync(join(ctx.outDir, 'out.txt'), ctx.name);
  return { metrics: { n: 1 } };
});
const fails = stage('fails', async () => {
  throw new Error('boom');
});
const diskFull = stage('diskfull', async (ctx) => {
  writeFileSync(join(ctx.outDir, 'part.bin'), 'half');
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
});

async function run(instances: StageInstance[]) {
  const root = mkdtempSync(join(tmpdir(), 'pipe-runner-'));
  const plan: Plan = { name: 't', specPath: 't.yaml', specHash: 'h', overrides: {}, resolved: {}, cells: [{ id: 'c1', values: {}, seed: 1 }], instances };
  const events: RunEvent[] = [];
  const result = await executePlan(plan, {
    runId: 'r',
    artifacts: new ArtifactStore(join(root, 'artifacts')),
    stages: new Map([writes, fails, diskFull].map((s) => [s.type, s])),
    jobs: 2,
    force: new Set(),
    verify: 'stamp',
    runOptions: { projectDir: root },
    signal: new AbortController().signal,
    onEvent: (e) => events.push(e),
  });
  return { result, events, root };
}

describe('executePlan', () => {
  it('a failing stage skips its dependants while an unrelated branch finishes', async () => {
    const { result } = await run([instance('a', [], 'writes'), instance('b', ['a'], 'fails'), instance('c', ['b'], 'writes'), instance('d', ['a'], 'writes')]);
    const status = Object.fromEntries(result.outcomes.map((o) => [o.id, o.status]));
    expect(status).toEqual({ a: 'ran', b: 'failed', c: 'skipped', d: 'ran' });
    expect(result.status).toBe('failed');
    expect(result.outcomes.find((o) => o.id === 'b')!.error).toBe('boom');
  });

  it('a full disk fails that stage with a hint, discards its half-written folder and keeps what finished', async () => {
    const { result, root } = await run([instance('a', [], 'writes'), instance('e', ['a'], 'diskfull')]);
    const e = result.outcomes.find((o) => o.id === 'e')!;
    expect(e.status).toBe('failed');
    expect(e.error).toMatch(/the disk is full[\s\S]*hint: free some space/);
    const artifacts = join(root, 'artifacts');
    expect(existsSync(join(artifacts, key('e')))).toBe(false);
    expect(readdirSync(join(artifacts, '.tmp')).filter((f) => f.startsWith(key('e')))).toEqual([]);
    expect((await new ArtifactStore(artifacts).lookup(key('a'), { verify: 'full' })).ok).toBe(true);
  });

  it('a second execution reuses every verified artifact', async () => {
    const instances = [instance('a', [], 'writes'), instance('d', ['a'], 'writes')];
    const first = await run(instances);
    const plan: Plan = { name: 't', specPath: 't.yaml', specHash: 'h', overrides: {}, resolved: {}, cells: [{ id: 'c1', values: {}, seed: 1 }], instances };
    const again = await executePlan(plan, {
      runId: 'r2',
      artifacts: new ArtifactStore(join(first.root, 'artifacts')),
      stages: new Map([[writes.type, writes]]),
      jobs: 1,
      force: new Set(),
      verify: 'stamp',
      runOptions: { projectDir: first.root },
      signal: new AbortController().signal,
      onEvent: () => {},
    });
    expect(again.outcomes.map((o) => o.status)).toEqual(['cached', 'cached']);
    expect(again.outcomes[1].result?.metrics).toEqual({ n: 1 });
  });

  it('a plan-scope stage sees each input cell without the matrix keys of stages that input does not read', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pipe-runner-'));
    const seen: JsonObject[] = [];
    const gathers: AnyStage = { ...stage('gathers', async (ctx) => {
      for (const input of ctx.inputs) seen.push({ name: input.name, ...input.cell.values });
      writeFileSync(join(ctx.outDir, 'out.txt'), 'x');
      return { metrics: {} };
    }), scope: 'plan' };
    const cells = [{ id: 'c1', values: { 'ingest.classes': 'all7', 'train.lr': 0.1, seed: 1 }, seed: 1 }];
    const a = { ...instance('a', [], 'writes'), name: 'evaluate', matrixKeys: ['ingest.classes', 'train.lr', 'seed'] };
    const b = { ...instance('b', [], 'writes'), name: 'evaluate_cnn', matrixKeys: ['ingest.classes', 'seed'] };
    const c = { ...instance('c', ['a', 'b'], 'gathers'), name: 'compare' };
    const plan: Plan = { name: 't', specPath: 't.yaml', specHash: 'h', overrides: {}, resolved: {}, cells, instances: [a, b, c] };
    await executePlan(plan, {
      runId: 'r',
      artifacts: new ArtifactStore(join(root, 'artifacts')),
      stages: new Map([writes, gathers].map((s) => [s.type, s])),
      jobs: 1,
      force: new Set(),
      verify: 'stamp',
      runOptions: { projectDir: root },
      signal: new AbortController().signal,
      onEvent: () => {},
    });
    expect(seen).toEqual([
      { name: 'evaluate', 'ingest.classes': 'all7', 'train.lr': 0.1, seed: 1 },
      { name: 'evaluate_cnn', 'ingest.classes': 'all7', seed: 1 },
    ]);
  });
});
