// Planning as the commands do it: the spec's stage types (built-ins and the user's modules), and the contents of
// the files and folders stages read, digested through the project's stamp table so that a re-run stats them.

import { existsSync } from 'node:fs';
import { loadPlan, type LoadPlanOptions } from '../pipeline-spec/load-plan.js';
import { loadSpec } from '../pipeline-spec/load-spec.js';
import type { Plan } from '../pipeline-spec/plan-types.js';
import { projectPaths } from '../runner/run-plan.js';
import type { AnyStage } from '../stages/stage.js';
import { ContentDigests, type StampStore } from '../store/content-digest.js';
import { ExperimentStore } from '../store/db.js';
import { stageTypesFor } from './module-stages.js';

export interface PlanSpecOptions extends Omit<LoadPlanOptions, 'stages' | 'contents' | 'cwd' | 'spec'> {
  /** The project folder. */
  cwd: string;
  /**
   * `run`: stamps in the project's experiments.db, created if need be; `read`: stamps only where a project exists
   * (dry runs, `pipe dag` write no new project); `none`: data contents are not digested (`pipe validate`).
   */
  contents: 'run' | 'read' | 'none';
}

export async function planSpec(specPath: string, options: PlanSpecOptions): Promise<{ plan: Plan; stages: ReadonlyMap<string, AnyStage> }> {
  const { contents, ...rest } = options;
  const db = projectPaths(options.cwd).db;
  let store: ExperimentStore | undefined;
  // Opened on the first digest, which planning asks for only once the spec has passed every check: a bad spec
  // writes nothing, not even a new experiments.db.
  const open = (): ExperimentStore => (store ??= ExperimentStore.open(db));
  const stamped = contents === 'run' || (contents === 'read' && existsSync(db));
  const stamps: StampStore | undefined = stamped
    ? { contentStampsUnder: (f) => open().contentStampsUnder(f), contentStamp: (p) => open().contentStamp(p), recordContentStamps: (r) => open().recordContentStamps(r) }
    : undefined;
  try {
    const spec = loadSpec(specPath, options.cwd);
    // A module's few files are hashed each time: it is loaded before the spec is checked.
    const stages = await stageTypesFor(spec, { cwd: options.cwd, digest: new ContentDigests().digest });
    const plan = loadPlan(specPath, { ...rest, spec, stages, contents: contents === 'none' ? undefined : new ContentDigests(stamps).digest });
    return { plan, stages };
  } finally {
    store?.close();
  }
}
