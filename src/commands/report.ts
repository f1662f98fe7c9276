// `pipe report RUN`: one self-contained HTML page for a run (header, stages, metrics, compare table and chart,
// confusion matrices, learning curves), built from experiments.db and the run's artifacts; `--out -` prints it.

import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { projectPaths } from '../runner/run-plan.js';
import { ExperimentStore } from '../store/db.js';
import { pathInside, slug } from '../store/safe-path.js';
import { collectReport } from '../ui/report-data.js';
import { renderReportPage } from '../ui/report-page.js';

export async function reportCommand(runRef: string, opts: { out?: string }): Promise<number> {
  const store = ExperimentStore.openExisting(projectPaths(process.cwd()).db);
  let html: string;
  let runId: string;
  try {
    const data = await collectReport(store, runRef);
    runId = data.run.id;
    html = renderReportPage(data);
  } finally {
    store.close();
  }
  // `--out -`: the page to standard output, nothing written in the project (a read-only report, e.g. to pipe on).
  if (opts.out === '-') {
    process.stdout.write(html);
    return 0;
  }
  const out = opts.out ? resolve(opts.out) : pathInside(process.cwd(), `report-${slug(runId, 'run')}.html`, 'the report');
  // Written beside and renamed over: a symbolic link at `out` is replaced, never written through.
  const tmp = `${out}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, html, { flag: 'wx' });
  await rename(tmp, out).catch(async (err: unknown) => {
    await rm(tmp, { force: true });
    throw err;
  });
  process.stdout.write(`wrote ${out}\n`);
  return 0;
}
