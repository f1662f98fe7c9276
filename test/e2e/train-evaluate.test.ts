// A whole experiment through the CLI: a matrix of two models, trained in worker threads, evaluated, compared;
// then the commands that read runs back (show, diff, export, report).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, parseSummary, pipe, statusById } from '../helpers/cli.js';

const SPEC = `
name: tiny
seed: 1
stages:
  ingest:
    type: ingest
    params: { format: synthetic, count: 70, minSeconds: 1, maxSeconds: 2, sampleRate: 8000 }
  normalize: { type: normalize, needs: [ingest], params: { sampleRate: 4000 } }
  split: { type: split, needs: [normalize], params: { val: 0.2, test: 0.2 } }
  chunk: { type: chunk, needs: [split], params: { length: 2000 } }
  train:
    type: train
    needs: [chunk]
    params:
      epochs: 2
      patience: 2
      filters: [4, 4, 4, 4]
      kernelSizes: [16, 3, 3, 3]
      strides: [4, 1, 1, 1]
      poolSizes: [2, 2, 2, 2]
      lstmUnits: 8
      denseUnits: 8
      frameLength: 100
  evaluate: { type: evaluate, needs: [train, chunk] }
  compare: { type: compare, needs: [evaluate], params: { metric: accuracy } }
matrix:
  train.model: [nn, cnn_lstm]
`;

let dir: string;
let first: ReturnType<typeof parseSummary>;

beforeAll(async () => {
  dir = makeProject();
  writeFileSync(join(dir, 'spec.yaml'), SPEC);
  const r = await pipe(dir, ['run', 'spec.yaml', '--json', '--name', 'first', '--backend', 'wasm']);
  expect(r.code, r.stderr).toBe(0);
  first = parseSummary(r.stdout);
}, 300_000);

describe('an experiment with train, evaluate and compare', () => {
  it('trains both cells, shares the data stages, and compares the cells in one table', async () => {
    const byStatus = statusById(first.stages);
    expect(byStatus['train[train.model=nn]']).toBe('ran');
    expect(byStatus['train[train.model=cnn_lstm]']).toBe('ran');
    expect(first.stages.filter((s) => s.name === 'ingest')).toHaveLength(1);
    const evaluate = first.stages.find((s) => s.id === 'evaluate[train.model=nn]')!;
    expect(evaluate.metrics!.files).toBe(14);
    expect(evaluate.metrics!.accuracy).toBeGreaterThanOrEqual(0);
    const compare = first.stages.find((s) => s.name === 'compare')!;
    const results = JSON.parse(readFileSync(join(dir, 'artifacts', compare.key, 'results.json'), 'utf8')) as {
      rows: { label: string; accuracy: { mean: number } }[];
    };
    expect(results.rows).toHaveLength(2);
    expect(first.summary).toContain('cnn_lstm');
    const train = first.stages.find((s) => s.id === 'train[train.model=cnn_lstm]')!;
    for (const f of ['model.json', 'weights.bin', 'history.json', 'train.json', 'curves.svg']) {
      expect(existsSync(join(dir, 'artifacts', train.key, f)), f).toBe(true);
    }
    expect(existsSync(join(dir, 'artifacts', evaluate.key, 'confusion.svg'))).toBe(true);
  });

  it('records the backend that trained in the run', async () => {
    const r = await pipe(dir, ['show', 'first', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const shown = JSON.parse(r.stdout) as { run: { backend: string; status: string } };
    expect(shown.run.backend).toBe('wasm');
    expect(shown.run.status).toBe('succeeded');
  });

  it('pipe diff names the changed param and the first stage whose key it changed', async () => {
    const r = await pipe(dir, ['run', 'spec.yaml', '--json', '--name', 'second', '--set', 'train.lr=0.02']);
    expect(r.code, r.stderr).toBe(0);
    expect(statusById(parseSummary(r.stdout).stages)['chunk']).toBe('cached');
    const d = await pipe(dir, ['diff', 'first', 'second', '--json']);
    expect(d.code, d.stderr).toBe(0);
    const diff = JSON.parse(d.stdout) as { params: { path: string; a: unknown; b: unknown }[]; stages: { instanceId: string; reason: string }[] };
    expect(diff.params).toContainEqual({ path: 'stages.train.params.lr', a: undefined, b: 0.02 });
    const trainChange = diff.stages.find((s) => s.instanceId === 'train[train.model=nn]')!;
    expect(trainChange.reason).toBe('param lr: 0.01 → 0.02');
    const evalChange = diff.stages.find((s) => s.instanceId === 'evaluate[train.model=nn]')!;
    expect(evalChange.reason).toMatch(/^input train\[train.model=nn\] changed \(param lr/);
    expect(diff.stages.map((s) => s.instanceId)).not.toContain('chunk');
    // Same split, so the same test files: the accuracy difference gets McNemar's exact test.
    const tests = (JSON.parse(d.stdout) as { tests: { instanceId: string; method: string; p: number; files: number }[] }).tests;
    const nn = tests.find((t) => t.instanceId === 'evaluate[train.model=nn]')!;
    expect(nn.method).toBe('mcnemar');
    expect(nn.files).toBe(14);
    expect(nn.p).toBeGreaterThan(0);
    expect(nn.p).toBeLessThanOrEqual(1);
  });

  it('pipe export writes a spec that plans the same cache keys', async () => {
    const r = await pipe(dir, ['export', 'first', '--out', 'exported']);
    expect(r.code, r.stderr).toBe(0);
    const dry = await pipe(dir, ['run', 'exported/spec.yaml', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = (JSON.parse(dry.stdout) as { stages: { id: string; key: string; action: string }[] }).stages;
    expect(planned.map((s) => s.key).sort()).toEqual(first.stages.map((s) => s.key).sort());
    expect(planned.every((s) => s.action === 'cached')).toBe(true);
  });

  it('pipe report writes one HTML page with the pictures inline', async () => {
    const r = await pipe(dir, ['report', 'first', '--out', 'report.html']);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('cnn_lstm');
    expect(html).not.toMatch(/(src|href)="https?:/);
  });
});
