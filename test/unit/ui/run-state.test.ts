import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/core/run-events.js';
import { countStates, etaMs, initialRunState, planGrid, reduceRun, stageFraction, type RunState } from '../../../src/ui/run-state.js';
import { CELLS, epoch, runStarted } from './plan-events.js';

function fold(events: RunEvent[], clock: number[] = []): RunState {
  return events.reduce((s, e, i) => reduceRun(s, e, clock[i] ?? 0), initialRunState());
}

const nn = `train[${CELLS[0]}]`;

describe('reduceRun', () => {
  it('starts every planned instance waiting, in plan order', () => {
    const s = fold([runStarted]);
    expect(s.status).toBe('running');
    expect(s.order).toEqual(['ingest', 'split', nn, `evaluate[${CELLS[0]}]`, `train[${CELLS[1]}]`, `evaluate[${CELLS[1]}]`, 'compare']);
    expect(Object.values(s.stages).every((v) => v.state === 'waiting')).toBe(true);
  });

  it('moves stages through cached, running, done, failed and skipped', () => {
    const s = fold([
      runStarted,
      { kind: 'stage-cached', id: 'ingest', key: 'k' },
      { kind: 'stage-started', id: 'split', key: 'k' },
      { kind: 'stage-finished', id: 'split', key: 'k', ms: 40, metrics: { files: 10 } },
      { kind: 'stage-started', id: nn, key: 'k' },
      { kind: 'stage-failed', id: nn, key: 'k', ms: 5, message: 'out of memory' },
      { kind: 'stage-skipped', id: `evaluate[${CELLS[0]}]`, key: 'k', reason: `${nn} failed` },
      { kind: 'stage-started', id: `train[${CELLS[1]}]`, key: 'k' },
    ]);
    expect(s.stages.ingest.state).toBe('cached');
    expect(s.stages.split).toMatchObject({ state: 'done', ms: 40, metrics: { files: 10 } });
    expect(s.stages[nn]).toMatchObject({ state: 'failed', message: 'out of memory' });
    expect(s.stages[`evaluate[${CELLS[0]}]`]).toMatchObject({ state: 'skipped', message: `${nn} failed` });
    expect(countStates(s)).toEqual({ waiting: 2, cached: 1, running: 1, done: 1, failed: 1, skipped: 1 });
  });

  it('remembers which pipe worker runs a stage started through a queue', () => {
    const s = fold([runStarted, { kind: 'stage-started', id: 'split', key: 'k', worker: 'host-b:4711' }, { kind: 'stage-started', id: 'ingest', key: 'k' }]);
    expect(s.stages.split).toMatchObject({ state: 'running', worker: 'host-b:4711' });
    expect(s.stages.ingest.worker).toBeUndefined();
  });

  it('keeps every epoch of a training and forgets the batch once its epoch ends', () => {
    const s = fold([
      runStarted,
      { kind: 'stage-started', id: nn, key: 'k' },
      { kind: 'stage-progress', id: nn, progress: { kind: 'batch', epoch: 1, batch: 5, batches: 10 } },
      epoch(nn, 1, 4, 1.5, 0.4),
      epoch(nn, 2, 4, 1.1, 0.55),
    ]);
    expect(s.stages[nn].epochs.map((e) => e.loss)).toEqual([1.5, 1.1]);
    expect(s.stages[nn].epochsTotal).toBe(4);
    expect(s.stages[nn].batch).toBeUndefined();
  });

  it('records the run outcome and the compare table', () => {
    const s = fold([runStarted, { kind: 'run-finished', runId: 'r1', status: 'failed', ms: 1234, summary: '| a |' }]);
    expect(s).toMatchObject({ status: 'failed', ms: 1234, summary: '| a |' });
  });

  it('gives an unannounced stage a row instead of dropping it', () => {
    const s = fold([runStarted, { kind: 'stage-started', id: 'extra[x]', key: 'k' }]);
    expect(s.order.at(-1)).toBe('extra[x]');
    expect(s.stages['extra[x]']).toMatchObject({ name: 'extra', state: 'running' });
  });
});

describe('planGrid', () => {
  it('lays the plan out as one row per cell and one column per stage, sharing instances across rows', () => {
    const g = planGrid(fold([runStarted]));
    expect(g.columns).toEqual(['ingest', 'split', 'train', 'evaluate', 'compare']);
    expect(g.rows.map((r) => r.cell)).toEqual(CELLS);
    expect(g.rows[1].ids).toEqual(['ingest', 'split', `train[${CELLS[1]}]`, `evaluate[${CELLS[1]}]`, 'compare']);
  });
});

describe('progress and ETA', () => {
  it('estimates the rest of a counted stage from its pace so far', () => {
    const s = fold(
      [runStarted, { kind: 'stage-started', id: 'split', key: 'k' }, { kind: 'stage-progress', id: 'split', progress: { kind: 'progress', done: 25, total: 100, unit: 'files' } }],
      [0, 1000, 3000],
    );
    expect(stageFraction(s.stages.split)).toBe(0.25);
    // 25 files in 2 s: 75 more take 6 s.
    expect(etaMs(s.stages.split, 3000)).toBe(6000);
  });

  it('estimates a training from its mean epoch time, counting the batches of the current epoch', () => {
    const s = fold([
      runStarted,
      { kind: 'stage-started', id: nn, key: 'k' },
      epoch(nn, 1, 4, 1.5, 0.4),
      { kind: 'stage-progress', id: nn, progress: { kind: 'batch', epoch: 2, batch: 5, batches: 10 } },
    ]);
    expect(stageFraction(s.stages[nn])).toBe(1.5 / 4);
    expect(etaMs(s.stages[nn], 0)).toBe(2500);
  });

  it('has no ETA before there is any pace, nor for a stage not running', () => {
    const s = fold([runStarted, { kind: 'stage-started', id: 'split', key: 'k' }]);
    expect(etaMs(s.stages.split, 500)).toBeUndefined();
    expect(etaMs(s.stages.ingest, 500)).toBeUndefined();
  });

  it('has no ETA for a training in its first epoch, whose number of epochs is not known yet', () => {
    const s = fold([runStarted, { kind: 'stage-started', id: nn, key: 'k' }, { kind: 'stage-progress', id: nn, progress: { kind: 'batch', epoch: 1, batch: 5, batches: 10 } }], [0, 0, 1000]);
    expect(stageFraction(s.stages[nn])).toBe(0.5);
    expect(etaMs(s.stages[nn], 1000)).toBeUndefined();
  });
});
