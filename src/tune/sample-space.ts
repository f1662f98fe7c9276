// Random search's sampler: trial i of a search draws each key from its own seeded stream, so a trial's values
// depend only on (seed, i) — asking for more trials, or re-running a killed tune, replays the same ones.

import { mixSeed, mulberry32 } from '../dataset/random.js';
import type { Json, JsonObject } from '../json.js';
import type { Distribution, SpaceEntry } from '../pipeline-spec/search-block.js';

/** One configuration: search key → value. */
export type TrialValues = JsonObject;

export interface Trial {
  /** 1-based, in sampling order. */
  number: number;
  values: TrialValues;
}

/** Trials 1..count of the search with this seed. */
export function sampleTrials(space: readonly SpaceEntry[], count: number, seed: number): Trial[] {
  return Array.from({ length: count }, (_, i) => ({ number: i + 1, values: sampleTrial(space, seed, i) }));
}

function sampleTrial(space: readonly SpaceEntry[], seed: number, index: number): TrialValues {
  const random = mulberry32(mixSeed(seed, index));
  const values: TrialValues = {};
  for (const entry of space) values[entry.key] = draw(entry.dist, random);
  return values;
}

/** One value of the distribution; numbers rounded to 4 significant digits so that keys read (and repeat) well. */
export function draw(dist: Distribution, random: () => number): Json {
  const u = random();
  switch (dist.kind) {
    case 'choice':
      return dist.values[Math.min(dist.values.length - 1, Math.floor(u * dist.values.length))];
    case 'uniform':
      return clamp(round4(dist.low + u * (dist.high - dist.low)), dist);
    case 'loguniform':
      return clamp(round4(Math.exp(Math.log(dist.low) + u * (Math.log(dist.high) - Math.log(dist.low)))), dist);
    case 'int':
      return dist.low + Math.min(dist.high - dist.low, Math.floor(u * (dist.high - dist.low + 1)));
  }
}

export function round4(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(4));
}

/** Rounding may step just past a bound (0.012345 with high 0.01234): the bound holds. */
function clamp(x: number, dist: { low: number; high: number }): number {
  return Math.min(dist.high, Math.max(dist.low, x));
}
