// Training examples from a chunk artifact, in one of two framings:
//   chunk: every chunk is an example (a file's prediction is the mean of its chunks' probabilities);
//   file:  a file's chunks, in order and zero-padded to the longest file (`maxChunks`), form one example.
// A trained model fixes maxChunks (train.json); predicting on other data pads or truncates files to it.
// A chunk is [steps, channels]: [length, 1] of waveform, or [frames, dims] from a features stage; a file example
// stacks its chunks along the steps.

import { readChunks } from '../dataset/chunk-files.js';
import type { SplitName } from '../dataset/types.js';

export type Framing = 'chunk' | 'file';

export interface ExampleSet {
  /** Row-major [n, size]. */
  x: Float32Array;
  labels: Int32Array;
  /** The utterance (file) of each example. */
  utterances: string[];
  speakers: string[];
  n: number;
  size: number;
}

export interface ExampleData {
  classes: string[];
  /** Values per example. */
  size: number;
  /** One example as [steps, channels]. */
  shape: [number, number];
  /** Chunks per example in `file` framing: the longest file's, unless fixed by the caller. */
  maxChunks: number;
  bySplit: Record<SplitName, ExampleSet>;
}

export interface LoadOptions {
  /** Chunks per file example, as a trained model fixed it. */
  maxChunks?: number;
  /** The splits to load; the others come back empty. Training loads train and val only, never test. */
  splits?: readonly SplitName[];
}

export function loadExamples(chunkDir: string, framing: Framing, options: LoadOptions = {}): ExampleData {
  const { manifest, chunk } = readChunks(chunkDir);
  const fixedMaxChunks = options.maxChunks;
  const wanted = new Set(options.splits ?? ['train', 'val', 'test']);
  const [steps, channels] = manifest.shape ?? [manifest.length, 1];
  // Only the loaded splits' files: the test files' lengths must not shape a model trained without them.
  const perFile = new Map<string, number[]>();
  for (const row of manifest.rows.filter((r) => wanted.has(r.split))) {
    const list = perFile.get(row.utterance) ?? [];
    list.push(row.index);
    perFile.set(row.utterance, list);
  }
  const maxChunks = fixedMaxChunks ?? Math.max(1, ...[...perFile.values()].map((l) => l.length));
  const size = framing === 'chunk' ? manifest.length : manifest.length * maxChunks;
  const bySplit = {} as Record<SplitName, ExampleSet>;
  for (const split of ['train', 'val', 'test'] as const) {
    const rows = wanted.has(split) ? manifest.rows.filter((r) => r.split === split) : [];
    const groups: number[][] =
      framing === 'chunk'
        ? rows.map((r) => [r.index])
        : [...new Set(rows.map((r) => r.utterance))].map((u) =>
            [...perFile.get(u)!].sort((a, b) => manifest.rows[a].position - manifest.rows[b].position).slice(0, maxChunks),
          );
    const x = new Float32Array(groups.length * size);
    groups.forEach((g, i) => g.forEach((c, k) => x.set(chunk(c), i * size + k * manifest.length)));
    const first = groups.map((g) => manifest.rows[g[0]]);
    bySplit[split] = {
      x,
      labels: Int32Array.from(first.map((r) => r.label)),
      utterances: first.map((r) => r.utterance),
      speakers: first.map((r) => r.speaker),
      n: groups.length,
      size,
    };
  }
  const shape: [number, number] = framing === 'chunk' ? [steps, channels] : [steps * maxChunks, channels];
  return { classes: manifest.classes, size, maxChunks, shape, bySplit };
}

/** Copies the rows `indices` of a set into one contiguous batch buffer (the front of `into` when it is big enough). */
export function gatherBatch(set: ExampleSet, indices: ArrayLike<number>, into?: Float32Array): Float32Array {
  const length = indices.length * set.size;
  const out = into && into.length >= length ? into.subarray(0, length) : new Float32Array(length);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    out.set(set.x.subarray(r * set.size, (r + 1) * set.size), i * set.size);
  }
  return out;
}
