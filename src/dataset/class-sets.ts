// Class sets: which emotions an experiment uses, in label-index order (label i = classes[i]).

import { DataError } from '../errors.js';
import { EMOTIONS, type Emotion } from './types.js';

/** As the ingest stage's `classes` param takes it: a named set or an explicit list. */
export type ClassSetSpec = 'all7' | 'four' | Emotion[];

/** The paper's four-class subset (339 files in the original EMO-DB). */
export const FOUR_CLASSES: readonly Emotion[] = ['anger', 'happiness', 'neutral', 'sadness'];

export function resolveClassSet(spec: ClassSetSpec): Emotion[] {
  if (spec === 'all7') return [...EMOTIONS];
  if (spec === 'four') return [...FOUR_CLASSES];
  const unknown = spec.filter((c) => !(EMOTIONS as readonly string[]).includes(c));
  if (unknown.length > 0) {
    throw new DataError(`unknown emotion ${unknown.join(', ')} in the class set`, {}, `use all7, four, or a list of: ${EMOTIONS.join(', ')}`);
  }
  return [...spec];
}

/** A readable name for the class set in messages: `all7`, `four`, or the list joined with `+`. */
export function describeClassSet(spec: ClassSetSpec): string {
  return typeof spec === 'string' ? spec : spec.join('+');
}

/**
 * Keep the items whose emotion is in `classes`. A class set that keeps nothing is a DataError naming it,
 * since every later stage would fail on an empty dataset.
 */
export function filterToClassSet<T extends { emotion: Emotion }>(items: T[], spec: ClassSetSpec, where: { stage?: string; file?: string }): T[] {
  const classes = new Set(resolveClassSet(spec));
  const kept = items.filter((item) => classes.has(item.emotion));
  if (kept.length === 0) {
    const found = [...new Set(items.map((i) => i.emotion))];
    throw new DataError(
      `class set ${describeClassSet(spec)} selects no file (${items.length} files, emotions found: ${found.join(', ') || 'none'})`,
      where,
      'choose another class set (ingest.classes: all7, four, or a list of emotions) or check the data folder',
    );
  }
  return kept;
}
