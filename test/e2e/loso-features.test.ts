// Leave-one-speaker-out with a features stage, through the CLI: ten folds planned from one spec, each speaker
// tested once and never trained on, the folds pooled into one compare row marked as LOSO.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, parseSummary, pipe } from '../helpers/cli.js';

const SPEC = `
name: loso
seed: 1
stages:
  ingest:
    type: ingest
    params: { format: synthetic, count: 70, minSeconds: 1, maxSeconds: 2, sampleRate: 8000 }
  normalize: { type: normalize, needs: [ingest], params: { sampleRate: 4000 } }
  split: { type: split, needs: [normalize], params: { by: speaker, folds: loso } }
  chunk: { type: chunk, needs: [split], params: { length: 4000 } }
  features: { type: features, needs: [chunk], params: { kind: stats, bands: 16, fftSize: 128 } }
  train:
    type: train
    needs: [features]
    params: { model: nn, epochs: 2, patience: 2, denseUnits: 8, optimizer: adam, lr: 0.01 }
  evaluate: { type: evaluate, needs: [train, features] }
  compare: { type: compare, needs: [evaluate], params: { metric: ua } }
`;

let dir: string;
let summary: ReturnType<typeof parseSummary>;

beforeAll(async () => {
  dir = makeProject();
  writeFileSync(join(dir, 'spec.yaml'), SPEC);
  const r = await pipe(dir, ['run', 'spec.yaml', '--json', '--backend', 'wasm', '--jobs', '2']);
  expect(r.code, r.stderr).toBe(0);
  summary = parseSummary(r.stdout);
}, 300_000);

const read = (key: string, file: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, 'artifacts', key, file), 'utf8')) as Record<string, unknown>;

describe('leave-one-speaker-out with features', () => {
  it('plans ten folds sharing one ingest and normalize', () => {
    expect(summary.stages.filter((s) => s.name === 'ingest')).toHaveLength(1);
    expect(summary.stages.filter((s) => s.name === 'normalize')).toHaveLength(1);
    expect(summary.stages.filter((s) => s.name === 'train').map((s) => s.id)).toEqual(Array.from({ length: 10 }, (_, k) => `train[split.fold=${k + 1}]`));
  });

  it('tests every speaker exactly once, each on its own, with a speaker-independent protocol', () => {
    const evaluations = summary.stages.filter((s) => s.name === 'evaluate').map((s) => read(s.key, 'metrics.json'));
    const tested = evaluations.flatMap((m) => m.testSpeakers as string[]);
    expect(tested).toHaveLength(10);
    expect(new Set(tested).size).toBe(10);
    expect(evaluations.every((m) => m.protocol === 'speaker-independent')).toBe(true);
    for (const s of summary.stages.filter((x) => x.name === 'split')) {
      const { rows } = read(s.key, 'dataset.json') as { rows: { speaker: string; split: string }[] };
      const test = new Set(rows.filter((r) => r.split === 'test').map((r) => r.speaker));
      const rest = new Set(rows.filter((r) => r.split !== 'test').map((r) => r.speaker));
      expect(test.size).toBe(1);
      expect([...test].some((t) => rest.has(t))).toBe(false);
    }
  });

  it('pools the ten folds into one compare row', () => {
    const compare = summary.stages.find((s) => s.name === 'compare')!;
    const results = read(compare.key, 'results.json') as { rows: { protocol: string; folds: number; seeds: number[] }[] };
    expect(results.rows).toHaveLength(1);
    expect(results.rows[0]).toMatchObject({ protocol: 'LOSO (10 folds)', folds: 10 });
  });
});
