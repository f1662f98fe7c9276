// A tune's leaderboard and choices as plain text: the best trials so far (their values and validation score) and,
// at the end, the trial chosen per group with the run that evaluated it on test.

import type { JsonObject } from '../json.js';
import type { SearchBlock } from '../pipeline-spec/search-block.js';
import type { LeaderboardRow } from '../tune/run-tune.js';

export function formatTrial(trial: number, values: JsonObject): string {
  return `trial ${String(trial).padStart(3)}  ${formatValues(values)}`;
}

/** The best `top` rows (ranked by rankBoard), one line each, under a header naming the metric. */
export function formatLeaderboard(rows: readonly LeaderboardRow[], search: SearchBlock, top: number): string {
  const metric = `val ${search.objective.metric}`;
  const shown = rows.slice(0, top);
  const lines = shown.map((r) => {
    const score = r.score === null ? 'failed'.padStart(8) : (100 * r.score).toFixed(2).padStart(7) + '%';
    const rung = r.resource === null ? '' : `  ${search.resource?.key ?? 'resource'}=${r.resource}`;
    const partial = r.cellsExpected !== undefined && r.cells < r.cellsExpected ? `  (${r.cells} of ${r.cellsExpected} cells so far)` : '';
    return `  ${score}  trial ${String(r.trial).padStart(3)}${formatGroup(r.group)}  ${formatValues(r.values)}${rung}${partial}`;
  });
  const more = rows.length > shown.length ? ` (best ${shown.length} of ${rows.length})` : '';
  return [`leaderboard, ${metric}${more}:`, ...lines].join('\n');
}

export function formatChoice(
  group: JsonObject,
  row: LeaderboardRow,
  search: SearchBlock,
  finalRunId: string | null,
  finalStatus: 'succeeded' | 'failed' | 'cancelled' | 'not run' = 'succeeded',
): string {
  const where = Object.keys(group).length ? ` for ${formatValues(group)}` : '';
  const final = !finalRunId
    ? '; not run on test (cancelled)'
    : finalStatus === 'succeeded'
      ? `; run ${finalRunId} evaluated it on test`
      : `; run ${finalRunId}, which was to evaluate it on test, ${finalStatus === 'failed' ? 'failed' : 'was cancelled'} (pipe show ${finalRunId})`;
  return `chosen${where}: trial ${row.trial} (val ${search.objective.metric} ${(100 * row.score!).toFixed(2)}%) ${formatValues(row.values)}${final}`;
}

function formatGroup(group: string): string {
  const values = JSON.parse(group) as JsonObject;
  return Object.keys(values).length ? `  [${formatValues(values)}]` : '';
}

function formatValues(values: JsonObject): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}
