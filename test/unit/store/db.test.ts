import Database from 'better-sqlite3';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/core/run-events.js';
import { StoreError } from '../../../src/errors.js';
import { ExperimentStore } from '../../../src/store/db.js';
import type { NewRun } from '../../../src/store/runs.js';
import type { StageResultRow } from '../../../src/store/stage-results.js';
import { deadPid, keyOf, sleep, tempDir } from './helpers.js';

const open: ExperimentStore[] = [];
afterEach(() => open.splice(0).forEach((s) => s.close()));

function newStore(): { store: ExperimentStore; path: string } {
  const path = join(tempDir(), 'experiments.db');
  const store = ExperimentStore.open(path);
  open.push(store);
  return { store, path };
}

function aRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    name: null,
    tags: ['paper', 'table2'],
    specPath: 'experiments/table2.yaml',
    specHash: keyOf('spec'),
    overrides: { 'train.model': 'cnn', 'split.test': 0.3 },
    resolvedSpec: { name: 'table2', stages: { train: { params: { epochs: 3 } } } },
    versions: { node: process.versions.node, pipe: '0.1.0', '@tensorflow/tfjs': null },
    backend: null,
    ...overrides,
  };
}

/** Reads with a second connection, as another process would. */
function rawCount(path: string, sql: string, ...args: unknown[]): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(sql).get(...args) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('ExperimentStore runs', () => {
  it('a run round-trips every field, with a sortable id, this pid and host, status running', () => {
    const { store } = newStore();
    const id = store.createRun(aRun({ name: 'first', backend: 'cpu' }));
    expect(id).toMatch(/^r\d{8}-\d{6}-[0-9a-f]{4}$/);
    const run = store.getRun(id);
    expect(run).toMatchObject({
      id,
      name: 'first',
      tags: ['paper', 'table2'],
      specPath: 'experiments/table2.yaml',
      specHash: keyOf('spec'),
      overrides: { 'train.model': 'cnn', 'split.test': 0.3 },
      resolvedSpec: { name: 'table2', stages: { train: { params: { epochs: 3 } } } },
      status: 'running',
      finishedAt: null,
      ms: null,
      backend: 'cpu',
      versions: { node: process.versions.node, pipe: '0.1.0', '@tensorflow/tfjs': null },
      pid: process.pid,
      host: hostname(),
    });
    expect(Date.parse(run.startedAt)).toBeGreaterThan(Date.now() - 10_000);
  });

  it('finishRun records status, time and backend; a missing backend keeps the one recorded', () => {
    const { store } = newStore();
    const a = store.createRun(aRun({ backend: 'wasm' }));
    const b = store.createRun(aRun());
    store.finishRun(a, { status: 'succeeded', ms: 1234 });
    store.setRunBackend(b, 'node');
    store.finishRun(b, { status: 'cancelled', ms: 5, backend: 'cpu' });
    expect(store.getRun(a)).toMatchObject({ status: 'succeeded', ms: 1234, backend: 'wasm' });
    expect(store.getRun(a).finishedAt).not.toBeNull();
    expect(store.getRun(b)).toMatchObject({ status: 'cancelled', ms: 5, backend: 'cpu' });
  });

  it('setRunBackend records the backend of a running run', () => {
    const { store } = newStore();
    const id = store.createRun(aRun());
    store.setRunBackend(id, 'tensorflow');
    expect(store.getRun(id).backend).toBe('tensorflow');
  });

  it('a second run with the same name is a StoreError', () => {
    const { store } = newStore();
    store.createRun(aRun({ name: 'baseline' }));
    expect(() => store.createRun(aRun({ name: 'baseline' }))).toThrow(/a run named "baseline" already exists/);
  });

  it('getRun finds a run by id, by name and by unique id prefix', () => {
    const { store } = newStore();
    const id = store.createRun(aRun({ name: 'named' }));
    expect(store.getRun(id).id).toBe(id);
    expect(store.getRun('named').id).toBe(id);
    expect(store.getRun(id.slice(0, 4)).id).toBe(id);
  });

  it('an ambiguous prefix is a StoreError listing the candidates; % and _ are not wildcards', () => {
    const { store } = newStore();
    const a = store.createRun(aRun());
    const b = store.createRun(aRun());
    let error: unknown;
    try {
      store.getRun('r');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain('ambiguous');
    expect((error as StoreError).message).toContain(a);
    expect((error as StoreError).message).toContain(b);
    expect(() => store.getRun('r%')).toThrow(/no run "r%"/);
    expect(() => store.getRun('r________')).toThrow(/no run/);
  });

  it('listRuns filters by spec (path or its tail), status and start time, newest first, up to a limit', async () => {
    const { store } = newStore();
    const old = store.createRun(aRun({ specPath: 'experiments/demo.yaml' }));
    await sleep(1100); // ids and start times have one-second parts
    const since = new Date().toISOString();
    const mid = store.createRun(aRun());
    await sleep(20);
    const last = store.createRun(aRun());
    store.finishRun(mid, { status: 'failed', ms: 1 });
    expect(store.listRuns().map((r) => r.id)).toEqual([last, mid, old]);
    expect(store.listRuns({ spec: 'experiments/demo.yaml' }).map((r) => r.id)).toEqual([old]);
    expect(store.listRuns({ spec: 'table2.yaml' }).map((r) => r.id)).toEqual([last, mid]);
    expect(store.listRuns({ spec: 'able2.yaml' })).toEqual([]);
    expect(store.listRuns({ status: 'failed' }).map((r) => r.id)).toEqual([mid]);
    expect(store.listRuns({ since }).map((r) => r.id)).toEqual([last, mid]);
    expect(store.listRuns({ limit: 1 }).map((r) => r.id)).toEqual([last]);
  });
});

describe('ExperimentStore stage results, run stages and metrics', () => {
  const result: StageResultRow = {
    key: keyOf('train'),
    type: 'train',
    version: 2,
    params: { model: 'cnn', epochs: 3, layers: [8, 16] },
    inputs: [keyOf('chunk'), keyOf('split')],
    seed: 7,
    artifactPath: '/p/artifacts/' + keyOf('train'),
    ms: 1500,
    metrics: { accuracy: 0.75 },
    info: { backend: 'cpu' },
  };

  it('a stage result round-trips, and recording the key again replaces it', () => {
    const { store, path } = newStore();
    store.recordStageResult(result);
    expect(store.getStageResult(result.key)).toMatchObject(result);
    store.recordStageResult({ ...result, ms: 900, metrics: { accuracy: 0.8 } });
    expect(store.getStageResult(result.key)).toMatchObject({ ...result, ms: 900, metrics: { accuracy: 0.8 } });
    expect(rawCount(path, 'SELECT count(*) AS n FROM stage_results')).toBe(1);
    expect(store.getStageResult(keyOf('other'))).toBeUndefined();
  });

  it('run stages round-trip in order, and referencedKeys holds every key they name', () => {
    const { store } = newStore();
    const run = store.createRun(aRun());
    store.recordRunStage({ runId: run, instanceId: 'ingest', stageName: 'ingest', key: keyOf('i'), status: 'cached', ms: 3, error: null, cells: [{ a: 1 }] });
    store.recordRunStage({ runId: run, instanceId: 'train[cnn]', stageName: 'train', key: keyOf('t'), status: 'failed', ms: 9, error: 'boom', cells: [] });
    expect(store.getRunStages(run)).toEqual([
      { runId: run, instanceId: 'ingest', stageName: 'ingest', key: keyOf('i'), status: 'cached', ms: 3, error: null, cells: [{ a: 1 }] },
      { runId: run, instanceId: 'train[cnn]', stageName: 'train', key: keyOf('t'), status: 'failed', ms: 9, error: 'boom', cells: [] },
    ]);
    expect(store.referencedKeys()).toEqual(new Set([keyOf('i'), keyOf('t')]));
  });

  it('a run stage for a run that does not exist is refused (foreign keys are on)', () => {
    const { store } = newStore();
    expect(() =>
      store.recordRunStage({ runId: 'nope', instanceId: 'x', stageName: 'x', key: keyOf('x'), status: 'ran', ms: 1, error: null, cells: [] }),
    ).toThrow(/FOREIGN KEY/);
  });

  it('metrics round-trip with their cell; recording an instance again replaces its metrics; NaN is not stored', () => {
    const { store, path } = newStore();
    const run = store.createRun(aRun());
    const cell = [{ 'train.model': 'cnn' }];
    store.recordMetrics(run, 'evaluate[cnn]', keyOf('e'), { accuracy: 0.5, ua: 0.4 }, cell);
    store.recordMetrics(run, 'evaluate[cnn]', keyOf('e'), { accuracy: 0.6, ua: Number.NaN }, cell);
    store.recordMetrics(run, 'evaluate[nn]', keyOf('n'), { accuracy: 0.7 }, null);
    expect(store.getRunMetrics(run)).toEqual([
      { runId: run, instanceId: 'evaluate[cnn]', key: keyOf('e'), name: 'accuracy', value: 0.6, cell },
      { runId: run, instanceId: 'evaluate[nn]', key: keyOf('n'), name: 'accuracy', value: 0.7, cell: null },
    ]);
    expect(rawCount(path, "SELECT count(*) AS n FROM metrics WHERE name = 'accuracy' AND value > 0.65")).toBe(1);
  });

  it('a cached stage\'s run-stage row and metrics are queued, and written with the events by flushEvents or finishRun', () => {
    const { store } = newStore();
    const run = store.createRun(aRun());
    const row = (id: string) => ({ runId: run, instanceId: id, stageName: 'evaluate', key: keyOf(id), status: 'cached' as const, ms: 1, error: null, cells: [{ seed: 1 }] });
    store.queueCachedStage(row('a'), { accuracy: 0.5 });
    store.queueCachedStage(row('b'), undefined);
    expect(store.getRunStages(run)).toEqual([]);
    store.flushEvents();
    expect(store.getRunStages(run)).toEqual([row('a'), row('b')]);
    expect(store.getRunMetrics(run)).toEqual([{ runId: run, instanceId: 'a', key: keyOf('a'), name: 'accuracy', value: 0.5, cell: [{ seed: 1 }] }]);
    store.queueCachedStage(row('c'), { accuracy: 0.7 });
    store.finishRun(run, { status: 'succeeded', ms: 5 });
    expect(store.getRunStages(run).map((r) => r.instanceId)).toEqual(['a', 'b', 'c']);
    expect(store.getRunMetrics(run).map((m) => m.value)).toEqual([0.5, 0.7]);
  });
});

describe('ExperimentStore events', () => {
  const started: RunEvent = { kind: 'stage-started', id: 'train', key: keyOf('t') };
  const epoch: RunEvent = {
    kind: 'stage-progress',
    id: 'train',
    progress: { kind: 'epoch', epoch: 1, epochs: 3, loss: 1, accuracy: 0.5, valLoss: 1.1, valAccuracy: 0.4, ms: 10 },
  };
  const batch: RunEvent = { kind: 'stage-progress', id: 'train', progress: { kind: 'batch', epoch: 1, batch: 2, batches: 9 } };

  it('events are buffered, then all written in order by finishRun; per-batch progress is not kept', () => {
    const { store, path } = newStore();
    const run = store.createRun(aRun());
    store.appendEvent(run, started);
    for (let i = 0; i < 500; i++) store.appendEvent(run, batch);
    store.appendEvent(run, epoch);
    expect(rawCount(path, 'SELECT count(*) AS n FROM events')).toBe(0);
    store.finishRun(run, { status: 'succeeded', ms: 1 });
    expect(rawCount(path, 'SELECT count(*) AS n FROM events')).toBe(2);
    expect(store.getRunEvents(run).map((e) => e.event)).toEqual([started, epoch]);
    expect(store.getRunEvents(run).map((e) => e.kind)).toEqual(['stage-started', 'stage-progress']);
  });

  it('buffered events reach the database within a few hundred milliseconds without an explicit flush', async () => {
    const { store, path } = newStore();
    const run = store.createRun(aRun());
    store.appendEvent(run, started);
    await sleep(600);
    expect(rawCount(path, 'SELECT count(*) AS n FROM events WHERE run_id = ?', run)).toBe(1);
  });

  it('close writes the events still queued', () => {
    const path = join(tempDir(), 'experiments.db');
    const store = ExperimentStore.open(path);
    const run = store.createRun(aRun());
    for (let i = 0; i < 1000; i++) store.appendEvent(run, { ...started, id: `s${i}` });
    store.close();
    store.close();
    expect(rawCount(path, 'SELECT count(*) AS n FROM events')).toBe(1000);
  });
});

describe('ExperimentStore.markStaleRuns', () => {
  it('marks failed the running runs whose process on this host is gone, with an interrupted event, and only those', async () => {
    const { store, path } = newStore();
    const dead = store.createRun(aRun());
    const alive = store.createRun(aRun());
    const elsewhere = store.createRun(aRun());
    const done = store.createRun(aRun());
    const pid = await deadPid();
    store.finishRun(done, { status: 'succeeded', ms: 1 });
    const db = new Database(path);
    db.prepare('UPDATE runs SET pid = ? WHERE id IN (?, ?)').run(pid, dead, done);
    db.prepare("UPDATE runs SET pid = ?, host = 'another-machine' WHERE id = ?").run(pid, elsewhere);
    db.close();

    expect(store.markStaleRuns()).toEqual([dead]);
    expect(store.getRun(dead).status).toBe('failed');
    expect(store.getRun(dead).finishedAt).not.toBeNull();
    expect(store.getRun(alive).status).toBe('running');
    expect(store.getRun(elsewhere).status).toBe('running');
    expect(store.getRun(done).status).toBe('succeeded');
    const [event] = store.getRunEvents(dead);
    expect(event.event).toMatchObject({ kind: 'run-finished', runId: dead, status: 'failed' });
    expect(event.event.kind === 'run-finished' && event.event.summary).toMatch(/^interrupted: process \d+ on .+ is gone$/);
    expect(store.markStaleRuns()).toEqual([]);
  });
});
