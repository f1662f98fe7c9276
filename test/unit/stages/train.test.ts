// The train stage as the runner calls it: in a worker thread (the compiled dist/ build of it, which `npm test`
// makes first), with a hand-built context; abort stops the worker and a re-run resumes from the checkpoint.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StageProgress } from '../../../src/core/stage-progress.js';
import { readChunks } from '../../../src/dataset/chunk-files.js';
import { CancelledError, DataError, StageError } from '../../../src/errors.js';
import { CHECKPOINT_FILE } from '../../../src/models/checkpoint.js';
import { trainStage } from '../../../src/stages/train.js';
import { makeStageContext, tempDir } from '../../helpers/stage-context.js';
import { writeSeparableChunks } from '../models/separable-chunks.js';

const TINY = {
  model: 'cnn',
  epochs: 3,
  patience: 3,
  batchSize: 16,
  lr: 0.05,
  filters: [8, 8, 8, 8],
  kernelSizes: [16, 3, 3, 3],
  strides: [4, 1, 1, 1],
  poolSizes: [2, 2, 2, 2],
  dropout: 0.1,
};

let chunkDir: string;
beforeAll(async () => {
  chunkDir = await writeSeparableChunks({ perClass: 20, length: 512 });
});

function context(params: object, options: { backend?: string; signal?: AbortSignal } = {}): ReturnType<typeof makeStageContext> {
  const ctx = makeStageContext(trainStage, params, { inputs: [chunkDir], signal: options.signal });
  ctx.inputs[0].type = 'chunk';
  ctx.options.backend = options.backend;
  return ctx;
}

const epochs = (reports: StageProgress[]): number[] => reports.flatMap((r) => (r.kind === 'epoch' ? [r.epoch] : []));

describe('train stage', () => {
  it('trains in a worker and writes the model, its history and train.json, naming the backend it used', async () => {
    const ctx = context(TINY, { backend: 'wasm' });
    const result = await trainStage.run(ctx);
    for (const file of ['model.json', 'weights.bin', 'history.json', 'train.json', 'curves.svg']) expect(existsSync(join(ctx.outDir, file))).toBe(true);
    expect(result.info).toMatchObject({ backend: 'wasm', model: 'cnn', resumedFrom: 0 });
    expect(result.metrics).toMatchObject({ epochs: 3 });
    expect(result.metrics!.examplesPerSecond).toBeGreaterThan(0);
    expect(result.metrics!.gflops).toBeGreaterThan(0);
    const trained = JSON.parse(readFileSync(join(ctx.outDir, 'train.json'), 'utf8')) as Record<string, unknown>;
    expect(trained).toMatchObject({ backend: 'wasm', epochs: 3, seed: 1, classes: ['anger', 'sadness', 'neutral'] });
    expect(epochs(ctx.reports)).toEqual([1, 2, 3]);
    expect(ctx.reports.find((r) => r.kind === 'epoch')).toMatchObject({ epochs: 3 });
    expect(ctx.reports.some((r) => r.kind === 'batch' && r.batches === 3)).toBe(true);
  });

  it('picks a backend by itself when none is forced', async () => {
    const result = await trainStage.run(context({ ...TINY, model: 'nn', epochs: 1 }));
    expect(['node', 'wasm']).toContain(result.info!.backend);
  });

  it("reports the worker's output as logs, without tfjs' own notices (its banner, the orthogonal initializer's note)", async () => {
    // The CPU backend prints the banner; a 64-unit LSTM's recurrent kernel triggers the note.
    const ctx = context({ ...TINY, model: 'lstm', lstmUnits: 64, epochs: 1 }, { backend: 'cpu' });
    const result = await trainStage.run(ctx);
    expect(result.info!.backend).toBe('cpu');
    expect(ctx.reports.filter((r) => r.kind === 'log')).toEqual([]);
  });

  it('aborting stops the worker; a re-run resumes after the last finished epoch', async () => {
    const controller = new AbortController();
    const ctx = context({ ...TINY, epochs: 4, patience: 4 }, { backend: 'wasm', signal: controller.signal });
    const report = ctx.report;
    ctx.report = (p) => {
      report(p);
      if (p.kind === 'epoch' && p.epoch === 2) controller.abort();
    };
    await expect(trainStage.run(ctx)).rejects.toBeInstanceOf(CancelledError);
    expect(existsSync(join(ctx.scratchDir, CHECKPOINT_FILE))).toBe(true);

    const again = { ...ctx, signal: new AbortController().signal, reports: [] as StageProgress[] };
    again.report = (p) => again.reports.push(p);
    const result = await trainStage.run(again);
    // The abort lands after epoch 2's checkpoint, maybe after epoch 3's too; never before 2.
    expect(result.info!.resumedFrom).toBeGreaterThanOrEqual(2);
    expect(epochs(again.reports)[0]).toBe((result.info!.resumedFrom as number) + 1);
    expect(epochs(again.reports).at(-1)).toBe(4);
    expect(result.metrics!.epochs).toBe(4);
  });

  it('a bad chunk artifact fails as a data error naming the file, from inside the worker', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'chunks.json'), '{"kind": "utterances"}');
    const ctx = context(TINY, { backend: 'wasm' });
    ctx.inputs[0].dir = dir;
    const failure = trainStage.run(ctx);
    await expect(failure).rejects.toBeInstanceOf(DataError);
    await expect(failure).rejects.toMatchObject({ message: 'is not a chunk manifest', place: { file: join(dir, 'chunks.json') } });
  });

  it.each([
    ['adam', { optimizer: 'adam', lr: 0.01 }],
    [
      'every remedy of issue 12 on',
      { standardize: true, bnMomentum: 0.9, weightDecay: 0.001, clipNorm: 1, warmupEpochs: 1, plateauFactor: 0.5, plateauPatience: 1, minEpochs: 2, smoothing: 2, shift: 32, gainDb: 3, noiseSnr: 20 },
    ],
    ['members: 2', { members: 2 }],
    ['logreg', { model: 'logreg', optimizer: 'adam', weightDecay: 0.01 }],
    ['svm', { model: 'svm', optimizer: 'adam', weightDecay: 0.01 }],
  ])('never reads the test split (%s): poisoning every test chunk with NaN changes nothing it writes', async (_, extra) => {
    const poisoned = await writeSeparableChunks({ perClass: 20, length: 512 });
    const { manifest } = readChunks(poisoned);
    const samples = new Float32Array(readFileSync(join(poisoned, 'chunks.f32')).buffer.slice(0));
    for (const row of manifest.rows) if (row.split === 'test') samples.fill(NaN, row.index * 512, (row.index + 1) * 512);
    writeFileSync(join(poisoned, 'chunks.f32'), samples);
    const params = { ...TINY, epochs: 2, ...extra };
    const clean = context(params, { backend: 'wasm' });
    const dirty = context(params, { backend: 'wasm' });
    dirty.inputs[0].dir = poisoned;
    await trainStage.run(clean);
    await trainStage.run(dirty);
    const history = (dir: string) => (JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as { loss: number; valLoss: number }[]).map((h) => [h.loss, h.valLoss]);
    // An ensemble's models are in member-1 … member-K; its train.json holds the averaged validation scores.
    const models = 'members' in extra ? ['member-1', 'member-2'] : ['.'];
    for (const model of models) {
      const [d, c] = [join(dirty.outDir, model), join(clean.outDir, model)];
      expect(history(d)).toEqual(history(c));
      expect(history(d).flat().every(Number.isFinite)).toBe(true);
      expect(readFileSync(join(d, 'weights.bin')).equals(readFileSync(join(c, 'weights.bin')))).toBe(true);
    }
    const validation = (dir: string) => (({ bestValLoss, bestValAccuracy }) => [bestValLoss, bestValAccuracy])(JSON.parse(readFileSync(join(dir, 'train.json'), 'utf8')) as Record<string, number>);
    expect(validation(dirty.outDir)).toEqual(validation(clean.outDir));
    expect(validation(dirty.outDir).every(Number.isFinite)).toBe(true);
  });

  it('members: 2 writes two models, a train.json listing them, and the averaged validation scores as its metrics', async () => {
    const ctx = context({ ...TINY, epochs: 2, members: 2 }, { backend: 'wasm' });
    const result = await trainStage.run(ctx);
    for (const dir of ['member-1', 'member-2']) for (const file of ['model.json', 'weights.bin', 'history.json', 'train.json']) expect(existsSync(join(ctx.outDir, dir, file))).toBe(true);
    expect(existsSync(join(ctx.outDir, 'curves.svg'))).toBe(true);
    const trained = JSON.parse(readFileSync(join(ctx.outDir, 'train.json'), 'utf8')) as { members: { dir: string }[]; bestValAccuracy: number; epochs: number };
    expect(trained.members.map((m) => m.dir)).toEqual(['member-1', 'member-2']);
    expect(result.metrics).toMatchObject({ members: 2, epochs: 4, valAccuracy: trained.bestValAccuracy });
    expect(result.metrics!.bestEpoch).toBeUndefined();
  });

  it('refuses mixup with the svm at planning, naming the param', () => {
    expect(trainStage.checkParams!({ model: 'svm', mixup: 0.2 })).toEqual([expect.objectContaining({ path: ['mixup'] })]);
    expect(trainStage.checkParams!({ model: 'logreg', mixup: 0.2 })).toEqual([]);
  });

  it('refuses conv params of different lengths, and a missing chunk input', async () => {
    await expect(trainStage.run(context({ ...TINY, strides: [4, 1] }))).rejects.toThrow(/one entry per conv block, got 4, 4, 2, 4/);
    // An input of another type whose artifact holds no chunk format (a user's stage that writes it would do).
    const ctx = context(TINY);
    ctx.inputs[0] = { ...ctx.inputs[0], type: 'split', dir: tempDir() };
    await expect(trainStage.run(ctx)).rejects.toBeInstanceOf(StageError);
  });
});
