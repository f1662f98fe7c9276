// What the dashboard shows, folded from runner events: a pure reducer (events in, state out) so that every
// screen can be tested without a terminal, plus the derived views (the cells × stages grid, progress, ETA).

import type { RunEvent } from '../core/run-events.js';
import type { EpochMetrics, StageProgress } from '../core/stage-progress.js';

export type StageState = 'waiting' | 'cached' | 'running' | 'done' | 'failed' | 'skipped';

export type EpochPoint = EpochMetrics;

export interface StageView {
  id: string;
  name: string;
  type: string;
  cells: string[];
  state: StageState;
  /** The `pipe worker` running it, when stages run through a queue. */
  worker?: string;
  /** Clock time the stage started running (the `now` passed to the reducer). */
  startedAt?: number;
  ms?: number;
  progress?: { done: number; total: number; unit: string };
  /** The batch within the epoch now being trained; cleared when that epoch ends. */
  batch?: { epoch: number; batch: number; batches: number };
  epochs: EpochPoint[];
  epochsTotal?: number;
  metrics?: Record<string, number>;
  /** Why it failed (failed) or was skipped (skipped). */
  message?: string;
  lastLog?: { level: 'info' | 'warn'; message: string };
}

export type RunStatus = 'starting' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunState {
  runId?: string;
  spec?: string;
  status: RunStatus;
  startedAt?: number;
  /** Run time as the runner measured it, once finished. */
  ms?: number;
  /** Instance ids in plan (topological) order. */
  order: string[];
  stages: Record<string, StageView>;
  /** The compare table (markdown), once the run has finished. */
  summary?: string;
}

export function initialRunState(): RunState {
  return { status: 'starting', order: [], stages: {} };
}

/** Fold one event into the state; `now` is the clock reading when the event arrived (for elapsed time and ETA). */
export function reduceRun(state: RunState, event: RunEvent, now: number): RunState {
  switch (event.kind) {
    case 'run-started': {
      const stages: Record<string, StageView> = {};
      for (const i of event.instances) {
        stages[i.id] = { id: i.id, name: i.name, type: i.type, cells: i.cells, state: 'waiting', epochs: [] };
      }
      return { ...state, runId: event.runId, spec: event.spec, status: 'running', startedAt: now, order: event.instances.map((i) => i.id), stages };
    }
    case 'stage-cached':
      return updateStage(state, event.id, () => ({ state: 'cached' }));
    case 'stage-started':
      return updateStage(state, event.id, () => ({ state: 'running', startedAt: now, ...(event.worker ? { worker: event.worker } : {}) }));
    case 'stage-progress':
      return updateStage(state, event.id, (s) => applyProgress(s, event.progress));
    case 'stage-finished':
      return updateStage(state, event.id, () => ({ state: 'done', ms: event.ms, metrics: event.metrics, batch: undefined }));
    case 'stage-failed':
      return updateStage(state, event.id, () => ({ state: 'failed', ms: event.ms, message: event.message }));
    case 'stage-skipped':
      return updateStage(state, event.id, () => ({ state: 'skipped', message: event.reason }));
    case 'run-finished':
      return { ...state, status: event.status, ms: event.ms, summary: event.summary };
  }
}

function applyProgress(stage: StageView, p: StageProgress): Partial<StageView> {
  switch (p.kind) {
    case 'progress':
      return { progress: { done: p.done, total: p.total, unit: p.unit } };
    case 'batch':
      return { batch: { epoch: p.epoch, batch: p.batch, batches: p.batches } };
    case 'epoch': {
      const point: EpochPoint = { epoch: p.epoch, loss: p.loss, accuracy: p.accuracy, valLoss: p.valLoss, valAccuracy: p.valAccuracy, ms: p.ms };
      return { epochs: [...stage.epochs, point], epochsTotal: p.epochs, batch: undefined };
    }
    case 'log':
      return { lastLog: { level: p.level, message: p.message } };
  }
}

function updateStage(state: RunState, id: string, change: (s: StageView) => Partial<StageView>): RunState {
  // An id the plan did not announce still gets a row rather than being dropped silently.
  const known = state.stages[id];
  const stage = known ?? { id, name: id.replace(/\[.*$/, ''), type: '', cells: [], state: 'waiting', epochs: [] };
  return {
    ...state,
    order: known ? state.order : [...state.order, id],
    stages: { ...state.stages, [id]: { ...stage, ...change(stage) } },
  };
}

export function countStates(state: RunState): Record<StageState, number> {
  const counts: Record<StageState, number> = { waiting: 0, cached: 0, running: 0, done: 0, failed: 0, skipped: 0 };
  for (const id of state.order) counts[state.stages[id].state] += 1;
  return counts;
}

export interface PlanGrid {
  /** Stage names as columns, in plan order. */
  columns: string[];
  /** One row per matrix cell: the instance id serving each column (shared instances appear in several rows). */
  rows: { cell: string; ids: (string | undefined)[] }[];
}

export function planGrid(state: RunState): PlanGrid {
  const columns: string[] = [];
  const cells: string[] = [];
  for (const id of state.order) {
    const s = state.stages[id];
    if (!columns.includes(s.name)) columns.push(s.name);
    for (const c of s.cells) if (!cells.includes(c)) cells.push(c);
  }
  const rows = cells.map((cell) => ({
    cell,
    ids: columns.map((name) => state.order.find((id) => state.stages[id].name === name && state.stages[id].cells.includes(cell))),
  }));
  return { columns, rows };
}

/** How far a running stage is, 0..1, or undefined when it has not said. */
export function stageFraction(s: StageView): number | undefined {
  if (s.epochsTotal) {
    const done = s.epochs.length ? s.epochs[s.epochs.length - 1].epoch : 0;
    const within = s.batch && s.batch.batches > 0 ? Math.min(1, s.batch.batch / s.batch.batches) : 0;
    return clamp01((done + within) / s.epochsTotal);
  }
  if (s.batch && s.batch.batches > 0) return clamp01(s.batch.batch / s.batch.batches);
  if (s.progress && s.progress.total > 0) return clamp01(s.progress.done / s.progress.total);
  return undefined;
}

/**
 * Milliseconds left for a running stage, from its pace so far; undefined until there is a pace to go on.
 * Training reads its mean epoch time; early stopping can only make the real end come sooner.
 */
export function etaMs(s: StageView, now: number): number | undefined {
  if (s.state !== 'running') return undefined;
  if (s.epochsTotal && s.epochs.length) {
    const mean = s.epochs.reduce((a, e) => a + e.ms, 0) / s.epochs.length;
    const fraction = stageFraction(s) ?? 0;
    return Math.max(0, (1 - fraction) * s.epochsTotal * mean);
  }
  // Batches of a first epoch alone say nothing about how many epochs are to come.
  if (s.batch) return undefined;
  const fraction = stageFraction(s);
  if (fraction === undefined || fraction <= 0 || s.startedAt === undefined) return undefined;
  const elapsed = Math.max(0, now - s.startedAt);
  return (elapsed * (1 - fraction)) / fraction;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
