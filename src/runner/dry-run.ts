// `pipe run --dry-run`: which instances of a plan would run and which would be reused, without running any.

import type { Plan } from '../pipeline-spec/plan-types.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { forcedInstances } from './execute-plan.js';

export interface PlannedAction {
  id: string;
  key: string;
  action: 'run' | 'cached';
}

/** A forced instance (and everything downstream of it) would run; any other is reused when its artifact verifies. */
export async function plannedActions(
  plan: Plan,
  artifacts: ArtifactStore,
  options: { force: ReadonlySet<string>; verify: 'stamp' | 'full' },
): Promise<PlannedAction[]> {
  const forced = forcedInstances(plan, options.force);
  const rows: PlannedAction[] = [];
  for (const inst of plan.instances) {
    const hit = forced.has(inst.id) ? { ok: false } : await artifacts.lookup(inst.key, { verify: options.verify });
    rows.push({ id: inst.id, key: inst.key, action: hit.ok ? 'cached' : 'run' });
  }
  return rows;
}
