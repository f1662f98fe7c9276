// Per-speaker standardisation through the CLI: a features stage with normalize: speaker (and descriptors with
// more statistics) runs, evaluate records the protocol variant, and compare's results name it in every form.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject, parseSummary, pipe } from '../helpers/cli.js';

const SPEC = `
name: speaker-normalised
seed: 1
stages:
  ingest:
    type: ingest
    params: { format: synthetic, count: 40, minSeconds: 1, maxSeconds: 1.5, sampleRate: 8000 }
  normalize: { type: normalize, needs: [ingest], params: { sampleRate: 8000 } }
  split: { type: split, needs: [normalize], params: { by: speaker } }
  chunk: { type: chunk, needs: [split], params: { length: 8000 } }
  features:
    type: features
    needs: [chunk]
    params: { kind: stats, bands: 16, fftSize: 256, descriptors: true, statistics: [mean, std, p50, slope], normalize: speaker }
  train:
    type: train
    needs: [features]
    params: { model: nn, epochs: 2, patience: 2, denseUnits: 8, optimizer: adam, lr: 0.01 }
  evaluate: { type: evaluate, needs: [train, features] }
  compare: { type: compare, needs: [evaluate], params: { metric: ua, reference: none } }
`;

let dir: string;
let summary: ReturnType<typeof parseSummary>;

beforeAll(async () => {
  dir = makeProject();
  writeFileSync(join(dir, 'spec.yaml'), SPEC);
  const r = await pipe(dir, ['run', 'spec.yaml', '--json', '--backend', 'wasm']);
  expect(r.code, r.stderr).toBe(0);
  summary = parseSummary(r.stdout);
}, 300_000);

const artifact = (stage: string, file: string): string => {
  const s = summary.stages.find((x) => x.name === stage)!;
  return readFileSync(join(dir, 'artifacts', s.key, file), 'utf8');
};

describe('features normalize: speaker through the CLI', () => {
  it('writes (16 bands + 9 descriptors) × 4 statistics per chunk, scaled per speaker over every split', () => {
    const manifest = JSON.parse(artifact('features', 'chunks.json')) as { shape: number[]; features: Record<string, unknown> };
    expect(manifest.shape).toEqual([1, 4 * (16 + 9)]);
    expect(manifest.features).toMatchObject({ normalize: 'speaker', descriptors: true });
    const scaling = JSON.parse(artifact('features', 'scaling.json')) as { fittedOn: string; usesTestAudio: boolean; speakers: { rows: Record<string, number> }[] };
    expect(scaling).toMatchObject({ fittedOn: 'speaker', usesTestAudio: true });
    expect(scaling.speakers.some((s) => (s.rows.test ?? 0) > 0)).toBe(true);
  });

  it('records the variant in metrics.json and names it in results.json, .md and .csv', () => {
    expect(JSON.parse(artifact('evaluate', 'metrics.json'))).toMatchObject({ protocol: 'speaker-independent', protocolVariant: 'speaker-normalised' });
    const results = JSON.parse(artifact('compare', 'results.json')) as { rows: { protocol: string; label: string }[] };
    expect(results.rows.map((r) => r.protocol)).toEqual(['speaker-independent · speaker-normalised']);
    expect(results.rows[0].label).toMatch(/\(speaker-normalised\)$/);
    expect(artifact('compare', 'results.md')).toContain("so it uses the test speakers' unlabelled audio");
    expect(artifact('compare', 'results.csv')).toContain(',speaker-independent · speaker-normalised,');
  });

  it('names it in pipe show', async () => {
    const r = await pipe(dir, ['show', summary.runId]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("(speaker-normalised): speaker-normalised: features standardised per speaker");
  });
});
