// Standardising feature matrices per dimension: over each utterance's own frames, with a mean and standard
// deviation fitted on the training split only and applied unchanged to validation and test (nothing of the test
// data reaches the numbers a model is trained with), or per speaker over all of that speaker's rows, whatever
// their split: a declared protocol variant that uses the test speakers' unlabelled audio.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHUNK_MANIFEST } from './chunk-files.js';

export type FeatureScaling = 'none' | 'utterance' | 'train' | 'speaker';

/**
 * The protocol variant per-speaker standardisation makes, as evaluate records it and compare shows it: the scores
 * are not those of a protocol that never reads the test speakers' audio.
 */
export const SPEAKER_NORMALISED = 'speaker-normalised';

export interface Standardiser {
  mean: number[];
  std: number[];
}

/** Floor under a standard deviation: a dimension constant over the data is centred, not blown up. */
const MIN_STD = 1e-5;

/** Mean and std of every dimension over all frames of the given matrices (row-major [frames, dims]). */
export function fitStandardiser(matrices: Iterable<Float32Array>, dims: number): Standardiser {
  const sum = new Float64Array(dims);
  const sumSq = new Float64Array(dims);
  let frames = 0;
  for (const m of matrices) {
    for (let i = 0; i < m.length; i++) {
      const d = i % dims;
      sum[d] += m[i];
      sumSq[d] += m[i] * m[i];
    }
    frames += m.length / dims;
  }
  if (frames === 0) throw new RangeError('fitStandardiser: no frames to fit on');
  const mean = Array.from(sum, (s) => s / frames);
  const std = Array.from(sumSq, (s, d) => Math.max(MIN_STD, Math.sqrt(Math.max(0, s / frames - mean[d] * mean[d]))));
  return { mean, std };
}

/** (x − mean) / std per dimension, in place. */
export function applyStandardiser(m: Float32Array, s: Standardiser): Float32Array {
  const dims = s.mean.length;
  for (let i = 0; i < m.length; i++) m[i] = (m[i] - s.mean[i % dims]) / s.std[i % dims];
  return m;
}

/** Standardise a matrix over its own frames (cepstral mean and variance normalisation), in place. */
export function standardiseOwnFrames(m: Float32Array, dims: number): Float32Array {
  return applyStandardiser(m, fitStandardiser([m], dims));
}

/** A speaker's standardiser and what it was fitted on. */
export interface SpeakerStandardiser extends Standardiser {
  speaker: string;
  /** Rows of this speaker per split, all of which shaped the mean and std. */
  rows: Partial<Record<string, number>>;
}

/**
 * Standardises every speaker's matrices with that speaker's own mean and std over all of their frames, in place
 * (labels are not read, but the test speakers' audio is). Returns the fitted numbers, by speaker, sorted.
 */
export function standardisePerSpeaker(
  rows: readonly { speaker: string; split: string }[],
  matrices: readonly Float32Array[],
  dims: number,
): SpeakerStandardiser[] {
  const bySpeaker = new Map<string, number[]>();
  rows.forEach((r, i) => bySpeaker.set(r.speaker, [...(bySpeaker.get(r.speaker) ?? []), i]));
  return [...bySpeaker.keys()].sort().map((speaker) => {
    const own = bySpeaker.get(speaker)!;
    const scaler = fitStandardiser(own.map((i) => matrices[i]), dims);
    for (const i of own) applyStandardiser(matrices[i], scaler);
    const counts: Partial<Record<string, number>> = {};
    for (const i of own) counts[rows[i].split] = (counts[rows[i].split] ?? 0) + 1;
    return { speaker, rows: counts, ...scaler };
  });
}

/**
 * `speaker-normalised` when the examples in `dir` (a features artifact's chunks.json) were standardised per
 * speaker, else null (other scalings, chunks of waveform, artifacts written before the variant existed).
 */
export async function readProtocolVariant(dir: string): Promise<string | null> {
  const manifest = JSON.parse(await readFile(join(dir, CHUNK_MANIFEST), 'utf8')) as { features?: { normalize?: unknown } };
  return manifest.features?.normalize === 'speaker' ? SPEAKER_NORMALISED : null;
}
