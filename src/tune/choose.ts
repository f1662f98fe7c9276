// From the objective stage's validation scores to a choice: a trial's score in a `per` group is the mean over its
// cells there (each stage instance counted once); trials rank by score, ties going to the earlier trial.

/** One objective-stage instance's validation score, for one trial in one group (null: it failed). */
export interface Observation {
  trial: number;
  /** The `per` group, as canonical JSON of its matrix values ('{}' without `per`). */
  group: string;
  instance: string;
  score: number | null;
}

export interface TrialScore {
  trial: number;
  group: string;
  /** Mean over the trial's cells in the group; null when any of them failed (a partial mean would flatter it). */
  score: number | null;
  cells: number;
}

export function scoreTrials(observations: readonly Observation[]): TrialScore[] {
  const byTrial = new Map<string, { trial: number; group: string; scores: Map<string, number | null> }>();
  for (const o of observations) {
    const id = `${o.group}\u0000${o.trial}`;
    const entry = byTrial.get(id) ?? { trial: o.trial, group: o.group, scores: new Map() };
    entry.scores.set(o.instance, o.score);
    byTrial.set(id, entry);
  }
  return [...byTrial.values()].map(({ trial, group, scores }) => {
    const values = [...scores.values()];
    const complete = values.every((v): v is number => v !== null);
    return { trial, group, score: complete ? values.reduce((a, b) => a + b, 0) / values.length : null, cells: values.length };
  });
}

/** Best first; trials without a score last; equal scores in trial order, so the choice never depends on timing. */
export function rankTrials(scores: readonly TrialScore[]): TrialScore[] {
  return [...scores].sort((a, b) => {
    if (a.score === null || b.score === null) return a.score === b.score ? a.trial - b.trial : a.score === null ? 1 : -1;
    return b.score - a.score || a.trial - b.trial;
  });
}

/** Each group's best scored trial, chosen independently of the other groups. */
export function chooseBest(scores: readonly TrialScore[]): Map<string, TrialScore> {
  const out = new Map<string, TrialScore>();
  for (const s of rankTrials(scores)) {
    if (s.score !== null && !out.has(s.group)) out.set(s.group, s);
  }
  return out;
}
