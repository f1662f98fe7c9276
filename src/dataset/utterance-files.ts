// Read and write an utterance dataset: `dataset.json` (UtteranceManifest) beside `audio.f32` (all rows' samples
// back to back). Ingest, normalize and split artifacts all have this shape.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { Float32FileWriter, manifestJson, readFloat32File } from './float32-file.js';
import type { Emotion, Utterance, UtteranceManifest } from './types.js';

export const UTTERANCE_MANIFEST = 'dataset.json';
export const UTTERANCE_SAMPLES = 'audio.f32';

/** A row before it is written: the writer sets `offset` and `length` from the samples. */
export type UtteranceLabels = Omit<Utterance, 'offset' | 'length'>;

export interface UtteranceWithSamples {
  row: UtteranceLabels;
  samples: Float32Array;
}

export interface UtteranceDataset {
  manifest: UtteranceManifest;
  /** The row's samples: a view into the one array holding the whole sample file. */
  samples(row: Utterance): Float32Array;
}

/**
 * Stream rows into `dir`: samples are appended to `audio.f32` as they come, the manifest is written at the end.
 * The manifest's `sampleRate` is the rows' common rate, or null when they differ.
 */
export async function writeUtterances(
  dir: string,
  classes: Emotion[],
  rows: Iterable<UtteranceWithSamples> | AsyncIterable<UtteranceWithSamples>,
): Promise<UtteranceManifest> {
  const writer = new Float32FileWriter(join(dir, UTTERANCE_SAMPLES));
  const written: Utterance[] = [];
  try {
    for await (const { row, samples } of rows) {
      written.push({ ...row, length: samples.length, offset: writer.written });
      writer.append(samples);
    }
  } finally {
    writer.close();
  }
  const rates = new Set(written.map((r) => r.sampleRate));
  const header = { kind: 'utterances' as const, classes, sampleRate: rates.size === 1 ? [...rates][0] : null };
  writeFileSync(join(dir, UTTERANCE_MANIFEST), manifestJson(header, written));
  return { ...header, rows: written };
}

export function readUtterances(dir: string): UtteranceDataset {
  const manifestPath = join(dir, UTTERANCE_MANIFEST);
  const manifest = readManifest(manifestPath);
  const all = readFloat32File(join(dir, UTTERANCE_SAMPLES));
  for (const row of manifest.rows) {
    if (row.offset < 0 || row.offset + row.length > all.length) {
      throw new DataError(
        `row ${row.id} points at samples ${row.offset}..${row.offset + row.length}, but ${UTTERANCE_SAMPLES} holds ${all.length}`,
        { file: manifestPath },
        'the artifact is damaged; re-run the stage with --force',
      );
    }
  }
  return { manifest, samples: (row) => all.subarray(row.offset, row.offset + row.length) };
}

function readManifest(path: string): UtteranceManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DataError(`cannot read the utterance manifest: ${(e as Error).message}`, { file: path }, 'this stage needs an ingest, normalize or split stage before it');
  }
  const m = parsed as Partial<UtteranceManifest>;
  if (m.kind !== 'utterances' || !Array.isArray(m.rows) || !Array.isArray(m.classes)) {
    throw new DataError('is not an utterance manifest', { file: path }, 'this stage needs an ingest, normalize or split stage before it');
  }
  return m as UtteranceManifest;
}
