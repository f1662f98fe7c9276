import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StageProgress } from '../../../src/core/stage-progress.js';
import type { StageContext, StageInput } from '../../../src/stages/stage.js';
import {
  evaluatePredictions,
  readKeptEpoch,
  readTrainedModel,
  readValidation,
  runEvaluate,
  speakerProtocol,
  type EvaluateParams,
  type FileProbabilities,
  type PredictFiles,
} from '../../../src/stages/evaluate.js';

const CLASSES = ['anger', 'happiness', 'neutral', 'sadness'];

// True labels 0,0,0,1,1,2,2 (no sadness); predictions by argmax: 0,0,1,1,2,2,3.
const FILES: FileProbabilities[] = [
  { utterance: '03a01Wa', speaker: '03', label: 0, probs: [0.7, 0.1, 0.1, 0.1] },
  { utterance: '03a02Wb', speaker: '03', label: 0, probs: [0.4, 0.3, 0.2, 0.1] },
  { utterance: '08a01Wa', speaker: '08', label: 0, probs: [0.2, 0.5, 0.2, 0.1] },
  { utterance: '08a01Fa', speaker: '08', label: 1, probs: [0.1, 0.6, 0.2, 0.1] },
  { utterance: '09b02Fd', speaker: '09', label: 1, probs: [0.1, 0.2, 0.6, 0.1] },
  { utterance: '10a04Na', speaker: '10', label: 2, probs: [0.1, 0.1, 0.7, 0.1] },
  { utterance: '11b09Nd', speaker: '11', label: 2, probs: [0.1, 0.1, 0.3, 0.5] },
];

describe('evaluatePredictions', () => {
  const report = evaluatePredictions(CLASSES, FILES);

  it('predicts each file as the argmax of its probabilities', () => {
    expect(report.predictions.map((p) => p.predicted)).toEqual([0, 0, 1, 1, 2, 2, 3]);
    expect(report.predictions[0]).toMatchObject({ utterance: '03a01Wa', speaker: '03', label: 0, probs: [0.7, 0.1, 0.1, 0.1] });
  });

  it('builds the confusion matrix with class names, true classes in rows', () => {
    expect(report.confusion).toEqual({
      rows: 'true',
      columns: 'predicted',
      classes: CLASSES,
      matrix: [
        [2, 1, 0, 0],
        [0, 1, 1, 0],
        [0, 0, 1, 1],
        [0, 0, 0, 0],
      ],
    });
  });

  it('gives accuracy, UA without the class that has no file, and macro-F1', () => {
    expect(report.files).toBe(7);
    expect(report.accuracy).toBeCloseTo(4 / 7, 12);
    expect(report.ua).toBeCloseTo((2 / 3 + 1 / 2 + 1 / 2) / 3, 12);
    expect(report.uaExcluded).toEqual(['sadness']);
    // F1 = 2TP / (2TP + FP + FN): anger 4/5, happiness 2/4, neutral 2/4, sadness 0 (one false prediction).
    expect(report.macroF1).toBeCloseTo((0.8 + 0.5 + 0.5 + 0) / 4, 12);
    expect(report.macroF1Excluded).toEqual([]);
  });

  it('reports per-class recall by name, null for a class with no true file', () => {
    expect(report.perClassRecall).toEqual({ anger: 2 / 3, happiness: 0.5, neutral: 0.5, sadness: null });
    expect(report.perClass[0]).toMatchObject({ class: 'anger', support: 3, predicted: 2, precision: 1 });
  });

  it('refuses probabilities that do not match the classes, out-of-range labels and an empty split', () => {
    expect(() => evaluatePredictions(CLASSES, [{ ...FILES[0], probs: [1, 0] }])).toThrow(/03a01Wa: 2 probabilities for 4 classes/);
    expect(() => evaluatePredictions(CLASSES, [{ ...FILES[0], label: 4 }])).toThrow(/label 4 is not a class index/);
    expect(() => evaluatePredictions(CLASSES, [])).toThrow(/no files to evaluate/);
  });
});

/** Chunk-manifest rows: one chunk per utterance, speakers by side. */
function manifestRows(sides: Record<'train' | 'val' | 'test', string[]>) {
  return Object.entries(sides).flatMap(([split, speakers]) =>
    speakers.map((speaker, i) => ({ index: i, utterance: `${speaker}a0${i}Wa`, speaker, position: 0, label: 0, split })),
  );
}

/** FILES' speakers (03, 08, 09, 10, 11) are tested; nobody else's. */
const UNSEEN = manifestRows({ train: ['12', '13', '14', '15'], val: ['16'], test: ['03', '08', '09', '10', '11'] });

describe('speakerProtocol', () => {
  it('is speaker-independent when no test speaker is in train or val, with the test speakers sorted', () => {
    const rows = manifestRows({ train: ['12', '13'], val: ['16'], test: ['11', '03', '03'] });
    expect(speakerProtocol(rows, 'test')).toEqual({ protocol: 'speaker-independent', testSpeakers: ['03', '11'] });
  });

  it('is random when a test speaker also trains, or only validates', () => {
    expect(speakerProtocol(manifestRows({ train: ['03', '13'], val: ['16'], test: ['03'] }), 'test').protocol).toBe('random');
    expect(speakerProtocol(manifestRows({ train: ['13'], val: ['03'], test: ['03'] }), 'test').protocol).toBe('random');
  });

  it('judges the split it scores', () => {
    const rows = manifestRows({ train: ['12'], val: ['16'], test: ['12'] });
    expect(speakerProtocol(rows, 'val')).toEqual({ protocol: 'speaker-independent', testSpeakers: ['16'] });
    expect(speakerProtocol(rows, 'test').protocol).toBe('random');
  });
});

describe('runEvaluate', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'pipe-evaluate-'));
    await writeManifest(UNSEEN);
  });

  async function writeManifest(rows: ReturnType<typeof manifestRows>): Promise<void> {
    await mkdir(join(root, 'chunk'), { recursive: true });
    await writeFile(join(root, 'chunk', 'chunks.json'), JSON.stringify({ kind: 'chunks', classes: CLASSES, sampleRate: 16000, length: 4, rows }));
  }
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const input = (type: string): StageInput => ({
    name: type,
    type,
    key: `${type}-key`,
    dir: join(root, type),
    cell: { id: 'c0', values: {}, seed: 1 },
  });

  function context(reports: StageProgress[]): StageContext<EvaluateParams> {
    return {
      name: 'evaluate',
      params: { split: 'test' },
      seed: 1,
      inputs: [input('train'), input('chunk')],
      outDir: root,
      scratchDir: join(root, 'scratch'),
      options: { projectDir: root, backend: 'cpu' },
      signal: new AbortController().signal,
      report: (p) => reports.push(p),
    };
  }

  const calls: unknown[][] = [];
  const predict: PredictFiles = async (...args) => {
    calls.push(args);
    return { classes: CLASSES, backend: 'cpu', files: FILES };
  };

  it('asks the predictor for the test split of the chunk artifact with the trained model and the run backend', async () => {
    calls.length = 0;
    await runEvaluate(context([]), predict);
    expect(calls).toEqual([[join(root, 'train'), join(root, 'chunk'), 'test', { backend: 'cpu' }]]);
  });

  it('writes metrics.json with scores, model from train.json and the class-set name', async () => {
    await mkdir(join(root, 'train'));
    await writeFile(join(root, 'train', 'train.json'), JSON.stringify({ params: { model: 'cnn_lstm', epochs: 50 } }));
    await runEvaluate(context([]), predict);
    const metrics = JSON.parse(await readFile(join(root, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({
      kind: 'evaluation',
      split: 'test',
      model: 'cnn_lstm',
      classSet: 'four',
      backend: 'cpu',
      classes: CLASSES,
      files: 7,
      uaExcluded: ['sadness'],
      perClassRecall: { anger: 2 / 3, happiness: 0.5, neutral: 0.5, sadness: null },
    });
    expect(metrics.accuracy).toBeCloseTo(4 / 7, 12);
    expect(metrics.confusion.matrix[0]).toEqual([2, 1, 0, 0]);
    expect(metrics.predictions).toBeUndefined();
  });

  it('writes predictions.json with one entry per file, true and predicted labels', async () => {
    await runEvaluate(context([]), predict);
    const text = await readFile(join(root, 'predictions.json'), 'utf8');
    const predictions = JSON.parse(text);
    expect(predictions.kind).toBe('predictions');
    expect(predictions.classes).toEqual(CLASSES);
    expect(predictions.files).toHaveLength(7);
    expect(predictions.files[2]).toEqual({ utterance: '08a01Wa', speaker: '08', label: 0, predicted: 1, probs: [0.2, 0.5, 0.2, 0.1] });
    expect(text.split('\n').filter((l) => l.includes('"utterance"'))).toHaveLength(7);
  });

  it('returns flat metrics with per-class recall and info with the confusion matrix', async () => {
    const result = await runEvaluate(context([]), predict);
    expect(result.metrics).toEqual({
      accuracy: 4 / 7,
      ua: (2 / 3 + 1 / 2 + 1 / 2) / 3,
      macroF1: (0.8 + 0.5 + 0.5 + 0) / 4,
      files: 7,
      'recall.anger': 2 / 3,
      'recall.happiness': 0.5,
      'recall.neutral': 0.5,
    });
    expect(result.info).toMatchObject({ classes: CLASSES, classSet: 'four', backend: 'cpu', split: 'test' });
    expect(result.info?.confusion).toEqual([
      [2, 1, 0, 0],
      [0, 1, 1, 0],
      [0, 0, 1, 1],
      [0, 0, 0, 0],
    ]);
  });

  it('warns and records model null when the train artifact has no train.json', async () => {
    const reports: StageProgress[] = [];
    const result = await runEvaluate(context(reports), predict);
    expect(result.info?.model).toBeNull();
    expect(reports).toEqual([expect.objectContaining({ kind: 'log', level: 'warn', message: expect.stringMatching(/names no model/) })]);
  });

  it('records the protocol and the test speakers from the chunk manifest, in metrics.json and info', async () => {
    const result = await runEvaluate(context([]), predict);
    const metrics = JSON.parse(await readFile(join(root, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({ protocol: 'speaker-independent', testSpeakers: ['03', '08', '09', '10', '11'] });
    expect(result.info).toMatchObject({ protocol: 'speaker-independent', testSpeakers: ['03', '08', '09', '10', '11'] });
    await writeManifest(manifestRows({ train: ['03', '12'], val: ['16'], test: ['03', '08', '09', '10', '11'] }));
    expect((await runEvaluate(context([]), predict)).info).toMatchObject({ protocol: 'random' });
  });

  it('records the speaker-normalised variant only where the features were standardised per speaker', async () => {
    await runEvaluate(context([]), predict);
    expect(JSON.parse(await readFile(join(root, 'metrics.json'), 'utf8'))).not.toHaveProperty('protocolVariant');
    const manifest = JSON.parse(await readFile(join(root, 'chunk', 'chunks.json'), 'utf8'));
    await writeFile(join(root, 'chunk', 'chunks.json'), JSON.stringify({ ...manifest, features: { kind: 'stats', normalize: 'speaker' } }));
    const result = await runEvaluate(context([]), predict);
    const metrics = JSON.parse(await readFile(join(root, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({ protocol: 'speaker-independent', protocolVariant: 'speaker-normalised' });
    expect(result.info).toMatchObject({ protocolVariant: 'speaker-normalised' });
    await writeFile(join(root, 'chunk', 'chunks.json'), JSON.stringify({ ...manifest, features: { kind: 'stats', normalize: 'train' } }));
    expect((await runEvaluate(context([]), predict)).info).not.toHaveProperty('protocolVariant');
  });

  it('records the best validation accuracy and loss from train.json, null where train.json lacks them', async () => {
    await mkdir(join(root, 'train'));
    await writeFile(join(root, 'train', 'train.json'), JSON.stringify({ model: 'cnn', bestValAccuracy: 0.625, bestValLoss: 1.04 }));
    await runEvaluate(context([]), predict);
    expect(JSON.parse(await readFile(join(root, 'metrics.json'), 'utf8')).validation).toEqual({ accuracy: 0.625, loss: 1.04 });
    await writeFile(join(root, 'train', 'train.json'), JSON.stringify({ model: 'cnn' }));
    expect((await runEvaluate(context([]), predict)).info?.validation).toEqual({ accuracy: null, loss: null });
  });

  it('records the training accuracy of the kept epoch from history.json, null where train.json or history.json lacks it', async () => {
    await mkdir(join(root, 'train'));
    await writeFile(join(root, 'train', 'train.json'), JSON.stringify({ model: 'cnn', bestEpoch: 2, bestValAccuracy: 0.6, bestValLoss: 1 }));
    const history = [1, 2, 3].map((epoch) => ({ epoch, loss: 1, accuracy: 0.5 + 0.1 * epoch, valLoss: 1, valAccuracy: 0.6, ms: 10 }));
    await writeFile(join(root, 'train', 'history.json'), JSON.stringify(history));
    const result = await runEvaluate(context([]), predict);
    // Epoch 2's, not the last epoch's (0.8).
    expect(JSON.parse(await readFile(join(root, 'metrics.json'), 'utf8')).training).toEqual({ epoch: 2, accuracy: 0.7 });
    expect(result.info?.training).toEqual({ epoch: 2, accuracy: 0.7 });
    await rm(join(root, 'train', 'history.json'));
    expect((await runEvaluate(context([]), predict)).info?.training).toEqual({ epoch: null, accuracy: null });
  });

  it('records no validation scores when the examples have no val split (training then watched its own loss)', async () => {
    await mkdir(join(root, 'train'));
    await writeFile(join(root, 'train', 'train.json'), JSON.stringify({ model: 'cnn', bestValAccuracy: 0.9, bestValLoss: 0.2 }));
    await writeManifest(manifestRows({ train: ['12'], val: [], test: ['03'] }));
    expect((await runEvaluate(context([]), predict)).info?.validation).toEqual({ accuracy: null, loss: null });
  });

  it('fails naming the file when the examples have no chunks.json', async () => {
    await rm(join(root, 'chunk', 'chunks.json'));
    await expect(runEvaluate(context([]), predict)).rejects.toThrow(/cannot read .*chunk\/chunks\.json/);
  });

  it('fails with a readable error when the chunk input is missing', async () => {
    const ctx = { ...context([]), inputs: [input('train')] };
    await expect(runEvaluate(ctx, predict)).rejects.toThrow(/needs an input of type features or chunk, found train/);
  });
});

describe('readValidation', () => {
  it('takes only finite numbers: Infinity (no best epoch) and a missing file give null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pipe-train-'));
    try {
      expect(await readValidation(dir)).toEqual({ accuracy: null, loss: null });
      await writeFile(join(dir, 'train.json'), '{"bestValAccuracy": 0.5, "bestValLoss": "Infinity"}');
      expect(await readValidation(dir)).toEqual({ accuracy: 0.5, loss: null });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('readKeptEpoch', () => {
  it('finds the record of train.json’s bestEpoch by its epoch number; no best epoch or no record gives null', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pipe-train-'));
    try {
      expect(await readKeptEpoch(dir)).toEqual({ epoch: null, accuracy: null });
      await writeFile(join(dir, 'history.json'), JSON.stringify([{ epoch: 1, accuracy: 0.4 }, { epoch: 3, accuracy: 0.9 }]));
      await writeFile(join(dir, 'train.json'), JSON.stringify({ bestEpoch: 3 }));
      expect(await readKeptEpoch(dir)).toEqual({ epoch: 3, accuracy: 0.9 });
      // No epoch improved on the initial loss: bestEpoch 0 has no record.
      await writeFile(join(dir, 'train.json'), JSON.stringify({ bestEpoch: 0 }));
      expect(await readKeptEpoch(dir)).toEqual({ epoch: null, accuracy: null });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('readTrainedModel', () => {
  it('reads the model from params, then from the top level, and gives null for anything else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pipe-train-'));
    try {
      const write = (v: unknown) => writeFile(join(dir, 'train.json'), typeof v === 'string' ? v : JSON.stringify(v));
      await write({ params: { model: 'lstm' } });
      expect(await readTrainedModel(dir)).toBe('lstm');
      await write({ model: 'nn' });
      expect(await readTrainedModel(dir)).toBe('nn');
      await write({ params: { model: 3 } });
      expect(await readTrainedModel(dir)).toBeNull();
      await write('{not json');
      expect(await readTrainedModel(dir)).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
