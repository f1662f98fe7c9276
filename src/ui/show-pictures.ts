// The pictures `pipe show RUN` prints under its tables: each evaluation's confusion matrix and each training's
// loss and accuracy curves as sparklines, read from the run's artifacts (a missing file just shows nothing).

import { join } from 'node:path';
import { confusionMatrixTable } from '../charts/confusion-table.js';
import { sparkline } from '../charts/sparkline.js';
import { readConfusion, readHistory, readJsonFile } from './artifact-files.js';

export interface ShownStage {
  instanceId: string;
  stageName: string;
  key: string;
  status: string;
}

/** `lookup` is the store's getStageResult: the stage type and artifact folder of a cache key. */
export function artifactPictures(
  stages: ShownStage[],
  lookup: (key: string) => { type: string; artifactPath: string } | null | undefined,
  options: { color?: boolean } = {},
): string {
  const blocks: string[] = [];
  for (const s of stages) {
    const result = s.status === 'ran' || s.status === 'cached' ? lookup(s.key) : undefined;
    if (!result) continue;
    if (result.type === 'evaluate') {
      const confusion = readConfusion(readJsonFile(join(result.artifactPath, 'metrics.json')));
      if (confusion) blocks.push(`${s.instanceId}: confusion matrix\n${confusionMatrixTable(confusion.classes, confusion.matrix, options)}`);
    } else if (result.type === 'train') {
      const history = readHistory(readJsonFile(join(result.artifactPath, 'history.json')));
      if (history?.length) blocks.push(`${s.instanceId}: ${history.length} epochs\n${curves(history)}`);
    }
  }
  return blocks.join('\n\n');
}

function curves(history: NonNullable<ReturnType<typeof readHistory>>): string {
  const last = history[history.length - 1];
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const line = (label: string, values: number[], shown: string): string => `  ${label.padEnd(8)} ${sparkline(values, 60)} ${shown}`;
  return [
    line('loss', history.map((h) => h.loss), last.loss.toFixed(4)),
    line('val loss', history.map((h) => h.valLoss), last.valLoss.toFixed(4)),
    line('acc', history.map((h) => h.accuracy), pct(last.accuracy)),
    line('val acc', history.map((h) => h.valAccuracy), pct(last.valAccuracy)),
  ].join('\n');
}
