import { describe, expect, it } from 'vitest';
import { readChunks } from '../../../src/dataset/chunk-files.js';
import type { SplitName } from '../../../src/dataset/types.js';
import { writeUtterances, type UtteranceWithSamples } from '../../../src/dataset/utterance-files.js';
import { DataError } from '../../../src/errors.js';
import { chunkCount, chunkStage } from '../../../src/stages/chunk.js';
import { runStage, tempDir } from '../../helpers/stage-context.js';

/** An utterance whose sample i is i + 1, so chunks show exactly where they were cut. */
function ramp(id: string, length: number, split: SplitName | undefined, sampleRate = 1000): UtteranceWithSamples {
  return {
    row: { id, speaker: id.slice(0, 2), text: 'a01', emotion: id[5] === 'W' ? 'anger' : 'sadness', version: 'a', source: id, sampleRate, split },
    samples: Float32Array.from({ length }, (_, i) => i + 1),
  };
}

async function splitDir(rows: UtteranceWithSamples[]): Promise<string> {
  const dir = tempDir();
  await writeUtterances(dir, ['anger', 'sadness'], rows);
  return dir;
}

describe('chunkCount', () => {
  it('is 1 + ceil((n − length) / hop), and at least 1', () => {
    expect(chunkCount(40000, 16000, 16000)).toBe(3);
    expect(chunkCount(32000, 16000, 16000)).toBe(2);
    expect(chunkCount(32001, 16000, 16000)).toBe(3);
    expect(chunkCount(40000, 16000, 8000)).toBe(4);
    expect(chunkCount(100, 16000, 16000)).toBe(1);
    expect(chunkCount(0, 16000, 16000)).toBe(1);
    expect(chunkCount(40000, 16000, 8000, 2)).toBe(2);
  });
});

describe('chunk', () => {
  it('cuts without overlap and zero-pads the last chunk', async () => {
    const input = await splitDir([ramp('03a01Wa', 10, 'train'), ramp('08a01Ta', 3, 'test')]);
    const { outDir, result } = await runStage(chunkStage, { length: 4 }, { inputs: [input] });
    const { manifest, chunk } = readChunks(outDir);
    expect(manifest).toMatchObject({ kind: 'chunks', classes: ['anger', 'sadness'], sampleRate: 1000, length: 4 });
    expect(manifest.rows.map((r) => [r.utterance, r.position, r.label, r.split])).toEqual([
      ['03a01Wa', 0, 0, 'train'],
      ['03a01Wa', 1, 0, 'train'],
      ['03a01Wa', 2, 0, 'train'],
      ['08a01Ta', 0, 1, 'test'],
    ]);
    expect([0, 1, 2, 3].map((i) => Array.from(chunk(i)))).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 0, 0],
      [1, 2, 3, 0],
    ]);
    expect(result.metrics).toEqual({ chunks: 4, 'chunks.train': 3, 'chunks.val': 0, 'chunks.test': 1, padded: 2, files: 2 });
  });

  it('overlaps chunks with a hop shorter than the length', async () => {
    const input = await splitDir([ramp('03a01Wa', 10, 'val')]);
    const { outDir } = await runStage(chunkStage, { length: 4, hop: 3 }, { inputs: [input] });
    const { manifest, chunk } = readChunks(outDir);
    // 1 + ceil((10 - 4) / 3) = 3 chunks, starting at 0, 3, 6.
    expect(manifest.rows.map((_, i) => Array.from(chunk(i)))).toEqual([
      [1, 2, 3, 4],
      [4, 5, 6, 7],
      [7, 8, 9, 10],
    ]);
  });

  it('keeps the first maxChunks chunks of each utterance', async () => {
    const input = await splitDir([ramp('03a01Wa', 10, 'train'), ramp('08a01Wa', 9, 'test')]);
    const { outDir } = await runStage(chunkStage, { length: 2, maxChunks: 2 }, { inputs: [input] });
    const { manifest, chunk } = readChunks(outDir);
    expect(manifest.rows.map((r) => `${r.utterance}:${r.position}`)).toEqual(['03a01Wa:0', '03a01Wa:1', '08a01Wa:0', '08a01Wa:1']);
    expect(Array.from(chunk(3))).toEqual([3, 4]);
  });

  it('gives a short utterance one padded chunk and keeps its speaker', async () => {
    const input = await splitDir([ramp('12a01Ta', 2, 'test')]);
    const { outDir } = await runStage(chunkStage, { length: 5 }, { inputs: [input] });
    const { manifest, chunk } = readChunks(outDir);
    expect(manifest.rows).toEqual([{ index: 0, utterance: '12a01Ta', speaker: '12', position: 0, label: 1, split: 'test' }]);
    expect(Array.from(chunk(0))).toEqual([1, 2, 0, 0, 0]);
  });

  it('refuses utterances that were not split, saying to put split first', async () => {
    const input = await splitDir([ramp('03a01Wa', 10, undefined)]);
    const run = runStage(chunkStage, { length: 4 }, { inputs: [input] });
    await expect(run).rejects.toBeInstanceOf(DataError);
    await expect(run).rejects.toThrow(/03a01Wa has no train\/val\/test side/);
  });

  it('refuses utterances at different sample rates, saying to normalize first', async () => {
    const input = await splitDir([ramp('03a01Wa', 10, 'train', 16000), ramp('08a01Wa', 10, 'test', 22050)]);
    await expect(runStage(chunkStage, { length: 4 }, { inputs: [input] })).rejects.toThrow(/different sample rates/);
  });
});
