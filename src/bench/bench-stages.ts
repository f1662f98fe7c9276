// Stand-in stages for the queue benchmark: `noop` writes one small file (what the runner itself costs per stage),
// `spin` hashes a buffer `rounds` times (a CPU-bound stage of fixed work, to see what a second worker gains).

import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject } from '../json.js';
import type { AnyStage } from '../stages/stage.js';

const stage = (type: string, run: AnyStage['run']): AnyStage => ({ type, version: 1, paramsSchema: {} as JsonObject, usesSeed: false, scope: 'cell', run });

export const benchStages: ReadonlyMap<string, AnyStage> = new Map(
  [
    stage('noop', async (ctx) => {
      writeFileSync(join(ctx.outDir, 'out.txt'), ctx.name);
      return {};
    }),
    stage('spin', async (ctx) => {
      const block = Buffer.alloc(1 << 20, 1);
      let digest = '';
      for (let i = 0; i < Number(ctx.params.rounds); i++) digest = createHash('sha256').update(block).update(digest).digest('hex');
      writeFileSync(join(ctx.outDir, 'out.txt'), digest);
      return {};
    }),
  ].map((s) => [s.type, s]),
);
