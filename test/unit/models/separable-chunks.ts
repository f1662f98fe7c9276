// A chunk artifact of separable classes (sines of different frequencies in noise), for training tests.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeChunks, type ChunkWithSamples } from '../../../src/dataset/chunk-files.js';
import { mixSeed, mulberry32 } from '../../../src/dataset/random.js';
import type { Emotion, SplitName } from '../../../src/dataset/types.js';

/**
 * `chunksPerFile` > 1: file i has 1 + i mod chunksPerFile chunks, one sine running through them. `scale` multiplies
 * every sample (the level a normalize stage would leave): the same random draws, so the data differ only in level.
 */
export async function writeSeparableChunks(
  options: { perClass?: number; length?: number; classes?: Emotion[]; chunksPerFile?: number; scale?: number } = {},
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-chunks-'));
  const classes = options.classes ?? ['anger', 'sadness', 'neutral'];
  const perClass = options.perClass ?? 40;
  const length = options.length ?? 1024;
  const random = mulberry32(mixSeed(7, 0));
  const rows: ChunkWithSamples[] = [];
  classes.forEach((_, label) => {
    for (let i = 0; i < perClass; i++) {
      const split: SplitName = i % 5 === 0 ? 'test' : i % 5 === 1 ? 'val' : 'train';
      const freq = 0.02 + 0.05 * label + 0.004 * random();
      // A small phase jitter: separable for a dense net on the raw samples too, not only for convolutions.
      const phase = label + 0.3 * random();
      const chunks = 1 + (i % (options.chunksPerFile ?? 1));
      for (let position = 0; position < chunks; position++) {
        const scale = options.scale ?? 1;
        const samples = Float32Array.from({ length }, (_, t) => scale * (Math.sin(2 * Math.PI * freq * (t + position * length) + phase) + 0.3 * (random() - 0.5)));
        rows.push({ row: { utterance: `u${label}-${i}`, speaker: String(3 + (i % 10)).padStart(2, '0'), position, label, split }, samples });
      }
    }
  });
  await writeChunks(dir, { classes, sampleRate: 16000, length }, rows);
  return dir;
}
