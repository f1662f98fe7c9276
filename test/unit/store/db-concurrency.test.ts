// Two connections, and two processes, writing to one experiments.db at once: nothing lost, nothing corrupt.

import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExperimentStore } from '../../../src/store/db.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import type { NewRun } from '../../../src/store/runs.js';
import { distStoreModule, keyOf, runScript, tempDir } from './helpers.js';

const run: NewRun = {
  name: null,
  tags: [],
  specPath: 'spec.yaml',
  specHash: keyOf('spec'),
  overrides: {},
  resolvedSpec: {},
  versions: {},
  backend: null,
};

/** One writer: opens the db (fresh: both race the migrations), waits for the start signal, writes N of each. */
const WRITER = `
import { existsSync } from 'node:fs';
const [, , dbModule, dbPath, goFile, label, n] = process.argv;
const { ExperimentStore } = await import(dbModule);
while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 5));
const store = ExperimentStore.open(dbPath);
const runId = store.createRun({ name: label, tags: [], specPath: 'spec.yaml', specHash: 'h', overrides: {}, resolvedSpec: {}, versions: {}, backend: null });
for (let i = 0; i < Number(n); i++) {
  const key = label + '-' + i;
  store.recordRunStage({ runId, instanceId: 'stage' + i, stageName: 's', key, status: 'ran', ms: i, error: null, cells: [] });
  store.recordStageResult({ key, type: 's', version: 1, params: { i }, inputs: [], seed: null, artifactPath: key, ms: i, metrics: {}, info: {} });
  store.recordMetrics(runId, 'stage' + i, key, { accuracy: i / Number(n) }, null);
  store.appendEvent(runId, { kind: 'stage-started', id: 'stage' + i, key });
  if (i % 50 === 0) store.flushEvents();
}
store.finishRun(runId, { status: 'succeeded', ms: 1 });
store.close();
process.stdout.write(runId);
`;

describe('experiments.db under concurrent writers', () => {
  it('two connections in one process see each other’s writes', () => {
    const path = join(tempDir(), 'experiments.db');
    const a = ExperimentStore.open(path);
    const b = ExperimentStore.open(path);
    try {
      const fromA = a.createRun(run);
      const fromB = b.createRun({ ...run, name: 'b' });
      b.recordRunStage({ runId: fromA, instanceId: 'x', stageName: 'x', key: keyOf('x'), status: 'ran', ms: 1, error: null, cells: [] });
      expect(a.getRun(fromB).name).toBe('b');
      expect(a.getRunStages(fromA)).toHaveLength(1);
      expect(b.listRuns()).toHaveLength(2);
    } finally {
      a.close();
      b.close();
    }
  });

  it('two processes writing at once lose no rows, and the database passes integrity_check', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'experiments.db');
    const goFile = join(dir, 'go');
    const n = 300;
    const module = distStoreModule('db');
    const writers = ['one', 'two'].map((label) => runScript(dir, `writer-${label}.mjs`, WRITER, [module, dbPath, goFile, label, String(n)]));
    writeFileSync(goFile, '');
    const results = await Promise.all(writers);
    for (const r of results) expect(r.code, r.stderr).toBe(0);

    const store = ExperimentStore.open(dbPath);
    try {
      expect(store.integrityCheck()).toBe('ok');
      for (const r of results) {
        const runId = r.stdout.trim();
        expect(store.getRun(runId).status).toBe('succeeded');
        expect(store.getRunStages(runId)).toHaveLength(n);
        expect(store.getRunMetrics(runId)).toHaveLength(n);
        expect(store.getRunEvents(runId)).toHaveLength(n);
      }
      expect(store.referencedKeys().size).toBe(2 * n);
    } finally {
      store.close();
    }
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM stage_results').get()).toEqual({ n: 2 * n });
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    db.close();
  });
});
