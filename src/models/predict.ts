// Per-file class probabilities of a trained model on one split of a chunk artifact: in `chunk` framing the mean of
// the file's chunk probabilities, in `file` framing the file's own prediction. An ensemble over seeds
// (train-members.ts) predicts the mean of its members' probabilities per example.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from './backend.js';
import { inputShape } from './build-model.js';
import { loadExamples } from './examples.js';
import { loadModel } from './model-io.js';
import type { TrainParams } from './train-loop.js';
import { predictionRows, predictSet } from './train-loop.js';

export interface FilePrediction {
  utterance: string;
  speaker: string;
  label: number;
  probs: number[];
}

export async function predictFiles(
  modelDir: string,
  chunkDir: string,
  split: 'test' | 'val' | 'train',
  options: { backend?: string },
): Promise<{ classes: string[]; backend: string; files: FilePrediction[] }> {
  const { tf, name } = await selectBackend(options.backend);
  const trained = JSON.parse(readFileSync(join(modelDir, 'train.json'), 'utf8')) as { params: TrainParams; maxChunks: number; members?: { dir: string }[] };
  const data = loadExamples(chunkDir, trained.params.input, { maxChunks: trained.maxChunks, splits: [split] });
  const set = data.bySplit[split];
  const classes = data.classes.length;
  const dirs = trained.members ? trained.members.map((m) => join(modelDir, m.dir)) : [modelDir];
  const probs = new Float32Array(set.n * classes);
  for (const dir of dirs) {
    const model = await loadModel(tf, dir);
    const own = predictSet(tf, model, set, inputShape(trained.params, data.shape), predictionRows(set.size));
    model.dispose();
    // One model: probs = own exactly (x / 1), so a single model's predictions are unchanged.
    own.forEach((p, i) => (probs[i] += p / dirs.length));
  }
  const files = new Map<string, FilePrediction & { count: number }>();
  for (let i = 0; i < set.n; i++) {
    const row = probs.subarray(i * classes, (i + 1) * classes);
    const file = files.get(set.utterances[i]);
    if (file) {
      file.probs = file.probs.map((p, k) => p + row[k]);
      file.count += 1;
    } else {
      files.set(set.utterances[i], { utterance: set.utterances[i], speaker: set.speakers[i], label: set.labels[i], probs: Array.from(row), count: 1 });
    }
  }
  return {
    classes: data.classes,
    backend: name,
    files: [...files.values()].map(({ count, ...f }) => ({ ...f, probs: f.probs.map((p) => p / count) })),
  };
}
