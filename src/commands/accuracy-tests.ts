// Is an accuracy difference between two runs real? For each evaluate stage present in both runs: McNemar's exact
// test when both predicted the same test files, else a bootstrap interval over each side's files.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrapAccuracyDifference, bootstrapUnpairedDifference, mcnemarPaired } from '../metrics/paired.js';

export interface FilePrediction {
  utterance: string;
  label: number;
  predicted: number;
}

export interface AccuracyTest {
  instanceId: string;
  files: number;
  accuracyA: number;
  accuracyB: number;
  method: 'mcnemar' | 'bootstrap';
  /** McNemar: files only A got right (b) and only B got right (c), and the two-sided exact p-value. */
  b?: number;
  c?: number;
  p?: number;
  /** 95% interval of accuracy(B) − accuracy(A). */
  interval?: [number, number];
}

export function readPredictions(artifactDir: string): FilePrediction[] | undefined {
  const path = join(artifactDir, 'predictions.json');
  if (!existsSync(path)) return undefined;
  return (JSON.parse(readFileSync(path, 'utf8')) as { files: FilePrediction[] }).files;
}

export function accuracyTest(instanceId: string, a: FilePrediction[], b: FilePrediction[]): AccuracyTest {
  const accuracy = (xs: FilePrediction[]): number => xs.filter((f) => f.label === f.predicted).length / xs.length;
  const byFile = new Map(b.map((f) => [f.utterance, f]));
  const paired = a.length === b.length && a.every((f) => byFile.get(f.utterance)?.label === f.label);
  const base = { instanceId, accuracyA: accuracy(a), accuracyB: accuracy(b) };
  if (paired) {
    const other = a.map((f) => byFile.get(f.utterance)!);
    const truth = a.map((f) => f.label);
    const m = mcnemarPaired(truth, a.map((f) => f.predicted), other.map((f) => f.predicted));
    // The paired bootstrap gives an interval for the same difference, beside the p-value.
    const boot = bootstrapAccuracyDifference(truth, other.map((f) => f.predicted), a.map((f) => f.predicted), { seed: 1 });
    return { ...base, files: a.length, method: 'mcnemar', b: m.b, c: m.c, p: m.p, interval: boot.interval };
  }
  const correct = (xs: FilePrediction[]): boolean[] => xs.map((f) => f.label === f.predicted);
  const boot = bootstrapUnpairedDifference(correct(b), correct(a), { seed: 1 });
  return { ...base, files: a.length + b.length, method: 'bootstrap', interval: boot.interval };
}
