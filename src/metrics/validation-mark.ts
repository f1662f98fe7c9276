// The `*` of compare's table: per class set and protocol, the row chosen on validation accuracy, never on test.

import { MODEL_KEY, type ResultRow } from './results-types.js';

/**
 * Marks, per class set and protocol, the row(s) with the highest mean validation accuracy, where at least two rows
 * have one to choose between. Test scores play no part: choosing the best row on test would make its test score
 * an optimistic estimate.
 */
export function markSelection(rows: ResultRow[], within: readonly string[]): ResultRow[] {
  // Rows are rivals only under the same class set and protocol: a random split's validation speakers are also
  // its training speakers, so its validation accuracy is not comparable with a LOSO row's. `within` narrows the
  // rivals further (a sweep of several models' settings marks each model's best).
  const bySet = new Map<string, ResultRow[]>();
  for (const r of rows) {
    if (r.valAccuracy === null) continue;
    const id = [r.classSet, r.protocol, ...within.map((k) => JSON.stringify(k === MODEL_KEY ? (r.values[k] ?? r.model) : (r.values[k] ?? null)))].join('|');
    bySet.set(id, [...(bySet.get(id) ?? []), r]);
  }
  for (const candidates of bySet.values()) {
    if (candidates.length < 2) continue;
    const best = Math.max(...candidates.map((r) => r.valAccuracy!));
    for (const r of candidates) r.selectedByValidation = r.valAccuracy === best;
  }
  return rows;
}
