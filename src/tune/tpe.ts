// A univariate Tree-structured Parzen Estimator (Bergstra et al. 2011, as Optuna's default sampler): the scored
// trials split into the best quarter ("good") and the rest; for each key, candidates are drawn from a density fitted
// to the good values, and the one where good is likeliest relative to the rest (l(x) / g(x)) is proposed.
// Deterministic from the seed, the trial number and the history.

import { canonicalJson, type Json } from '../json.js';
import { mixSeed, mulberry32 } from '../dataset/random.js';
import type { Distribution, SpaceEntry } from '../pipeline-spec/search-block.js';
import { round4, type Trial, type TrialValues } from './sample-space.js';

/** A scored trial of the same group. */
export interface History {
  trial: number;
  values: TrialValues;
  score: number;
}

/** Trials sampled at random before TPE proposes (random search's trials 1..10 of the same seed). */
export const TPE_STARTUP = 10;

/**
 * Trials proposed at once, from the same history, and run as one plan: a fixed number, not --jobs, so that the
 * trials a tune proposes never depend on the machine.
 */
export const TPE_BATCH = 4;

/** Candidates drawn from l(x) per key and trial (Optuna's default). */
const CANDIDATES = 24;

/** The good share of the history: a quarter, at least one trial, at most 25. */
export function goodCount(n: number): number {
  return Math.max(1, Math.min(25, Math.ceil(0.25 * n)));
}

/** Trials `numbers`, each proposed from the whole history (the batch does not see its own results). */
export function proposeTpe(space: readonly SpaceEntry[], history: readonly History[], numbers: readonly number[], seed: number): Trial[] {
  const ranked = [...history].sort((a, b) => b.score - a.score || a.trial - b.trial);
  const good = ranked.slice(0, goodCount(ranked.length));
  const bad = ranked.slice(good.length);
  return numbers.map((number) => {
    const random = mulberry32(mixSeed(seed, 1_000_000 + number));
    const values: TrialValues = {};
    for (const { key, dist } of space) {
      values[key] = proposeValue(
        dist,
        good.map((h) => h.values[key]),
        bad.map((h) => h.values[key]),
        random,
      );
    }
    return { number, values };
  });
}

function proposeValue(dist: Distribution, good: Json[], bad: Json[], random: () => number): Json {
  return dist.kind === 'choice' ? proposeChoice(dist.values, good, bad, random) : proposeNumber(dist, good as number[], bad as number[], random);
}

/** Categories weighted by 1 + their count among good (l) and among the rest (g). */
function proposeChoice(values: Json[], good: Json[], bad: Json[], random: () => number): Json {
  const ids = values.map((v) => canonicalJson(v));
  const weights = (seen: Json[]) => {
    const counts = ids.map((id) => 1 + seen.filter((v) => canonicalJson(v) === id).length);
    const total = counts.reduce((a, b) => a + b, 0);
    return counts.map((c) => c / total);
  };
  const l = weights(good);
  const g = weights(bad);
  let best = 0;
  let bestRatio = -Infinity;
  for (let c = 0; c < CANDIDATES; c++) {
    const i = pick(l, random());
    const ratio = Math.log(l[i]) - Math.log(g[i]);
    if (ratio > bestRatio) [best, bestRatio] = [i, ratio];
  }
  return values[best];
}

/** A Parzen density on the (log for loguniform) scale: the uniform prior and one Gaussian per observed value. */
interface Parzen {
  centers: number[];
  sigma: number;
  low: number;
  high: number;
}

function parzen(points: number[], low: number, high: number): Parzen {
  const range = high - low || 1;
  // A fifth of the range, narrowing as n^(-1/5) (Scott's rule) as points come, never below a hundredth. Much wider,
  // and l and g are both flat: the uniform prior's share then decides, and it favours regions no trial has tried.
  const sigma = Math.max(range / 100, range * 0.2 * Math.pow(points.length + 1, -1 / 5));
  return { centers: points, sigma, low, high };
}

function density(p: Parzen, x: number): number {
  const range = p.high - p.low || 1;
  const gauss = p.centers.reduce((sum, c) => sum + Math.exp(-0.5 * ((x - c) / p.sigma) ** 2) / (p.sigma * Math.sqrt(2 * Math.PI)), 0);
  return (1 / range + gauss) / (1 + p.centers.length);
}

function sample(p: Parzen, random: () => number): number {
  const k = Math.floor(random() * (p.centers.length + 1));
  if (k === p.centers.length) return p.low + random() * (p.high - p.low);
  // Box–Muller, truncated to the bounds by drawing again: clipping would pile candidates up on a bound, and a
  // batch would propose the bound several times.
  for (let tries = 0; tries < 32; tries++) {
    const x = p.centers[k] + p.sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    if (x >= p.low && x <= p.high) return x;
  }
  return p.low + random() * (p.high - p.low);
}

function proposeNumber(dist: Extract<Distribution, { low: number }>, good: number[], bad: number[], random: () => number): number {
  const log = dist.kind === 'loguniform';
  const to = (x: number) => (log ? Math.log(x) : x);
  const from = (x: number) => (log ? Math.exp(x) : x);
  const [low, high] = dist.kind === 'int' ? [dist.low - 0.5, dist.high + 0.5] : [to(dist.low), to(dist.high)];
  const l = parzen(good.map(to), low, high);
  const g = parzen(bad.map(to), low, high);
  let best = low;
  let bestRatio = -Infinity;
  for (let c = 0; c < CANDIDATES; c++) {
    const x = sample(l, random);
    const ratio = Math.log(density(l, x)) - Math.log(density(g, x));
    if (ratio > bestRatio) [best, bestRatio] = [x, ratio];
  }
  if (dist.kind === 'int') return Math.min(dist.high, Math.max(dist.low, Math.round(best)));
  return Math.min(dist.high, Math.max(dist.low, round4(from(best))));
}

function pick(weights: number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i];
    if (u < acc) return i;
  }
  return weights.length - 1;
}
