// Read and write a chunk dataset: `chunks.json` (ChunkManifest) beside `chunks.f32`, row-major [chunks, length].

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { Float32FileWriter, manifestJson, readFloat32File } from './float32-file.js';
import type { Chunk, ChunkManifest } from './types.js';

export const CHUNK_MANIFEST = 'chunks.json';
export const CHUNK_SAMPLES = 'chunks.f32';

export interface ChunkWithSamples {
  /** The writer sets `index`. */
  row: Omit<Chunk, 'index'>;
  /** Exactly `length` samples. */
  samples: Float32Array;
}

export interface ChunkDataset {
  manifest: ChunkManifest;
  /** Every chunk's samples, row-major [chunks, length]. */
  samples: Float32Array;
  /** One chunk's samples: a view into `samples`. */
  chunk(index: number): Float32Array;
}

export async function writeChunks(
  dir: string,
  header: Omit<ChunkManifest, 'kind' | 'rows'>,
  rows: Iterable<ChunkWithSamples> | AsyncIterable<ChunkWithSamples>,
): Promise<ChunkManifest> {
  const writer = new Float32FileWriter(join(dir, CHUNK_SAMPLES));
  const written: Chunk[] = [];
  try {
    for await (const { row, samples } of rows) {
      if (samples.length !== header.length) {
        throw new RangeError(`writeChunks: chunk of ${samples.length} samples, expected ${header.length}`);
      }
      written.push({ index: written.length, ...row });
      writer.append(samples);
    }
  } finally {
    writer.close();
  }
  const manifest: ChunkManifest = { kind: 'chunks', ...header, rows: written };
  writeFileSync(join(dir, CHUNK_MANIFEST), manifestJson({ kind: 'chunks', ...header }, written));
  return manifest;
}

export function readChunks(dir: string): ChunkDataset {
  const manifestPath = join(dir, CHUNK_MANIFEST);
  let parsed: Partial<ChunkManifest>;
  try {
    parsed = JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<ChunkManifest>;
  } catch (e) {
    throw new DataError(`cannot read the chunk manifest: ${(e as Error).message}`, { file: manifestPath }, 'this stage needs a chunk stage before it');
  }
  if (parsed.kind !== 'chunks' || !Array.isArray(parsed.rows) || typeof parsed.length !== 'number') {
    throw new DataError('is not a chunk manifest', { file: manifestPath }, 'this stage needs a chunk stage before it');
  }
  const manifest = parsed as ChunkManifest;
  const samples = readFloat32File(join(dir, CHUNK_SAMPLES));
  if (samples.length !== manifest.rows.length * manifest.length) {
    throw new DataError(
      `${CHUNK_SAMPLES} holds ${samples.length} samples, expected ${manifest.rows.length} chunks × ${manifest.length}`,
      { file: manifestPath },
      'the artifact is damaged; re-run the stage with --force',
    );
  }
  const length = manifest.length;
  return { manifest, samples, chunk: (i) => samples.subarray(i * length, (i + 1) * length) };
}
