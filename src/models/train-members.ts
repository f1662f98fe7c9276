// An ensemble over seeds (train param `members: K`): K models trained one after the other, each with its own seed,
// early stopping and checkpoint, in folders member-1 … member-K of the artifact; predict.ts averages their class
// probabilities. Seeds and folders: member-dir.ts. The ensemble's validation scores average the members'
// validation probabilities: never the test split, as for one model.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StageProgress } from '../core/stage-progress.js';
import { selectBackend } from './backend.js';
import { inputShape } from './build-model.js';
import { loadExamples } from './examples.js';
import { memberDir, memberSeed } from './member-dir.js';
import { loadModel } from './model-io.js';
import { predictionRows, predictSet, scoreProbabilities, train, type TrainJob, type TrainSummary } from './train-loop.js';

/** Trains one model, or `params.members` of them; train.json lists the members' folders for predict.ts. */
export async function trainMembers(job: TrainJob, report: (p: StageProgress) => void, cancelled: () => boolean): Promise<TrainSummary> {
  const count = job.params.members ?? 1;
  if (count === 1) return train(job, report, cancelled);
  const summaries: TrainSummary[] = [];
  const dirs = Array.from({ length: count }, (_, i) => memberDir(i + 1));
  for (const [i, dir] of dirs.entries()) {
    report({ kind: 'log', level: 'info', message: `member ${i + 1} of ${count} (seed ${memberSeed(job.seed, i + 1)})` });
    const member = { ...job, seed: memberSeed(job.seed, i + 1), outDir: join(job.outDir, dir), scratchDir: join(job.scratchDir, dir) };
    mkdirSync(member.outDir, { recursive: true });
    mkdirSync(member.scratchDir, { recursive: true });
    summaries.push(await train(member, report, cancelled));
  }
  const validation = await ensembleValidation(job, dirs);
  const mean = (pick: (s: TrainSummary) => number): number => summaries.reduce((a, s) => a + pick(s), 0) / summaries.length;
  const epochs = summaries.reduce((a, s) => a + s.epochs, 0);
  const summary: TrainSummary = {
    backend: summaries[0].backend,
    epochs,
    bestValLoss: validation.loss,
    bestValAccuracy: validation.accuracy,
    bestTrainAccuracy: mean((s) => s.bestTrainAccuracy),
    resumedFrom: summaries[0].resumedFrom,
    msPerEpoch: summaries.reduce((a, s) => a + s.msPerEpoch * s.epochs, 0) / Math.max(1, epochs),
    examplesPerSecond: mean((s) => s.examplesPerSecond),
    trainingFlopsPerExample: summaries[0].trainingFlopsPerExample,
    gflops: mean((s) => s.gflops),
    members: count,
  };
  const first = JSON.parse(readFileSync(join(job.outDir, dirs[0], 'train.json'), 'utf8')) as Record<string, unknown>;
  const memberRecords = summaries.map((s, i) => ({ dir: dirs[i], seed: memberSeed(job.seed, i + 1), bestEpoch: s.bestEpoch, bestValLoss: s.bestValLoss, bestValAccuracy: s.bestValAccuracy }));
  const trainJson = { model: job.params.model, params: job.params, seed: job.seed, classes: first.classes, size: first.size, shape: first.shape, maxChunks: first.maxChunks, ...summary, members: memberRecords };
  writeFileSync(join(job.outDir, 'train.json'), JSON.stringify(trainJson, null, 2) + '\n');
  return summary;
}

/** Loss and accuracy of the members' averaged probabilities on the validation split (the training split without one). */
async function ensembleValidation(job: TrainJob, dirs: string[]): Promise<{ loss: number; accuracy: number }> {
  const { tf } = await selectBackend(job.backend);
  const data = loadExamples(job.chunkDir, job.params.input, { splits: ['train', 'val'] });
  const set = data.bySplit.val.n > 0 ? data.bySplit.val : data.bySplit.train;
  const classes = data.classes.length;
  const sum = new Float32Array(set.n * classes);
  for (const dir of dirs) {
    const model = await loadModel(tf, join(job.outDir, dir));
    const probs = predictSet(tf, model, set, inputShape(job.params, data.shape), predictionRows(set.size));
    model.dispose();
    probs.forEach((p, i) => (sum[i] += p / dirs.length));
  }
  // Cross-entropy of the averaged probabilities for every model, the svm too: the average of softmaxes has no hinge.
  return scoreProbabilities(sum, set, classes);
}
