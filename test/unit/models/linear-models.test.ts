// The linear models (logreg, svm) and ensembles over seeds (members): they learn a linearly separable problem,
// weight decay shrinks them, the hinge has its known values, and members average deterministic, distinct models.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeChunks, type ChunkWithSamples } from '../../../src/dataset/chunk-files.js';
import { mixSeed, mulberry32 } from '../../../src/dataset/random.js';
import type { Emotion, SplitName } from '../../../src/dataset/types.js';
import { selectBackend } from '../../../src/models/backend.js';
import { buildModel } from '../../../src/models/build-model.js';
import { squaredHinge, squaredHingeOfProbs } from '../../../src/models/linear-svm.js';
import { memberDir, memberSeed } from '../../../src/models/member-dir.js';
import { loadModel } from '../../../src/models/model-io.js';
import { predictFiles } from '../../../src/models/predict.js';
import type { TrainJob, TrainParams } from '../../../src/models/train-loop.js';
import { trainMembers } from '../../../src/models/train-members.js';

const DIMS = 6;
const CLASSES: Emotion[] = ['anger', 'sadness', 'neutral'];

/** Gaussian blobs: class c is centred at 2 in dim c and 0 elsewhere, noise σ 0.25, so a linear map separates them. */
async function writeBlobs(perClass = 30): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-blobs-'));
  const random = mulberry32(mixSeed(11, 0));
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows: ChunkWithSamples[] = [];
  CLASSES.forEach((_, label) => {
    for (let i = 0; i < perClass; i++) {
      const split: SplitName = i % 5 === 0 ? 'test' : i % 5 === 1 ? 'val' : 'train';
      const samples = Float32Array.from({ length: DIMS }, (_, d) => (d === label ? 2 : 0) + 0.25 * gauss());
      rows.push({ row: { utterance: `u${label}-${i}`, speaker: String(3 + (i % 10)).padStart(2, '0'), position: 0, label, split }, samples });
    }
  });
  await writeChunks(dir, { classes: CLASSES, sampleRate: 16000, length: DIMS }, rows);
  return dir;
}

const LINEAR: Omit<TrainParams, 'model'> = {
  input: 'chunk',
  epochs: 30,
  patience: 30,
  batchSize: 8,
  optimizer: 'adam',
  lr: 0.05,
  momentum: 0.9,
  nesterov: true,
  filters: [1],
  kernelSizes: [1],
  strides: [1],
  poolSizes: [1],
  lstmUnits: 1,
  denseUnits: 1,
  frameLength: 1,
  dropout: 0.3,
};

let blobs: string;
beforeAll(async () => {
  blobs = await writeBlobs();
});

function job(params: Partial<TrainParams>, seed = 1): TrainJob {
  return {
    chunkDir: blobs,
    params: { ...LINEAR, model: 'logreg', ...params },
    seed,
    scratchDir: mkdtempSync(join(tmpdir(), 'pipe-scratch-')),
    outDir: mkdtempSync(join(tmpdir(), 'pipe-model-')),
    backend: 'wasm',
  };
}

async function testAccuracy(modelDir: string): Promise<number> {
  const { files } = await predictFiles(modelDir, blobs, 'test', { backend: 'wasm' });
  return files.filter((f) => f.probs.indexOf(Math.max(...f.probs)) === f.label).length / files.length;
}

async function kernelNorm(modelDir: string): Promise<number> {
  const { tf } = await selectBackend('wasm');
  const model = await loadModel(tf, modelDir);
  const kernel = model.layers.find((l) => l.getClassName() === 'Dense')!.getWeights()[0];
  const norm = Math.hypot(...(kernel.dataSync() as Float32Array));
  model.dispose();
  return norm;
}

const train = (j: TrainJob) => trainMembers(j, () => {}, () => false);

describe('linear models', () => {
  it.each(['logreg', 'svm'] as const)('%s is one Dense layer on the flattened input (no dropout, no hidden units)', async (model) => {
    const { tf } = await selectBackend('wasm');
    const net = buildModel(tf, { ...LINEAR, model }, [2, 3], 4, 1);
    expect(net.layers.filter((l) => l.getClassName() === 'Dense')).toHaveLength(1);
    expect(net.layers.some((l) => l.getClassName() === 'Dropout')).toBe(false);
    expect(net.countParams()).toBe(2 * 3 * 4 + 4);
    expect(net.layers.map((l) => l.getClassName())).toEqual(model === 'svm' ? ['Dense', 'Softmax'] : ['Dense']);
    net.dispose();
  });

  it.each(['logreg', 'svm'] as const)('%s learns linearly separable blobs to 100%% of the test files, with probabilities that sum to 1', async (model) => {
    const j = job({ model });
    const summary = await train(j);
    expect(summary.bestValAccuracy).toBe(1);
    expect(await testAccuracy(j.outDir)).toBe(1);
    const { files } = await predictFiles(j.outDir, blobs, 'test', { backend: 'wasm' });
    for (const f of files) expect(f.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('weightDecay shrinks the weights of a logistic regression (same seed, same data)', async () => {
    const free = job({ weightDecay: 0 });
    const decayed = job({ weightDecay: 0.1 });
    await train(free);
    await train(decayed);
    expect(await kernelNorm(decayed.outDir)).toBeLessThan(0.8 * (await kernelNorm(free.outDir)));
  });

  it('the svm hinge: max(0, 1 + max_{j≠y} s_j − s_y)², the same from scores and from their softmax', async () => {
    const { tf } = await selectBackend('wasm');
    const scores = [2, 0.5, 1];
    const losses = tf.tidy(() => squaredHinge(tf, tf.oneHot(tf.tensor1d([0, 1, 2], 'int32'), 3), tf.tensor2d([scores, scores, scores])).arraySync() as number[]);
    // label 0: 1 + 1 − 2 = 0; label 1: 1 + 2 − 0.5 = 2.5; label 2: 1 + 2 − 1 = 2.
    expect(losses[0]).toBeCloseTo(0, 6);
    expect(losses[1]).toBeCloseTo(6.25, 5);
    expect(losses[2]).toBeCloseTo(4, 5);
    const z = scores.reduce((a, s) => a + Math.exp(s), 0);
    const probs = scores.map((s) => Math.exp(s) / z);
    expect([0, 1, 2].map((y) => squaredHingeOfProbs(probs, y))).toEqual([expect.closeTo(0, 9), expect.closeTo(6.25, 9), expect.closeTo(4, 9)]);
  });
});

describe('members: an ensemble over seeds', () => {
  const weights = (dir: string) => readFileSync(join(dir, 'weights.bin'));

  it('member 1 is the members: 1 model; member 2 has seed mixSeed(seed, 2) and other weights; the ensemble predicts their mean', async () => {
    const one = job({ epochs: 4, patience: 4 }, 3);
    const two = job({ epochs: 4, patience: 4, members: 2 }, 3);
    await train(one);
    const summary = await train(two);
    expect(summary.members).toBe(2);
    expect(memberSeed(3, 1)).toBe(3);
    expect(memberSeed(3, 2)).toBe(mixSeed(3, 2));
    expect(weights(join(two.outDir, memberDir(1))).equals(weights(one.outDir))).toBe(true);
    expect(weights(join(two.outDir, memberDir(2))).equals(weights(one.outDir))).toBe(false);
    const trained = JSON.parse(readFileSync(join(two.outDir, 'train.json'), 'utf8')) as { members: { dir: string; seed: number }[] };
    expect(trained.members.map((m) => [m.dir, m.seed])).toEqual([['member-1', 3], ['member-2', mixSeed(3, 2)]]);

    const ensemble = await predictFiles(two.outDir, blobs, 'test', { backend: 'wasm' });
    const first = await predictFiles(join(two.outDir, memberDir(1)), blobs, 'test', { backend: 'wasm' });
    const second = await predictFiles(join(two.outDir, memberDir(2)), blobs, 'test', { backend: 'wasm' });
    const single = await predictFiles(one.outDir, blobs, 'test', { backend: 'wasm' });
    ensemble.files.forEach((f, i) => {
      f.probs.forEach((p, k) => expect(p).toBeCloseTo((first.files[i].probs[k] + second.files[i].probs[k]) / 2, 6));
    });
    expect(ensemble.files.map((f) => f.probs)).not.toEqual(single.files.map((f) => f.probs));
  });

  it('is deterministic for a seed: two trainings of members: 2 write the same weights and validation scores', async () => {
    const a = job({ epochs: 3, patience: 3, members: 2 }, 5);
    const b = job({ epochs: 3, patience: 3, members: 2 }, 5);
    const [sa, sb] = [await train(a), await train(b)];
    for (const k of [1, 2]) expect(weights(join(a.outDir, memberDir(k))).equals(weights(join(b.outDir, memberDir(k))))).toBe(true);
    expect(sa.bestValLoss).toBe(sb.bestValLoss);
    expect(sa.bestEpoch).toBeUndefined();
  });

  it('a training killed during member 2 resumes there (member 1 from its finished checkpoint) and ends as an uninterrupted one', async () => {
    const whole = job({ epochs: 4, patience: 4, members: 2 }, 7);
    await train(whole);
    const killed = job({ epochs: 4, patience: 4, members: 2 }, 7);
    let member = 0;
    let stop = false;
    const report = (p: { kind: string; message?: string; epoch?: number }) => {
      if (p.kind === 'log' && p.message?.startsWith('member ')) member += 1;
      if (p.kind === 'epoch' && member === 2 && p.epoch === 2) stop = true;
    };
    await expect(trainMembers(killed, report, () => stop)).rejects.toThrow('cancelled');
    // The runner hands a re-run an empty output folder and the same scratch folder.
    const again = { ...killed, outDir: mkdtempSync(join(tmpdir(), 'pipe-model-')) };
    const epochs: number[] = [];
    await trainMembers(again, (p) => p.kind === 'epoch' && epochs.push(p.epoch), () => false);
    expect(epochs).toEqual([3, 4]);
    for (const k of [1, 2]) expect(weights(join(again.outDir, memberDir(k))).equals(weights(join(whole.outDir, memberDir(k))))).toBe(true);
    expect(readFileSync(join(again.outDir, 'train.json'), 'utf8').replace(/"(msPerEpoch|examplesPerSecond|gflops|resumedFrom)": [0-9.e+-]+/g, '')).toEqual(
      readFileSync(join(whole.outDir, 'train.json'), 'utf8').replace(/"(msPerEpoch|examplesPerSecond|gflops|resumedFrom)": [0-9.e+-]+/g, ''),
    );
  });
});
