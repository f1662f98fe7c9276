// The tunes tables: a tune, its trials (re-recording a trial replaces it), and its choices with their final runs.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExperimentStore } from '../../../src/store/db.js';
import { tempDir } from './helpers.js';

let store: ExperimentStore | undefined;
afterEach(() => store?.close());

describe('tunes', () => {
  it('records a tune, its trials and its choice, and reads them back', () => {
    store = ExperimentStore.open(join(tempDir(), 'experiments.db'));
    const runId = store.createRun({ name: null, tags: [], specPath: 's.yaml', specHash: 'h', overrides: {}, resolvedSpec: {}, versions: {}, backend: null });
    const id = store.createTune({ name: 'lr', specPath: 's.yaml', specHash: 'h', search: { trials: 2 } });
    expect(id).toMatch(/^t\d{8}-\d{6}-[0-9a-f]{4}$/);
    const trial = { tuneId: id, trial: 1, rung: 0, resource: null, group: { 'ingest.classes': 'four' }, values: { 'train.lr': 0.001 }, runId, score: 0.5, cells: 3, status: 'scored' as const };
    store.recordTuneTrial(trial);
    store.recordTuneTrial({ ...trial, score: 0.625 });
    store.recordTuneTrial({ ...trial, trial: 2, values: { 'train.lr': 0.01 }, score: null, status: 'failed' });
    store.recordTuneChoice({ tuneId: id, group: { 'ingest.classes': 'four' }, trial: 1, score: 0.625, finalRunId: runId });
    store.finishTune(id, 'succeeded');
    const read = store.getTune(id)!;
    expect(read.tune).toMatchObject({ id, name: 'lr', status: 'succeeded', search: { trials: 2 } });
    expect(read.tune.finishedAt).not.toBeNull();
    expect(read.trials.map((t) => [t.trial, t.score, t.status])).toEqual([
      [1, 0.625, 'scored'],
      [2, null, 'failed'],
    ]);
    expect(read.trials[0].group).toEqual({ 'ingest.classes': 'four' });
    expect(read.choices).toEqual([{ tuneId: id, group: { 'ingest.classes': 'four' }, trial: 1, score: 0.625, finalRunId: runId }]);
  });
});
