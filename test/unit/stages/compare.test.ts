import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/json.js';
import { classify } from '../../../src/metrics/classification.js';
import { buildResults } from '../../../src/metrics/results-table.js';
import type { ResultsTable } from '../../../src/metrics/results-types.js';
import { runCompare, type CompareParams } from '../../../src/stages/compare.js';
import { evaluatePredictions } from '../../../src/stages/evaluate.js';
import type { StageContext, StageInput } from '../../../src/stages/stage.js';

interface FakeEvaluation {
  values: JsonObject;
  seed: number;
  metrics: {
    model?: string;
    classSet?: string;
    accuracy: number;
    ua: number;
    macroF1: number;
    protocol?: string;
    protocolVariant?: string;
    validation?: { accuracy: number | null; loss: number | null };
    training?: { epoch: number | null; accuracy: number | null };
    confusion?: { classes: string[]; matrix: number[][] };
  };
  /** predictions.json, written when given. */
  predictions?: { classes: string[]; files: { utterance: string; speaker: string; label: number; predicted: number; probs: number[] }[] };
}

// Interleaved as a plan's cells may arrive: nn/all7 × 3 seeds, cnn_lstm/four × 2 seeds, cnn/four × 1 seed.
const EVALUATIONS: FakeEvaluation[] = [
  cell('nn', 'all7', 1, 0.5, 0.45, 0.4),
  cell('cnn_lstm', 'four', 1, 0.84, 0.78, 0.77),
  cell('nn', 'all7', 2, 0.52, 0.47, 0.44),
  cell('cnn', 'four', 1, 0.6, 0.55, 0.5),
  cell('cnn_lstm', 'four', 2, 0.86, 0.8, 0.79),
  cell('nn', 'all7', 3, 0.57, 0.49, 0.48),
];

function cell(model: string, classSet: string, seed: number, accuracy: number, ua: number, macroF1: number): FakeEvaluation {
  return {
    values: { 'train.model': model, 'ingest.classes': classSet, seed },
    seed,
    metrics: { model, classSet, accuracy, ua, macroF1 },
  };
}

function evaluation(values: JsonObject, seed: number, m: { accuracy: number; valAccuracy?: number; protocol?: string }): FakeEvaluation {
  return {
    values: { ...values, seed },
    seed,
    metrics: {
      accuracy: m.accuracy,
      ua: m.accuracy,
      macroF1: m.accuracy,
      ...(m.protocol ? { protocol: m.protocol } : {}),
      ...(m.valAccuracy === undefined ? {} : { validation: { accuracy: m.valAccuracy, loss: 1 } }),
    },
  };
}

const TWO_CLASSES = ['anger', 'neutral'];

/**
 * An evaluate artifact scored by evaluate's own function from hand-built `[true, predicted]` label pairs, with the
 * kept epoch's training and validation accuracy where given (no `train`: an artifact from before evaluate kept it).
 */
function scored(values: JsonObject, seed: number, pairs: [number, number][], kept: { train?: number; val?: number } = {}): FakeEvaluation {
  const files = pairs.map(([label, predicted], i) => ({ utterance: `u${i}`, speaker: 's1', label, probs: TWO_CLASSES.map((_, c) => (c === predicted ? 0.9 : 0.1)) }));
  const { accuracy, ua, macroF1, confusion } = evaluatePredictions(TWO_CLASSES, files);
  return {
    values: { ...values, seed },
    seed,
    metrics: {
      accuracy,
      ua,
      macroF1,
      confusion,
      validation: { accuracy: kept.val ?? null, loss: null },
      ...(kept.train === undefined ? {} : { training: { epoch: 7, accuracy: kept.train } }),
    },
  };
}

/** `n` files of true class `t`, each predicted as `p`. */
const times = (n: number, t: number, p: number): [number, number][] => Array.from({ length: n }, () => [t, p] as [number, number]);
/** Every file right: 5 of each class. */
const ALL_RIGHT = [...times(5, 0, 0), ...times(5, 1, 1)];

const LOSO_CLASSES = ['anger', 'disgust', 'neutral'];

/** One LOSO fold's evaluate artifact: `[true, predicted]` label pairs of the test speaker's files. */
function fold(seed: number, k: number, speaker: string, pairs: [number, number][]): FakeEvaluation {
  const { scores, matrix } = classify(pairs.map((p) => p[0]), pairs.map((p) => p[1]), LOSO_CLASSES.length);
  const files = pairs.map(([label, predicted], i) => ({ utterance: `${speaker}a0${i}`, speaker, label, predicted, probs: LOSO_CLASSES.map((_, c) => (c === predicted ? 1 : 0)) }));
  return {
    values: { 'train.model': 'cnn', seed, 'split.fold': k },
    seed,
    metrics: {
      model: 'cnn',
      classSet: 'custom',
      accuracy: scores.accuracy,
      ua: scores.ua,
      macroF1: scores.macroF1,
      protocol: 'speaker-independent',
      validation: { accuracy: 0.7, loss: 0.9 },
      confusion: { classes: LOSO_CLASSES, matrix },
    },
    predictions: { classes: LOSO_CLASSES, files },
  };
}

// Seed 1: speaker 03 (accuracy 4/5, UA 5/6), speaker 08 without disgust (3/4, UA 3/4), speaker 09 (3/5, UA 5/9).
const LOSO_SEED_1 = [
  fold(1, 1, '03', [[0, 0], [0, 0], [1, 1], [1, 0], [2, 2]]),
  fold(1, 2, '08', [[0, 0], [0, 2], [2, 2], [2, 2]]),
  fold(1, 3, '09', [[0, 0], [1, 2], [2, 2], [2, 2], [2, 0]]),
];
// Seed 2: every file right.
const LOSO_SEED_2 = LOSO_SEED_1.map((e, k) =>
  fold(2, k + 1, e.predictions!.files[0].speaker, e.predictions!.files.map((f) => [f.label, f.label] as [number, number])),
);

describe('runCompare', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'pipe-compare-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  // Each call gets its own folder, so one test can compare the same cells twice.
  async function inputs(evaluations: FakeEvaluation[], base: string): Promise<StageInput[]> {
    return Promise.all(
      evaluations.map(async (e, i) => {
        const dir = join(base, `evaluate-${i}`);
        await mkdir(dir);
        await writeFile(join(dir, 'metrics.json'), JSON.stringify({ kind: 'evaluation', ...e.metrics }));
        if (e.predictions) await writeFile(join(dir, 'predictions.json'), JSON.stringify({ kind: 'predictions', split: 'test', ...e.predictions }));
        return { name: 'evaluate', type: 'evaluate', key: `key-${i}`, dir, cell: { id: `cell-${i}`, values: e.values, seed: e.seed } };
      }),
    );
  }

  async function compare(evaluations: FakeEvaluation[], params: CompareParams) {
    const base = await mkdtemp(join(root, 'call-'));
    const outDir = join(base, 'out');
    await mkdir(outDir);
    const ctx: StageContext<CompareParams> = {
      name: 'compare',
      params,
      seed: 1,
      inputs: await inputs(evaluations, base),
      outDir,
      scratchDir: join(root, 'scratch'),
      options: { projectDir: root },
      signal: new AbortController().signal,
      report: () => {},
    };
    const result = await runCompare(ctx);
    const read = (f: string) => readFile(join(outDir, f), 'utf8');
    return { result, md: await read('results.md'), csv: await read('results.csv'), json: JSON.parse(await read('results.json')) as ResultsTable };
  }

  it('writes one markdown row per cell, seeds averaged, beside the paper value and the signed difference', async () => {
    const { md, result } = await compare(EVALUATIONS, { metric: 'accuracy', reference: 'paper-table2' });
    expect(md.trimEnd().split('\n')).toEqual([
      '| train.model | ingest.classes | protocol | seeds | accuracy % | UA % | macro-F1 % | accuracy 95% CI | val accuracy % | paper-table2 accuracy % | Δ | flags |',
      '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      // Artifacts from before evaluate recorded protocol and validation: both unknown, no row is marked.
      // acc 50, 52, 57: mean 53, std √13; t(0.975, 2) = 4.3027. No confusion matrix or training accuracy: no flag.
      '| nn | all7 | — | 3 | 53.00 ± 3.61 | 47.00 ± 2.00 | 44.00 ± 4.00 | [44.04, 61.96] | — | 53.30 | -0.30 |  |',
      // acc 84, 86: mean 85, std √2; t(0.975, 1) = 12.7062, half-width 12.7062 · √2 / √2.
      '| cnn_lstm | four | — | 2 | 85.00 ± 1.41 | 79.00 ± 1.41 | 78.00 ± 1.41 | [72.29, 97.71] | — | 83.00 | +2.00 |  |',
      // The paper has no CNN on 4 emotions; one seed has no std and no interval.
      '| cnn | four | — | 1 | 60.00 | 55.00 | 50.00 | — | — | — | — |  |',
      '',
      '`*` highest mean validation accuracy among the rows of its class set and protocol: the configuration chosen on validation, never on test.',
      '',
      'Flags: did not learn = mean test accuracy not above the upper end of the Wilson 95% interval of the majority-class rate (the most frequent true class’s share of a seed’s test files); ' +
        'collapsed = the seed’s model predicts one class for ≥ 90% of its test files; ' +
        'overfit = training minus validation accuracy at the kept epoch above 30 points (not judged for evaluations recorded before evaluate kept the training accuracy).',
    ]);
    expect(result.summary).toBe(md);
    expect(result.metrics).toEqual({ rows: 3, cells: 6 });
  });

  it('writes the same rows as CSV with 2-decimal percentages', async () => {
    const { csv } = await compare(EVALUATIONS, { metric: 'accuracy', reference: 'paper-table2' });
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'label,train.model,ingest.classes,seeds,accuracy_mean,accuracy_std,accuracy_ci95_low,accuracy_ci95_high,' +
        'ua_mean,ua_std,ua_ci95_low,ua_ci95_high,macroF1_mean,macroF1_std,macroF1_ci95_low,macroF1_ci95_high,reference,difference,' +
        'protocol,val_accuracy,selected_by_validation,folds,fold_accuracy_std,fold_accuracy_min,fold_accuracy_max,majority_rate,majority_upper95,flags',
    );
    expect(lines[1]).toBe(
      'train.model=nn ingest.classes=all7,nn,all7,3,53.00,3.61,44.04,61.96,47.00,2.00,42.03,51.97,44.00,4.00,34.06,53.94,53.30,-0.30,,,false,,,,,,,',
    );
    expect(lines[3]).toBe('train.model=cnn ingest.classes=four,cnn,four,1,60.00,,,,55.00,,,,50.00,,,,,,,,false,,,,,,,');
    expect(lines).toHaveLength(4);
  });

  it('writes results.json with seeds, summaries in percent, reference and difference per row', async () => {
    const { json } = await compare(EVALUATIONS, { metric: 'accuracy', reference: 'paper-table2' });
    expect(json).toMatchObject({ metric: 'accuracy', reference: 'paper-table2', unit: 'percent', keys: ['train.model', 'ingest.classes'] });
    expect(json.rows.map((r) => [r.label, r.model, r.classSet, r.seeds])).toEqual([
      ['train.model=nn ingest.classes=all7', 'nn', 'all7', [1, 2, 3]],
      ['train.model=cnn_lstm ingest.classes=four', 'cnn_lstm', 'four', [1, 2]],
      ['train.model=cnn ingest.classes=four', 'cnn', 'four', [1]],
    ]);
    const nn = json.rows[0];
    expect(nn.values).toEqual({ 'train.model': 'nn', 'ingest.classes': 'all7' });
    expect(nn.accuracy.n).toBe(3);
    expect(nn.accuracy.mean).toBeCloseTo(53, 10);
    expect(nn.accuracy.std).toBeCloseTo(Math.sqrt(13), 10);
    expect(nn.reference).toBe(53.3);
    expect(nn.difference).toBeCloseTo(-0.3, 10);
    expect(json.rows[1].difference).toBeCloseTo(2, 10);
    expect(json.rows[2]).toMatchObject({ reference: null, difference: null, accuracy: { n: 1, std: null, ci95: null } });
  });

  it('finds the reference from the evaluate artifact when the matrix does not name the model', async () => {
    const evaluations = [0.82, 0.84].map((accuracy, i) => ({
      values: { 'ingest.classes': 'four', seed: i + 1 },
      seed: i + 1,
      metrics: { model: 'cnn_lstm', classSet: 'four', accuracy, ua: 0.8, macroF1: 0.8 },
    }));
    const { json, md } = await compare(evaluations, { metric: 'accuracy', reference: 'paper-table2' });
    expect(json.rows).toHaveLength(1);
    expect(json.rows[0]).toMatchObject({ label: 'ingest.classes=four', model: 'cnn_lstm', reference: 83 });
    expect(md).toContain('| four | — | 2 | 83.00 ± 1.41 |');
    expect(md).toContain('| 83.00 | 0.00 |');
  });

  it('finds the reference from the cell values when the artifact does not name the model', async () => {
    const evaluations = [{ values: { 'train.model': 'lstm', 'ingest.classes': 'all7' }, seed: 1, metrics: { accuracy: 0.5, ua: 0.5, macroF1: 0.5 } }];
    const { json } = await compare(evaluations, { metric: 'accuracy', reference: 'paper-table2' });
    expect(json.rows[0]).toMatchObject({ model: 'lstm', classSet: 'all7', reference: 50.5 });
    expect(json.rows[0].difference).toBeCloseTo(-0.5, 10);
  });

  it('labels the one row of a plan without a matrix by model and class set', async () => {
    const evaluations = [1, 2, 3].map((seed) => ({
      values: { seed },
      seed,
      metrics: { model: 'nn', classSet: 'all7', accuracy: 0.5, ua: 0.5, macroF1: 0.5 },
    }));
    const { json, md } = await compare(evaluations, { metric: 'accuracy', reference: 'paper-table2' });
    expect(json.keys).toEqual([]);
    expect(json.rows.map((r) => r.label)).toEqual(['nn all7']);
    expect(md.split('\n')[2]).toBe('| — | 3 | 50.00 ± 0.00 | 50.00 ± 0.00 | 50.00 ± 0.00 | [50.00, 50.00] | — | 53.30 | -3.30 |  |');
  });

  it('has no reference columns without a reference, and no paper value for a metric the paper does not report', async () => {
    const none = await compare(EVALUATIONS, { metric: 'accuracy', reference: 'none' });
    expect(none.md.split('\n')[0]).toBe('| train.model | ingest.classes | protocol | seeds | accuracy % | UA % | macro-F1 % | accuracy 95% CI | val accuracy % | flags |');
    const ua = await compare(EVALUATIONS, { metric: 'ua', reference: 'paper-table2' });
    expect(ua.md.split('\n')[2]).toBe('| nn | all7 | — | 3 | 53.00 ± 3.61 | 47.00 ± 2.00 | 44.00 ± 4.00 | [42.03, 51.97] | — | — | — |  |');
  });

  it('pools the folds of each seed before scoring: UA over all folds, not the mean of per-fold UAs', async () => {
    const { json, md, csv } = await compare([...LOSO_SEED_1, ...LOSO_SEED_2], { metric: 'accuracy', reference: 'none' });
    expect(json.keys).toEqual(['train.model']);
    expect(json.rows).toHaveLength(1);
    const row = json.rows[0];
    expect(row).toMatchObject({ label: 'train.model=cnn', seeds: [1, 2], folds: 3, protocol: 'LOSO (3 folds)', selectedByValidation: false });
    // Seed 1 pooled: 10 of 14 right; recall anger 4/5, disgust 1/3, neutral 5/6. The mean of the per-fold UAs
    // (5/6, 3/4, 5/9: speaker 08 has no disgust) would be 71.30, not 65.56. Seed 2 is all right: 100.
    const seed1 = { accuracy: (100 * 10) / 14, ua: (100 * (4 / 5 + 1 / 3 + 5 / 6)) / 3, macroF1: (100 * (8 / 11 + 1 / 2 + 10 / 13)) / 3 };
    for (const m of ['accuracy', 'ua', 'macroF1'] as const) {
      expect(row[m].n, m).toBe(2);
      expect(row[m].mean, m).toBeCloseTo((seed1[m] + 100) / 2, 10);
      expect(row[m].std, m).toBeCloseTo((100 - seed1[m]) / Math.SQRT2, 10);
    }
    expect(row.ua.mean).toBeCloseTo(82.78, 2);
    // Per-fold accuracy over folds × seeds: 80, 75, 60, 100, 100, 100.
    const folds = [80, 75, 60, 100, 100, 100];
    const mean = folds.reduce((a, b) => a + b) / 6;
    expect(row.foldAccuracy!.n).toBe(6);
    expect(row.foldAccuracy!.min).toBe(60);
    expect(row.foldAccuracy!.max).toBe(100);
    expect(row.foldAccuracy!.std).toBeCloseTo(Math.sqrt(folds.reduce((a, v) => a + (v - mean) ** 2, 0) / 5), 10);
    expect(md.split('\n')[0]).toBe('| train.model | protocol | seeds | accuracy % | UA % | macro-F1 % | accuracy 95% CI | per-fold accuracy % | val accuracy % | flags |');
    expect(md.split('\n')[2]).toMatch(/^\| cnn \| LOSO \(3 folds\) \| 2 \| 85\.71 ± 20\.20 \| 82\.78 ± 24\.36 \| .* \| 60\.00–100\.00 \(sd 16\.86\) \| 70\.00 \|  \|$/);
    expect(md).toContain('LOSO rows score each seed’s test predictions of all folds pooled');
    // The majority class over a seed's pooled folds: neutral, 6 of 14 files (per fold it would be 2/5, 2/4, 3/5).
    expect(row.flags.majorityRate).toBeCloseTo((100 * 6) / 14, 10);
    expect(row.flags).toMatchObject({ didNotLearn: false, collapsed: [] });
    expect(csv.trimEnd().split('\n')[1]).toMatch(/,LOSO \(3 folds\),70\.00,false,3,16\.86,60\.00,100\.00,42\.86,[\d.]+,$/);
  });

  it('shows each row’s protocol: random, speaker-independent, LOSO, or — for an artifact that does not say', async () => {
    const evaluations = [
      evaluation({ 'split.by': 'file' }, 1, { accuracy: 0.6, protocol: 'random' }),
      evaluation({ 'split.by': 'speaker' }, 1, { accuracy: 0.5, protocol: 'speaker-independent' }),
      evaluation({ 'split.by': 'old' }, 1, { accuracy: 0.5 }),
      ...LOSO_SEED_1.map((e) => ({ ...e, values: { ...e.values, 'split.by': 'loso' } })),
    ];
    const { json, md } = await compare(evaluations, { metric: 'accuracy', reference: 'none' });
    expect(json.rows.map((r) => [r.values['split.by'], r.protocol])).toEqual([
      ['file', 'random'],
      ['speaker', 'speaker-independent'],
      ['old', null],
      ['loso', 'LOSO (3 folds)'],
    ]);
    expect(md.split('\n').slice(2, 6).map((l) => l.split(' | ')[2])).toEqual(['random', 'speaker-independent', '—', 'LOSO (3 folds)']);
  });

  it('labels rows whose features were standardised per speaker, in the table, CSV, JSON, label and legend, and keeps their reference', async () => {
    const normalised = LOSO_SEED_1.map((e) => ({
      ...e,
      values: { ...e.values, 'features.normalize': 'speaker' },
      metrics: { ...e.metrics, classSet: 'all7', protocolVariant: 'speaker-normalised' },
    }));
    const plain = LOSO_SEED_1.map((e) => ({ ...e, values: { ...e.values, 'features.normalize': 'train' }, metrics: { ...e.metrics, classSet: 'all7' } }));
    const { json, md, csv } = await compare([...plain, ...normalised], { metric: 'ua', reference: 'classical-logmel' });
    expect(json.rows.map((r) => [r.label, r.protocol, r.protocolVariant, r.reference])).toEqual([
      ['train.model=cnn features.normalize=train', 'LOSO (3 folds)', undefined, 59.0],
      ['train.model=cnn features.normalize=speaker (speaker-normalised)', 'LOSO (3 folds) · speaker-normalised', 'speaker-normalised', 59.0],
    ]);
    // Different protocols: each row is the only one of its protocol, so neither competes with the other for the mark.
    expect(json.rows.map((r) => r.selectedByValidation)).toEqual([false, false]);
    expect(md.split('\n')[3]).toContain('| LOSO (3 folds) · speaker-normalised |');
    expect(md).toContain("Protocol speaker-normalised: features standardised per speaker over all of that speaker's audio (features normalize: speaker), so it uses the test speakers' unlabelled audio");
    expect(csv.trimEnd().split('\n')[2]).toContain(',LOSO (3 folds) · speaker-normalised,');
    const without = await compare(plain, { metric: 'ua', reference: 'classical-logmel' });
    expect(without.md).not.toContain('speaker-normalised');
  });

  it('finds the classical reference by class set and protocol, whatever the model: random rows by accuracy, LOSO rows by UA', async () => {
    const loso = (classSet: string) => LOSO_SEED_1.map((e) => ({ ...e, values: { ...e.values, 'ingest.classes': classSet }, metrics: { ...e.metrics, classSet } }));
    const evaluations = [
      evaluation({ 'ingest.classes': 'all7' }, 1, { accuracy: 0.8, protocol: 'random' }),
      { ...evaluation({ 'ingest.classes': 'four' }, 1, { accuracy: 0.9, protocol: 'random' }), metrics: { accuracy: 0.9, ua: 0.9, macroF1: 0.9, protocol: 'random', classSet: 'four' } },
      ...loso('all7'),
      evaluation({ 'ingest.classes': 'all7', 'split.by': 'speaker' }, 1, { accuracy: 0.5, protocol: 'speaker-independent' }),
    ];
    evaluations[0].metrics.classSet = 'all7';
    evaluations[4].metrics.classSet = 'all7';
    const accuracy = await compare(evaluations, { metric: 'accuracy', reference: 'classical-logmel' });
    expect(accuracy.json.rows.map((r) => [r.classSet, r.protocol, r.reference])).toEqual([
      ['all7', 'random', 75.8],
      ['four', 'random', 83.9],
      ['all7', 'LOSO (3 folds)', 60.6],
      // One held-out speaker split is neither the random nor the LOSO protocol of the reference.
      ['all7', 'speaker-independent', null],
    ]);
    const ua = await compare(evaluations, { metric: 'ua', reference: 'classical-logmel' });
    expect(ua.json.rows.map((r) => r.reference)).toEqual([null, null, 59.0, null]);
    expect(ua.json.rows[2].difference).toBeCloseTo(ua.json.rows[2].ua.mean - 59.0, 10);
  });

  it('marks the row with the best validation accuracy of its class set, not the one with the best test accuracy', async () => {
    const evaluations = [
      // Best on test, second on validation.
      ...[1, 2].map((seed) => evaluation({ 'train.model': 'nn', 'ingest.classes': 'all7' }, seed, { accuracy: 0.9, valAccuracy: 0.6 })),
      // Best on validation (mean of 0.7 and 0.8).
      ...[1, 2].map((seed) => evaluation({ 'train.model': 'cnn', 'ingest.classes': 'all7' }, seed, { accuracy: 0.5, valAccuracy: 0.6 + 0.1 * seed })),
      // No validation score (an older artifact): never a candidate, whatever its scores.
      evaluation({ 'train.model': 'lstm', 'ingest.classes': 'all7' }, 1, { accuracy: 0.95 }),
      // Another class set: chosen among its own rows.
      evaluation({ 'train.model': 'nn', 'ingest.classes': 'four' }, 1, { accuracy: 0.7, valAccuracy: 0.5 }),
      evaluation({ 'train.model': 'cnn', 'ingest.classes': 'four' }, 1, { accuracy: 0.8, valAccuracy: 0.55 }),
    ];
    const { json, md, csv } = await compare(evaluations, { metric: 'accuracy', reference: 'none' });
    expect(json.rows.map((r) => [r.label, r.valAccuracy === null ? null : Number(r.valAccuracy.toFixed(6)), r.selectedByValidation])).toEqual([
      ['train.model=nn ingest.classes=all7', 60, false],
      ['train.model=cnn ingest.classes=all7', 75, true],
      ['train.model=lstm ingest.classes=all7', null, false],
      ['train.model=nn ingest.classes=four', 50, false],
      ['train.model=cnn ingest.classes=four', 55, true],
    ]);
    const lines = md.split('\n');
    expect(lines[2]).toMatch(/\| \[90\.00, 90\.00\] \| 60\.00 \|  \|$/);
    expect(lines[3]).toMatch(/\| \[50\.00, 50\.00\] \| 75\.00 \* \|  \|$/);
    expect(lines[4]).toMatch(/\| 95\.00 \| — \| — \|  \|$/);
    expect(lines[8]).toMatch(/^`\*` highest mean validation accuracy among the rows of its class set and protocol/);
    expect(csv.split('\n')[2]).toMatch(/,75\.00,true,,,,,,,$/);
  });

  it('chooses among rows of one protocol: a random split\'s validation is no rival for a LOSO row\'s', async () => {
    const evaluations = [
      ...[1, 2].map((seed) => evaluation({ 'split.by': 'file', 'train.model': 'nn' }, seed, { accuracy: 0.8, valAccuracy: 0.9, protocol: 'random' })),
      ...[1, 2].map((seed) => evaluation({ 'split.by': 'file', 'train.model': 'cnn' }, seed, { accuracy: 0.8, valAccuracy: 0.8, protocol: 'random' })),
      ...LOSO_SEED_1.map((e) => ({ ...e, values: { ...e.values, 'split.by': 'loso', 'train.model': 'cnn' } })),
      ...LOSO_SEED_1.map((e) => ({ ...e, values: { ...e.values, 'split.by': 'loso', 'train.model': 'nn' }, metrics: { ...e.metrics, validation: { accuracy: 0.6, loss: 1 } } })),
    ];
    const { json } = await compare(evaluations, { metric: 'accuracy', reference: 'none' });
    expect(json.rows.map((r) => [r.values['split.by'], r.values['train.model'], r.selectedByValidation])).toEqual([
      ['file', 'nn', true],
      ['file', 'cnn', false],
      ['loso', 'cnn', true],
      ['loso', 'nn', false],
    ]);
  });

  it("selectWithin: with train.model, each model's best configuration is marked, not one row of all models", async () => {
    const evaluations = [
      ...[0.01, 0.05].flatMap((lr, i) => [1, 2].map((seed) => evaluation({ 'train.model': 'nn', 'train.lr': lr }, seed, { accuracy: 0.3, valAccuracy: 0.3 + 0.1 * i }))),
      ...[0.01, 0.05].flatMap((lr, i) => [1, 2].map((seed) => evaluation({ 'train.model': 'cnn', 'train.lr': lr }, seed, { accuracy: 0.6, valAccuracy: 0.8 - 0.1 * i }))),
    ];
    const marks = async (params: object) =>
      (await compare(evaluations, { metric: 'accuracy', reference: 'none', ...params })).json.rows.map((r) => [r.values['train.model'], r.values['train.lr'], r.selectedByValidation]);
    expect(await marks({})).toEqual([
      ['nn', 0.01, false],
      ['nn', 0.05, false],
      ['cnn', 0.01, true],
      ['cnn', 0.05, false],
    ]);
    expect(await marks({ selectWithin: ['train.model'] })).toEqual([
      ['nn', 0.01, false],
      ['nn', 0.05, true],
      ['cnn', 0.01, true],
      ['cnn', 0.05, false],
    ]);
    const { md } = await compare(evaluations, { metric: 'accuracy', reference: 'none', selectWithin: ['train.model'] });
    expect(md).toMatch(/among the rows of its class set and protocol and train\.model:/);
  });

  it('does not mark a row that has nothing to be chosen against', async () => {
    const { json } = await compare([evaluation({ 'train.model': 'nn' }, 1, { accuracy: 0.5, valAccuracy: 0.5 })], { metric: 'accuracy', reference: 'none' });
    expect(json.rows[0]).toMatchObject({ valAccuracy: 50, selectedByValidation: false });
  });

  it('flags a row that scores the majority-class rate as did not learn, not a row that learned', async () => {
    // 6 anger and 4 neutral files per seed: always answering anger scores 60%. The nn model gets 6 of 10 right
    // without collapsing (it answers anger 6 times); the cnn gets them all.
    const atMajority = [...times(4, 0, 0), ...times(2, 0, 1), ...times(2, 1, 1), ...times(2, 1, 0)];
    const allRight = [...times(6, 0, 0), ...times(4, 1, 1)];
    const evaluations = [1, 2, 3].flatMap((seed) => [scored({ 'train.model': 'nn' }, seed, atMajority), scored({ 'train.model': 'cnn' }, seed, allRight)]);
    const { json, md, csv } = await compare(evaluations, { metric: 'accuracy', reference: 'none' });
    const [nn, cnn] = json.rows;
    expect(nn.accuracy.mean).toBeCloseTo(60, 10);
    expect(nn.flags).toMatchObject({ didNotLearn: true, collapsed: [] });
    expect(nn.flags.majorityRate).toBeCloseTo(60, 10);
    // The Wilson bound for one seed's 10 files, not for all 30.
    expect(nn.flags.majorityUpper95).toBeCloseTo(83.18, 2);
    expect(cnn.flags).toMatchObject({ didNotLearn: false, collapsed: [] });
    const flagsColumn = md.split('\n').slice(2, 4).map((l) => l.split(' | ').pop());
    expect(flagsColumn).toEqual(['did not learn (majority 60.00%) |', ' |']);
    expect(csv.trimEnd().split('\n').slice(1).map((l) => l.split(',').slice(-3).join(','))).toEqual(['60.00,83.18,did not learn (majority 60.00%)', '60.00,83.18,']);
  });

  it('names the seed whose model predicts one class for 9 of 10 files as collapsed, not the seed at 8 of 10', async () => {
    // 5 anger and 5 neutral files; seed 1 answers anger 9 times (6 right), seed 2 answers anger 8 times (7 right).
    const nineAnger = [...times(5, 0, 0), ...times(4, 1, 0), ...times(1, 1, 1)];
    const eightAnger = [...times(5, 0, 0), ...times(3, 1, 0), ...times(2, 1, 1)];
    const evaluations = [scored({ 'train.model': 'nn' }, 1, nineAnger), scored({ 'train.model': 'nn' }, 2, eightAnger), scored({ 'train.model': 'nn' }, 3, ALL_RIGHT)];
    const { json, md } = await compare(evaluations, { metric: 'accuracy', reference: 'none' });
    expect(json.rows[0].flags.collapsed).toEqual([{ seed: 1, models: 1, of: 1 }]);
    // Mean accuracy (60 + 70 + 100) / 3 = 76.67 is just above the did-not-learn bound (76.34 for 10 files at 50%).
    expect(json.rows[0].flags.didNotLearn).toBe(false);
    expect(md.split('\n')[2]).toMatch(/ \| collapsed: seed 1 \|$/);
  });

  it('flags the seeds whose training accuracy exceeds validation by more than overfitGap, and none where it is unknown', async () => {
    const evaluations = [
      scored({ 'train.model': 'nn' }, 1, ALL_RIGHT, { train: 0.95, val: 0.6 }),
      scored({ 'train.model': 'nn' }, 2, ALL_RIGHT, { train: 0.85, val: 0.6 }),
      // Artifacts from before evaluate recorded the training accuracy: overfit unknown, so not raised.
      scored({ 'train.model': 'cnn' }, 1, ALL_RIGHT, { val: 0.1 }),
    ];
    const byDefault = await compare(evaluations, { metric: 'accuracy', reference: 'none' });
    expect(byDefault.json.overfitGap).toBe(0.3);
    expect(byDefault.json.rows.map((r) => r.flags.overfit)).toEqual([[{ seed: 1, models: 1, of: 1 }], null]);
    expect(byDefault.md.split('\n').slice(2, 4).map((l) => l.split(' | ').pop())).toEqual(['overfit: seed 1 |', ' |']);
    const stricter = await compare(evaluations, { metric: 'accuracy', reference: 'none', overfitGap: 0.2 });
    expect(stricter.json.rows[0].flags.overfit?.map((f) => f.seed)).toEqual([1, 2]);
    expect(stricter.md).toContain('| overfit: seeds 1, 2 |');
    expect(stricter.md).toContain('overfit = training minus validation accuracy at the kept epoch above 20 points');
  });

  it('fails naming the file when a fold cell has no predictions.json to pool', async () => {
    const { predictions: _, ...withoutPredictions } = LOSO_SEED_1[1];
    await expect(compare([LOSO_SEED_1[0], withoutPredictions], { metric: 'accuracy', reference: 'none' })).rejects.toThrow(
      /cannot read .*evaluate-1\/predictions\.json/,
    );
  });

  it('fails naming the file when an evaluate artifact has no metrics.json', async () => {
    const [input] = await inputs([EVALUATIONS[0]], root);
    await rm(join(input.dir, 'metrics.json'));
    const ctx = {
      name: 'compare',
      params: { metric: 'accuracy', reference: 'none' },
      seed: 1,
      inputs: [input],
      outDir: root,
      scratchDir: root,
      options: { projectDir: root },
      signal: new AbortController().signal,
      report: () => {},
    } satisfies StageContext<CompareParams>;
    await expect(runCompare(ctx)).rejects.toThrow(/cannot read .*evaluate-0\/metrics\.json/);
  });
});

describe('buildResults', () => {
  it('keeps cells that differ in anything but the seed apart', () => {
    const base = { model: 'nn', classSet: 'all7', accuracy: 0.5, ua: 0.5, macroF1: 0.5 };
    const table = buildResults(
      [
        { ...base, cell: { id: 'a', values: { 'split.train': 0.64, seed: 1 }, seed: 1 } },
        { ...base, cell: { id: 'b', values: { 'split.train': 0.8, seed: 1 }, seed: 1 } },
        { ...base, cell: { id: 'c', values: { 'split.train': 0.64, seed: 2 }, seed: 2 } },
      ],
      { metric: 'accuracy', reference: 'none' },
    );
    expect(table.rows.map((r) => [r.label, r.seeds])).toEqual([
      ['split.train=0.64', [1, 2]],
      ['split.train=0.8', [1]],
    ]);
  });
});
