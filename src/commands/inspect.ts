// `pipe validate` and `pipe dag`: plan a spec and print it; nothing runs, and nothing is written but the content
// stamps `pipe dag` records in a project that exists.

import { formatDag } from '../pipeline-spec/format-dag.js';
import { loadSpec } from '../pipeline-spec/load-spec.js';
import { readSearchBlock } from '../pipeline-spec/search-block.js';
import { SpecPlaces } from '../pipeline-spec/spec-places.js';
import type { AnyStage } from '../stages/stage.js';
import { planSpec } from './plan-spec.js';

/** Checks the spec and the user's stage modules it names; data is not read (validate shows no cache key). */
export async function validateCommand(specPath: string, overrides: string[], maxCells?: number): Promise<number> {
  const { plan, stages } = await planSpec(specPath, { overrides, maxCells, env: process.env, cwd: process.cwd(), contents: 'none' });
  const cells = plan.cells.length;
  // A search: block is checked as `pipe tune` reads it, so that its mistakes show before a tune starts.
  const search = plan.resolved.search === undefined ? '' : `, ${describeSearch(specPath, stages)}`;
  process.stdout.write(
    `${plan.specPath}: ok (${plan.instances.length} stage instances, ${cells} cell${cells === 1 ? '' : 's'}${search})\n`,
  );
  return 0;
}

export async function dagCommand(specPath: string, overrides: string[], maxCells?: number): Promise<number> {
  const { plan } = await planSpec(specPath, { overrides, maxCells, env: process.env, cwd: process.cwd(), contents: 'read' });
  process.stdout.write(formatDag(plan) + '\n');
  return 0;
}

function describeSearch(specPath: string, stages: ReadonlyMap<string, AnyStage>): string {
  const spec = loadSpec(specPath, process.cwd());
  const search = readSearchBlock(spec.doc, stages, new SpecPlaces(spec.positions, spec.file).of);
  return `search: ${search.scheduler}, ${search.trials} trials over ${search.space.map((s) => s.key).join(', ')}`;
}
