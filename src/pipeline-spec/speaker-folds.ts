// Leave-one-speaker-out in planning. A cell whose split stage says `folds: loso` without a `fold` becomes one cell
// per fold, each with the matrix value `<stage>.fold: k`: folds are then ordinary cells (their own instance ids,
// upstream instances shared through equal keys) that compare can recognise by the key and pool.

import type { CellInfo } from '../core/cell.js';
import type { JsonObject } from '../json.js';
import type { ResolvedStage } from './resolve-cell.js';

/** `<stage>.fold` of a split stage that asks for every fold, with the number of folds. */
export interface FoldAxis {
  key: string;
  folds: number;
}

/** The split stages of one resolved cell that ask for every fold; a `fold` set by hand asks for that one only. */
export function foldAxes(stages: ReadonlyMap<string, ResolvedStage>): FoldAxis[] {
  return [...stages.values()]
    .filter((s) => s.type === 'split' && s.params.folds === 'loso' && s.params.fold === undefined)
    .map((s) => ({ key: `${s.name}.fold`, folds: Number(s.params.speakers) }));
}

/**
 * Every cell once per fold (fold 1 first), its values gaining `<stage>.fold: k`, ids renumbered c1..cN in order.
 * `resolved` holds the cells' resolved stages, in the order of `cells`.
 */
export function expandFolds(cells: readonly CellInfo[], resolved: readonly ReadonlyMap<string, ResolvedStage>[]): CellInfo[] {
  const out: CellInfo[] = [];
  cells.forEach((cell, i) => {
    let values: JsonObject[] = [cell.values];
    for (const axis of foldAxes(resolved[i])) {
      values = values.flatMap((v) => Array.from({ length: axis.folds }, (_, k) => ({ ...v, [axis.key]: k + 1 })));
    }
    for (const v of values) out.push({ id: `c${out.length + 1}`, values: v, seed: cell.seed });
  });
  return out;
}
