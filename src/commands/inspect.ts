// `pipe validate` and `pipe dag`: plan a spec and print it; nothing runs, and nothing is written but the content
// stamps `pipe dag` records in a project that exists.

import { formatDag } from '../pipeline-spec/format-dag.js';
import { planSpec } from './plan-spec.js';

/** Checks the spec and the user's stage modules it names; data is not read (validate shows no cache key). */
export async function validateCommand(specPath: string, overrides: string[], maxCells?: number): Promise<number> {
  const { plan } = await planSpec(specPath, { overrides, maxCells, env: process.env, cwd: process.cwd(), contents: 'none' });
  const cells = plan.cells.length;
  process.stdout.write(
    `${plan.specPath}: ok (${plan.instances.length} stage instances, ${cells} cell${cells === 1 ? '' : 's'})\n`,
  );
  return 0;
}

export async function dagCommand(specPath: string, overrides: string[], maxCells?: number): Promise<number> {
  const { plan } = await planSpec(specPath, { overrides, maxCells, env: process.env, cwd: process.cwd(), contents: 'read' });
  process.stdout.write(formatDag(plan) + '\n');
  return 0;
}
