// `pipe gc`: remove artifacts that no recorded run references. Artifacts that a live run has marked in use are
// never removed (the artifact store checks its in-use marks and key locks).

import { projectPaths } from '../runner/run-plan.js';
import { ArtifactStore } from '../store/artifact-store.js';
import { ExperimentStore } from '../store/db.js';

export async function gcCommand(opts: { dryRun?: boolean }): Promise<number> {
  const paths = projectPaths(process.cwd());
  const store = ExperimentStore.openExisting(paths.db);
  let keep: Set<string>;
  try {
    keep = store.referencedKeys();
  } finally {
    store.close();
  }
  const artifacts = new ArtifactStore(paths.artifacts);
  const result = await artifacts.gc({ keep, dryRun: opts.dryRun ?? false });
  const verb = opts.dryRun ? 'would remove' : 'removed';
  for (const key of result.removed) process.stdout.write(`${verb} ${key}\n`);
  for (const key of result.scratch) process.stdout.write(`${verb} checkpoints of ${key}\n`);
  process.stdout.write(
    `${verb} ${result.removed.length} artifact(s) and ${result.scratch.length} checkpoint folder(s), ${(result.bytes / 1e6).toFixed(1)} MB\n`,
  );
  return 0;
}
