// `pipe export RUN [--out DIR]`: a folder that lets someone reproduce a run elsewhere: the resolved spec (extends
// and overrides folded in, so `pipe run DIR/spec.yaml` plans the same cache keys), the overrides as given,
// package versions, backend, metrics, and the result tables of the run's compare stages.

import { copyFileSync, existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { StoreError } from '../errors.js';
import { projectPaths } from '../runner/run-plan.js';
import { ExperimentStore } from '../store/db.js';
import { pathInside, slug } from '../store/safe-path.js';

const RESULT_FILES = ['results.md', 'results.csv', 'results.json', 'chart.svg'];

export function exportCommand(ref: string, opts: { out?: string }): number {
  const store = ExperimentStore.openExisting(projectPaths(process.cwd()).db);
  try {
    const run = store.getRun(ref);
    // A run name is data: as the default folder's name it is a slug, and that folder stays inside the project.
    const shown = opts.out ?? `export-${slug(run.name ?? run.id, run.id)}`;
    const out = opts.out ? resolve(opts.out) : pathInside(process.cwd(), shown, 'the export folder');
    if (lexists(out)) throw new StoreError(`${shown} already exists`, { file: shown }, 'choose another --out, or remove it');
    mkdirSync(dirname(out), { recursive: true });
    mkdirSync(out);
    const header = [
      `# Exported from run ${run.id}${run.name ? ` (${run.name})` : ''} of ${run.specPath}`,
      `# Reproduce with: pipe run ${join(shown, 'spec.yaml')}`,
      '',
    ].join('\n');
    writeFileSync(join(out, 'spec.yaml'), header + stringify(run.resolvedSpec));
    writeFileSync(join(out, 'overrides.json'), JSON.stringify(run.overrides, null, 2) + '\n');
    const stages = store.getRunStages(run.id);
    writeFileSync(
      join(out, 'run.json'),
      JSON.stringify({ ...run, stages: stages.map((s) => ({ id: s.instanceId, key: s.key, status: s.status, ms: s.ms })) }, null, 2) + '\n',
    );
    writeFileSync(join(out, 'metrics.json'), JSON.stringify(store.getRunMetrics(run.id), null, 2) + '\n');
    for (const s of stages) {
      const result = store.getStageResult(s.key);
      if (!result || result.type !== 'compare') continue;
      for (const f of RESULT_FILES) {
        const src = join(result.artifactPath, f);
        if (existsSync(src)) copyFileSync(src, join(out, f));
      }
    }
    process.stdout.write(`exported ${run.id} to ${shown}/ (spec.yaml, overrides.json, run.json, metrics.json, result tables)\n`);
    return 0;
  } finally {
    store.close();
  }
}

/** Whether anything is at `path`, a dangling symbolic link included. */
function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
