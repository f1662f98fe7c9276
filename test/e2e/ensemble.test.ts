// Linear models and ensembles through the CLI: a logistic regression (an ensemble over two seeds) and a linear SVM
// on log-mel statistics, evaluated on test and val, averaged by an ensemble stage, compared in one table.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, parseSummary, pipe } from '../helpers/cli.js';

const SPEC = `
name: linear-ensemble
seed: 1
stages:
  ingest:
    type: ingest
    params: { format: synthetic, count: 70, minSeconds: 1, maxSeconds: 2, sampleRate: 8000 }
  normalize: { type: normalize, needs: [ingest], params: { sampleRate: 4000 } }
  split: { type: split, needs: [normalize], params: { val: 0.2, test: 0.2 } }
  chunk: { type: chunk, needs: [split], params: { length: 2000 } }
  features: { type: features, needs: [chunk], params: { kind: stats, bands: 16, fftSize: 128, windowMs: 32, hopMs: 16 } }
  train_logreg: { type: train, needs: [features], params: { model: logreg, optimizer: adam, lr: 0.01, epochs: 3, patience: 3, weightDecay: 0.001, members: 2 } }
  train_svm: { type: train, needs: [features], params: { model: svm, optimizer: adam, lr: 0.01, epochs: 3, patience: 3, weightDecay: 0.001 } }
  evaluate_logreg: { type: evaluate, needs: [train_logreg, features] }
  evaluate_svm: { type: evaluate, needs: [train_svm, features] }
  val_logreg: { type: evaluate, needs: [train_logreg, features], params: { split: val } }
  val_svm: { type: evaluate, needs: [train_svm, features], params: { split: val } }
  ensemble: { type: ensemble, needs: [evaluate_logreg, evaluate_svm, val_logreg, val_svm] }
  compare: { type: compare, needs: [evaluate_logreg, evaluate_svm, ensemble], params: { metric: accuracy } }
`;

describe('logreg, svm and an ensemble of them', () => {
  it('train, evaluate, average and compare: the ensemble scores the averaged probabilities of the test files', async () => {
    const dir = makeProject();
    writeFileSync(join(dir, 'spec.yaml'), SPEC);
    const r = await pipe(dir, ['run', 'spec.yaml', '--json', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    const { stages } = parseSummary(r.stdout);
    const artifact = (name: string, file: string) => JSON.parse(readFileSync(join(dir, 'artifacts', stages.find((s) => s.name === name)!.key, file), 'utf8')) as Record<string, unknown>;
    type Files = { files: { utterance: string; probs: number[] }[] };
    const [logreg, svm, ensemble] = ['evaluate_logreg', 'evaluate_svm', 'ensemble'].map((n) => artifact(n, 'predictions.json') as unknown as Files);
    expect(ensemble.files).toHaveLength(14);
    ensemble.files.forEach((f, i) => f.probs.forEach((p, k) => expect(p).toBeCloseTo((logreg.files[i].probs[k] + svm.files[i].probs[k]) / 2, 6)));
    const metrics = artifact('ensemble', 'metrics.json') as { model: string; validation: { accuracy: number | null } };
    expect(metrics.model).toBe('logreg+svm');
    expect(typeof metrics.validation.accuracy).toBe('number');
    expect((artifact('train_logreg', 'train.json').members as unknown[]).length).toBe(2);
    const results = artifact('compare', 'results.json') as { rows: { model: string }[] };
    expect(results.rows.map((row) => row.model).sort()).toEqual(['logreg', 'logreg+svm', 'svm']);
  }, 300_000);
});
