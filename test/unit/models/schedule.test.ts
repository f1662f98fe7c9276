// Selection, early stopping and the learning rate, replayed from hand-written validation losses.

import { describe, expect, it } from 'vitest';
import { replaySchedule, warmedUp, watchedLosses } from '../../../src/models/schedule.js';

const PAPER = { lr: 0.01, patience: 3 };

describe('replaySchedule', () => {
  it('without the new rules keeps the epoch of lowest validation loss and stops after `patience` epochs without a lower one', () => {
    const losses = [1.9, 1.7, 1.8, 1.75, 1.72];
    expect(replaySchedule(losses.slice(0, 4), PAPER)).toMatchObject({ bestEpoch: 2, wait: 2, stop: false, lr: 0.01 });
    expect(replaySchedule(losses, PAPER)).toMatchObject({ bestEpoch: 2, bestScore: 1.7, wait: 3, stop: true });
  });

  it('a loss equal to the best (within 1e-6) is no improvement', () => {
    expect(replaySchedule([1.5, 1.5 - 5e-7], PAPER)).toMatchObject({ bestEpoch: 1, wait: 1 });
  });

  it('smoothing: one lucky epoch between two bad ones is not kept; a stable low stretch is', () => {
    // Epoch 3 dips to 1.0 between 2.5 and 2.6 (the swing the issue saw); epochs 5-7 sit at 1.4.
    const losses = [2.0, 2.5, 1.0, 2.6, 1.4, 1.4, 1.4];
    expect(replaySchedule(losses, { ...PAPER, patience: 10 }).bestEpoch).toBe(3);
    const smoothed = replaySchedule(losses, { ...PAPER, patience: 10, smoothing: 3 });
    expect(smoothed.bestEpoch).toBe(7);
    expect(smoothed.bestScore).toBeCloseTo(1.4, 10);
  });

  it('watchedLosses is the trailing mean over the last k epochs, fewer at the start', () => {
    expect(watchedLosses([3, 1, 2, 6], 2)).toEqual([3, 2, 1.5, 4]);
    expect(watchedLosses([3, 1], 1)).toEqual([3, 1]);
  });

  it('minEpochs: early stopping does not stop before that epoch, then stops as before', () => {
    const losses = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5];
    expect(replaySchedule(losses.slice(0, 4), PAPER).stop).toBe(true);
    expect(replaySchedule(losses.slice(0, 4), { ...PAPER, minEpochs: 6 }).stop).toBe(false);
    expect(replaySchedule(losses, { ...PAPER, minEpochs: 6 })).toMatchObject({ stop: true, bestEpoch: 1 });
  });

  it('reduce on plateau multiplies the rate after plateauPatience epochs without improvement, and counts again after', () => {
    const p = { lr: 0.1, patience: 20, plateauFactor: 0.5, plateauPatience: 2 };
    expect(replaySchedule([1.0, 1.1], p).lr).toBe(0.1);
    expect(replaySchedule([1.0, 1.1, 1.2], p).lr).toBe(0.05);
    expect(replaySchedule([1.0, 1.1, 1.2, 1.3], p).lr).toBe(0.05);
    expect(replaySchedule([1.0, 1.1, 1.2, 1.3, 1.4], p).lr).toBe(0.025);
    // An improvement resets the count but keeps the reduced rate.
    expect(replaySchedule([1.0, 1.1, 1.2, 0.9, 1.0], p).lr).toBe(0.05);
  });
});

describe('warmedUp', () => {
  it('rises linearly over the warm-up steps, then stays at the rate', () => {
    // 2 epochs of 4 batches: step 1 of 8 → lr/8.
    expect(warmedUp(0.08, 2, 1, 0, 4)).toBeCloseTo(0.01, 12);
    expect(warmedUp(0.08, 2, 2, 3, 4)).toBeCloseTo(0.08, 12);
    expect(warmedUp(0.08, 2, 3, 0, 4)).toBe(0.08);
    expect(warmedUp(0.08, undefined, 1, 0, 4)).toBe(0.08);
  });
});
