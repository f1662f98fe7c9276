// Plans of stand-in stages for runner tests: instances named by letter (key = the letter 64 times), one cell, and
// stages that record the order they ran in, so scheduling is tested without the CLI, specs or audio.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../../../src/json.js';
import type { Plan, StageInstance } from '../../../src/pipeline-spec/plan-types.js';
import type { AnyStage } from '../../../src/stages/stage.js';

/** Keys are hex, so instance ids start with a to f. */
export const keyOf = (id: string): string => id[0].repeat(64);

export function instance(id: string, needs: string[], type = 'writes'): StageInstance {
  return { id, name: id, type, version: 1, params: {}, seed: 1, needs, key: keyOf(id), cells: ['c1'], place: {} };
}

export function planOf(instances: StageInstance[]): Plan {
  return { name: 't', specPath: 't.yaml', specHash: 'h', overrides: {}, resolved: {}, cells: [{ id: 'c1', values: {}, seed: 1 }], instances };
}

export function tempProject(): string {
  return mkdtempSync(join(tmpdir(), 'pipe-runner-'));
}

/** Stand-in stage types: `writes` writes a file and reports one metric, `fails` throws. `ran` lists starts in order. */
export function standInStages(ran: string[] = []): ReadonlyMap<string, AnyStage> {
  const stage = (type: string, run: AnyStage['run']): AnyStage => ({ type, version: 1, paramsSchema: {} as JsonObject, usesSeed: false, scope: 'cell', run });
  const writes = stage('writes', async (ctx) => {
    ran.push(ctx.name);
    // A turn of the event loop, so that stages finishing later can be queued while this one runs.
    await new Promise((resolve) => setTimeout(resolve, 5));
    writeFileSync(join(ctx.outDir, 'out.txt'), ctx.name);
    return { metrics: { n: ctx.inputs.length } };
  });
  const fails = stage('fails', async (ctx) => {
    ran.push(ctx.name);
    throw new Error('boom');
  });
  return new Map([writes, fails].map((s) => [s.type, s]));
}
