// Successive halving with ASHA's promotion rule, run rung by rung (so that it is deterministic): every trial runs
// at the smallest resource; the top 1/eta of each rung, by validation score, go on to eta times the resource.

import { rankTrials, type TrialScore } from './choose.js';

/** The resource of each rung: min, min·eta, min·eta², ... while below max, then max itself. */
export function rungResources(min: number, max: number, eta: number): number[] {
  const out: number[] = [];
  for (let r = min; r < max; r *= eta) out.push(Math.round(r));
  out.push(max);
  return out;
}

/**
 * The trials promoted from one rung of one group: the best floor(n / eta), at least one, of those with a score;
 * equal scores go to the earlier trial.
 */
export function promote(scores: readonly TrialScore[], eta: number): number[] {
  const scored = rankTrials(scores).filter((s) => s.score !== null);
  const keep = Math.max(1, Math.floor(scores.length / eta));
  return scored.slice(0, keep).map((s) => s.trial);
}
