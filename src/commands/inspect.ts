// `pipe validate` and `pipe dag`: plan a spec and print it; nothing runs, nothing is written.

import { formatDag } from '../pipeline-spec/format-dag.js';
import { loadPlan } from '../pipeline-spec/load-plan.js';
import { stageRegistry } from '../stages/registry.js';

export function validateCommand(specPath: string, overrides: string[], maxCells?: number): number {
  const plan = loadPlan(specPath, { stages: stageRegistry, overrides, maxCells, env: process.env, cwd: process.cwd() });
  const cells = plan.cells.length;
  process.stdout.write(
    `${plan.specPath}: ok (${plan.instances.length} stage instances, ${cells} cell${cells === 1 ? '' : 's'})\n`,
  );
  return 0;
}

export function dagCommand(specPath: string, overrides: string[], maxCells?: number): number {
  const plan = loadPlan(specPath, { stages: stageRegistry, overrides, maxCells, env: process.env, cwd: process.cwd() });
  process.stdout.write(formatDag(plan) + '\n');
  return 0;
}
