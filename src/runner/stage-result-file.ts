// A stage's result (metrics, info, summary) is saved inside its artifact, so a cached artifact carries its own
// result and experiments.db can be rebuilt from the artifacts alone.

import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StageResult } from '../stages/stage.js';

export const STAGE_RESULT_FILE = 'pipe-result.json';

export async function writeStageResult(dir: string, result: StageResult): Promise<void> {
  await writeFile(join(dir, STAGE_RESULT_FILE), JSON.stringify(result, null, 2) + '\n');
}

export async function readStageResult(dir: string): Promise<StageResult> {
  try {
    // Synchronous: a small file, read for every cached stage of a run (fs/promises' readFile is four round trips).
    return JSON.parse(readFileSync(join(dir, STAGE_RESULT_FILE), 'utf8')) as StageResult;
  } catch {
    return {};
  }
}
