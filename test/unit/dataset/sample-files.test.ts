import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readChunks, writeChunks } from '../../../src/dataset/chunk-files.js';
import { readUtterances, writeUtterances, type UtteranceWithSamples } from '../../../src/dataset/utterance-files.js';
import { DataError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/stage-context.js';

const row = (id: string, sampleRate: number, samples: number[]): UtteranceWithSamples => ({
  row: { id, speaker: id.slice(0, 2), text: 'a01', emotion: 'anger', version: 'a', source: `/data/${id}.wav`, sampleRate },
  samples: Float32Array.from(samples),
});

describe('utterance files', () => {
  it('writes rows back to back into audio.f32 (little-endian Float32) and reads each row back', async () => {
    const dir = tempDir();
    const manifest = await writeUtterances(dir, ['anger'], [row('03a01Wa', 16000, [0.5, -0.25]), row('08a01Wa', 16000, [1, 2, 3])]);
    expect(manifest.rows.map((r) => [r.offset, r.length])).toEqual([[0, 2], [2, 3]]);
    expect(manifest.sampleRate).toBe(16000);
    const bytes = readFileSync(join(dir, 'audio.f32'));
    expect(bytes.length).toBe(20);
    expect(bytes.readFloatLE(4)).toBe(-0.25);
    const back = readUtterances(dir);
    expect(back.manifest).toEqual(manifest);
    expect(Array.from(back.samples(back.manifest.rows[1]))).toEqual([1, 2, 3]);
  });

  it('accepts an async iterable of rows', async () => {
    const dir = tempDir();
    async function* rows() {
      yield row('03a01Wa', 8000, [0.1]);
    }
    expect((await writeUtterances(dir, ['anger'], rows())).rows).toHaveLength(1);
  });

  it('sets the manifest sample rate to null when rows differ', async () => {
    const dir = tempDir();
    const m = await writeUtterances(dir, ['anger'], [row('03a01Wa', 16000, [0]), row('08a01Wa', 22050, [0])]);
    expect(m.sampleRate).toBeNull();
  });

  it('writes one manifest row per line', async () => {
    const dir = tempDir();
    await writeUtterances(dir, ['anger'], [row('03a01Wa', 16000, [0]), row('08a01Wa', 16000, [0])]);
    const lines = readFileSync(join(dir, 'dataset.json'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^\{"id":"03a01Wa",/);
  });

  it('rejects a manifest whose rows point past the end of audio.f32', async () => {
    const dir = tempDir();
    await writeUtterances(dir, ['anger'], [row('03a01Wa', 16000, [0, 0, 0])]);
    writeFileSync(join(dir, 'audio.f32'), Buffer.alloc(8));
    expect(() => readUtterances(dir)).toThrow(/row 03a01Wa points at samples 0\.\.3, but audio\.f32 holds 2/);
  });

  it('says which stage is missing when the folder has no utterance manifest', () => {
    const dir = tempDir();
    expect(() => readUtterances(dir)).toThrow(DataError);
    expect(() => readUtterances(dir)).toThrow(/cannot read the utterance manifest/);
  });
});

describe('chunk files', () => {
  it('writes chunks row-major and reads each chunk back by index', async () => {
    const dir = tempDir();
    const chunk = (utterance: string, position: number, samples: number[]) => ({
      row: { utterance, speaker: '03', position, label: 1, split: 'train' as const },
      samples: Float32Array.from(samples),
    });
    const m = await writeChunks(dir, { classes: ['anger', 'fear'], sampleRate: 8000, length: 2 }, [chunk('a', 0, [1, 2]), chunk('a', 1, [3, 0])]);
    expect(m.rows.map((r) => r.index)).toEqual([0, 1]);
    const back = readChunks(dir);
    expect(back.manifest).toEqual(m);
    expect(Array.from(back.chunk(1))).toEqual([3, 0]);
    expect(back.samples.length).toBe(4);
  });

  it('refuses a chunk of the wrong length', async () => {
    const dir = tempDir();
    const bad = [{ row: { utterance: 'a', speaker: '03', position: 0, label: 0, split: 'test' as const }, samples: new Float32Array(3) }];
    await expect(writeChunks(dir, { classes: ['anger'], sampleRate: 8000, length: 2 }, bad)).rejects.toThrow(/chunk of 3 samples, expected 2/);
  });
});
