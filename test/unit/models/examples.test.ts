import { describe, expect, it } from 'vitest';
import { writeChunks, type ChunkWithSamples } from '../../../src/dataset/chunk-files.js';
import type { SplitName } from '../../../src/dataset/types.js';
import { loadExamples } from '../../../src/models/examples.js';
import { tempDir } from '../../helpers/stage-context.js';

/** Files of 1 and 2 chunks in train and val, one of 4 chunks in test; chunk values name their file and position. */
async function chunkDir(): Promise<string> {
  const dir = tempDir();
  const files: [string, SplitName, number][] = [['u1', 'train', 2], ['u2', 'train', 1], ['u3', 'val', 2], ['u4', 'test', 4]];
  const rows: ChunkWithSamples[] = files.flatMap(([utterance, split, chunks], f) =>
    Array.from({ length: chunks }, (_, position) => ({
      row: { utterance, speaker: '03', position, label: 0, split },
      samples: Float32Array.from([10 * f + position, 10 * f + position]),
    })),
  );
  await writeChunks(dir, { classes: ['anger'], sampleRate: 16000, length: 2 }, rows);
  return dir;
}

describe('loadExamples', () => {
  it('leaves out the splits not asked for, and their files do not set the file framing length', async () => {
    const dir = await chunkDir();
    const training = loadExamples(dir, 'file', { splits: ['train', 'val'] });
    expect(training.bySplit.test.n).toBe(0);
    expect(training.maxChunks).toBe(2);
    expect(training.shape).toEqual([4, 1]);
    // u2 is one chunk, zero-padded to two.
    expect(Array.from(training.bySplit.train.x)).toEqual([0, 0, 1, 1, 10, 10, 0, 0]);
    expect(loadExamples(dir, 'file').maxChunks).toBe(4);
  });
});
