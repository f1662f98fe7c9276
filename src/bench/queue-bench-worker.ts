// A `pipe worker` for the queue benchmark, with its stand-in stages: node queue-bench-worker.js URL PROJECT_DIR.

import { parseRedisUrl } from '../runner/queue/redis-target.js';
import { startStageWorker } from '../runner/queue/stage-worker.js';
import { benchStages } from './bench-stages.js';

const [url, projectDir] = process.argv.slice(2);
const worker = await startStageWorker({
  target: parseRedisUrl(url),
  projectDir,
  stages: benchStages,
  // As `pipe worker` does: stages computed in threads of their own.
  stageModule: { url: new URL('./bench-stages.js', import.meta.url).href, exportName: 'benchStages' },
  concurrency: 1,
  lockMs: 30_000,
  log: (line) => {
    if (line.startsWith('worker ')) process.stdout.write('ready\n');
  },
});
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
