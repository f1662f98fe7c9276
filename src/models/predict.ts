// Per-file class probabilities of a trained model on one split of a chunk artifact: in `chunk` framing the mean of
// the file's chunk probabilities, in `file` framing the file's own prediction.

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
  const trained = JSON.parse(readFileSync(join(modelDir, 'train.json'), 'utf8')) as { params: TrainParams; maxChunks: number };
  const data = loadExamples(chunkDir, trained.params.input, { maxChunks: trained.maxChunks, splits: [split] });
  const set = data.bySplit[split];
  const model = await loadModel(tf, modelDir);
  const classes = data.classes.length;
  const probs = predictSet(tf, model, set, inputShape(trained.params, data.shape), predictionRows(set.size));
  model.dispose();
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
