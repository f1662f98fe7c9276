// `pipe report RUN`: one self-contained HTML page for a run (header, stages, metrics, compare table and chart,
// confusion matrices, learning curves), built from experiments.db and the run's artifacts.

import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { projectPaths } from '../runner/run-plan.js';
import { ExperimentStore } from '../store/db.js';
import { collectReport } from '../ui/report-data.js';
import { renderReportPage } from '../ui/report-page.js';

export async function reportCommand(runRef: string, opts: { out?: string }): Promise<number> {
  const store = ExperimentStore.open(projectPaths(process.cwd()).db);
  let html: string;
  let runId: string;
  try {
    const data = await collectReport(store, runRef);
    runId = data.run.id;
    html = renderReportPage(data);
  } finally {
    store.close();
  }
  const out = resolve(opts.out ?? `report-${runId}.html`);
  await writeFile(out, html);
  process.stdout.write(`wrote ${out}\n`);
  return 0;
}
