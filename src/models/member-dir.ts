// Where and with which seed each member of an ensemble over seeds trains (train-members.ts); free of tfjs, so the
// train stage can name a member's folder without loading it. Member 1 uses the cell's seed (it is the model
// `members: 1` trains), member k ≥ 2 the seed mixSeed(seed, k).

import { mixSeed } from '../dataset/random.js';

/** The seed of member `k` (1-based) of an ensemble trained for a cell of seed `seed`. */
export function memberSeed(seed: number, k: number): number {
  return k === 1 ? seed : mixSeed(seed, k);
}

/** The artifact's sub-folder of member `k`. */
export function memberDir(k: number): string {
  return `member-${k}`;
}
