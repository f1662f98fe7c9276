// The flags of compare's rows that `pipe show RUN` prints under its tables: which seeds of which row did not learn,
// collapsed or overfit, and which rows are of a protocol variant (speaker-normalised features), read from each
// compare artifact's results.json (a missing or older file shows nothing).

import { join } from 'node:path';
import { describeFlags } from '../metrics/diagnose.js';
import { PROTOCOL_VARIANT_NOTES } from '../metrics/results-types.js';
import { readCompareFlags, readJsonFile } from './artifact-files.js';
import type { ShownStage } from './show-pictures.js';

/** `lookup` is the store's getStageResult, as for artifactPictures. */
export function compareFlags(stages: ShownStage[], lookup: (key: string) => { type: string; artifactPath: string } | null | undefined): string {
  const blocks: string[] = [];
  for (const s of stages) {
    const result = s.status === 'ran' || s.status === 'cached' ? lookup(s.key) : undefined;
    if (result?.type !== 'compare') continue;
    const rows = readCompareFlags(readJsonFile(join(result.artifactPath, 'results.json')));
    if (!rows) continue;
    const flagged = rows.flatMap((r) => {
      const phrases = describeFlags(r.flags, r.seeds);
      return phrases.length ? [`  ${r.label}: ${phrases.join('; ')}`] : [];
    });
    const unjudged = rows.filter((r) => r.flags.overfit === null).length;
    const lines = [flagged.length ? `${s.instanceId}: flags (legend under results.md)` : `${s.instanceId}: no row flagged`, ...flagged];
    if (unjudged) lines.push(`  overfit not judged for ${unjudged} of ${rows.length} rows: their evaluations hold no training or validation accuracy`);
    for (const r of rows) if (r.protocolVariant !== undefined) lines.push(`  ${r.label}: ${PROTOCOL_VARIANT_NOTES[r.protocolVariant] ?? r.protocolVariant}`);
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n');
}
