// Early stopping, the kept checkpoint and the learning rate, decided from the epoch history alone. A pure replay of
// the history, so that a resumed training (which restores the history from its checkpoint) decides exactly as an
// uninterrupted one would, and so that each rule can be tested on a hand-written history.
//   smoothing k:        selection and stopping watch the mean validation loss of the last k epochs, not one
//                       epoch's, which swings by a unit between neighbours on EMO-DB's 85 validation files;
//   minEpochs m:        early stopping may not stop before epoch m;
//   plateau f, p:       the learning rate is multiplied by f after p epochs without improvement (reduce on plateau);
//   warmupEpochs w:     the learning rate rises linearly over the first w epochs' steps.
// Left out, each is off and the rule is the paper's: the kept epoch is the one of lowest validation loss, and
// training stops after `patience` epochs without a lower one.

export interface ScheduleParams {
  lr: number;
  patience: number;
  smoothing?: number;
  minEpochs?: number;
  plateauFactor?: number;
  plateauPatience?: number;
  warmupEpochs?: number;
}

export interface ScheduleState {
  /** The epoch whose weights are kept (0: none yet, the initial weights). */
  bestEpoch: number;
  /** The watched (smoothed) validation loss of bestEpoch; Infinity before any epoch. */
  bestScore: number;
  /** Epochs since the watched loss last improved. */
  wait: number;
  /** True when training should stop after the last epoch of the history. */
  stop: boolean;
  /** Learning rate for the next epoch (before warm-up). */
  lr: number;
}

/** An improvement must beat the best by more than this (as before these rules existed). */
const MIN_DELTA = 1e-6;

/** The validation loss selection watches at each epoch of `valLosses`: a trailing mean over `smoothing` epochs. */
export function watchedLosses(valLosses: readonly number[], smoothing = 1): number[] {
  const k = Math.max(1, Math.floor(smoothing));
  return valLosses.map((_, i) => {
    const from = Math.max(0, i - k + 1);
    let sum = 0;
    for (let j = from; j <= i; j++) sum += valLosses[j];
    return sum / (i - from + 1);
  });
}

/** Replays the rules over the validation losses of epochs 1..n. */
export function replaySchedule(valLosses: readonly number[], p: ScheduleParams): ScheduleState {
  const watched = watchedLosses(valLosses, p.smoothing);
  let state: ScheduleState = { bestEpoch: 0, bestScore: Infinity, wait: 0, stop: false, lr: p.lr };
  let sinceReduce = 0;
  watched.forEach((score, i) => {
    const epoch = i + 1;
    const improved = score < state.bestScore - MIN_DELTA;
    const wait = improved ? 0 : state.wait + 1;
    sinceReduce = improved ? 0 : sinceReduce + 1;
    let lr = state.lr;
    if (p.plateauFactor !== undefined && p.plateauPatience !== undefined && sinceReduce >= p.plateauPatience) {
      lr *= p.plateauFactor;
      sinceReduce = 0;
    }
    state = {
      bestEpoch: improved ? epoch : state.bestEpoch,
      bestScore: improved ? score : state.bestScore,
      wait,
      stop: wait >= p.patience && epoch >= (p.minEpochs ?? 0),
      lr,
    };
  });
  return state;
}

/** The learning rate of one step: `lr` scaled by the linear warm-up over the first `warmupEpochs` epochs. */
export function warmedUp(lr: number, warmupEpochs: number | undefined, epoch: number, batch: number, batches: number): number {
  if (!warmupEpochs || warmupEpochs <= 0) return lr;
  const step = (epoch - 1) * batches + batch + 1;
  return lr * Math.min(1, step / (warmupEpochs * batches));
}
