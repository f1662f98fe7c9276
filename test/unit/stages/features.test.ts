import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readChunks, writeChunks, type ChunkWithSamples } from '../../../src/dataset/chunk-files.js';
import { mixSeed, mulberry32 } from '../../../src/dataset/random.js';
import type { SplitName } from '../../../src/dataset/types.js';
import { StageError } from '../../../src/errors.js';
import { featuresStage } from '../../../src/stages/features.js';
import { runStage, tempDir } from '../../helpers/stage-context.js';

const RATE = 16000;
const LENGTH = 4000;

/** A tone per chunk (frequency by label) in noise; `testScale` changes the test chunks only, `speakerScale` speaker 03's. */
async function chunkDir(testScale = 1, speakerScale = 1): Promise<string> {
  const dir = tempDir();
  const random = mulberry32(mixSeed(3, 0));
  const rows: ChunkWithSamples[] = [];
  for (let i = 0; i < 12; i++) {
    const split: SplitName = i < 8 ? 'train' : i < 10 ? 'val' : 'test';
    const label = i % 2;
    const scale = (split === 'test' ? testScale : 1) * (speakerOf(i) === '03' ? speakerScale : 1);
    const samples = Float32Array.from({ length: LENGTH }, (_, t) => scale * (Math.sin((2 * Math.PI * (500 + 1500 * label) * t) / RATE) + 0.1 * (random() - 0.5)));
    rows.push({ row: { utterance: `u${i}`, speaker: speakerOf(i), position: 0, label, split }, samples });
  }
  await writeChunks(dir, { classes: ['anger', 'sadness'], sampleRate: RATE, length: LENGTH }, rows);
  return dir;
}

/** Speakers 03-06 in turn: each has training rows; 03 and 04 a validation row, 05 and 06 a test row. */
const speakerOf = (i: number) => String(3 + (i % 4)).padStart(2, '0');

/** Mean and std of dim `d` over the frames of the given rows. */
function dimStats(data: ReturnType<typeof readChunks>, rows: number[], d: number): { mean: number; std: number } {
  const [frames, dims] = data.manifest.shape!;
  const values = rows.flatMap((r) => Array.from({ length: frames }, (_, t) => data.chunk(r)[t * dims + d]));
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) };
}

describe('features stage', () => {
  it('writes log-mel frames × bands in the chunk format, rows unchanged', async () => {
    const { outDir, result } = await runStage(featuresStage, { kind: 'logmel', bands: 20, normalize: 'none' }, { inputs: [await chunkDir()] });
    const out = readChunks(outDir);
    // 25 ms window (400 samples), 10 ms hop (160): 1 + floor((4000 - 400) / 160) = 23 frames.
    expect(out.manifest.shape).toEqual([23, 20]);
    expect(out.manifest.length).toBe(23 * 20);
    expect(out.manifest.rows.map((r) => [r.utterance, r.split, r.label])).toEqual(
      Array.from({ length: 12 }, (_, i) => [`u${i}`, i < 8 ? 'train' : i < 10 ? 'val' : 'test', i % 2]),
    );
    expect(result.metrics).toEqual({ chunks: 12, frames: 23, dims: 20 });
    // A 500 Hz tone puts its energy in a lower band than a 2000 Hz tone.
    const loudest = (r: number) => {
      const row = out.chunk(r).subarray(5 * 20, 6 * 20);
      return row.indexOf(Math.max(...row));
    };
    expect(loudest(0)).toBeLessThan(loudest(1));
  });

  it('fits the standardisation on the training split only: test data changes nothing else', async () => {
    const params = { kind: 'mfcc', coefficients: 8, bands: 20, deltas: 1, normalize: 'train' };
    const a = await runStage(featuresStage, params, { inputs: [await chunkDir(1)] });
    const b = await runStage(featuresStage, params, { inputs: [await chunkDir(40)] });
    const [fa, fb] = [readChunks(a.outDir), readChunks(b.outDir)];
    expect(fa.manifest.shape).toEqual([23, 16]);
    for (let r = 0; r < 10; r++) expect(Array.from(fb.chunk(r))).toEqual(Array.from(fa.chunk(r)));
    expect(Array.from(fb.chunk(11))).not.toEqual(Array.from(fa.chunk(11)));
    expect(readFileSync(join(a.outDir, 'scaling.json'), 'utf8')).toBe(readFileSync(join(b.outDir, 'scaling.json'), 'utf8'));
    const scaling = JSON.parse(readFileSync(join(a.outDir, 'scaling.json'), 'utf8')) as { fittedOn: string; chunks: number; mean: number[] };
    expect(scaling).toMatchObject({ fittedOn: 'train', chunks: 8 });
    expect(scaling.mean).toHaveLength(16);
    // Over the training frames every dim is now mean 0, std 1; over the test frames not.
    const train = [0, 1, 2, 3, 4, 5, 6, 7];
    for (const d of [0, 3, 12]) {
      expect(dimStats(fa, train, d).mean).toBeCloseTo(0, 4);
      expect(dimStats(fa, train, d).std).toBeCloseTo(1, 3);
    }
    expect(Math.abs(dimStats(fb, [10, 11], 0).mean)).toBeGreaterThan(1);
  });

  it('standardises each chunk over its own frames with normalize: utterance', async () => {
    const { outDir } = await runStage(featuresStage, { kind: 'logmel', bands: 16, normalize: 'utterance' }, { inputs: [await chunkDir()] });
    const out = readChunks(outDir);
    for (const r of [0, 7, 11]) {
      expect(dimStats(out, [r], 4).mean).toBeCloseTo(0, 4);
      expect(dimStats(out, [r], 4).std).toBeCloseTo(1, 3);
    }
  });

  it('summarises the frames of each chunk with kind stats: mean, std, min, max per band', async () => {
    const input = await chunkDir();
    const logmel = readChunks((await runStage(featuresStage, { kind: 'logmel', bands: 10, normalize: 'none' }, { inputs: [input] })).outDir);
    const stats = readChunks((await runStage(featuresStage, { kind: 'stats', bands: 10, normalize: 'none' }, { inputs: [input] })).outDir);
    expect(stats.manifest.shape).toEqual([1, 40]);
    const band3 = Array.from({ length: 23 }, (_, t) => logmel.chunk(2)[t * 10 + 3]);
    const { mean, std } = dimStats(logmel, [2], 3);
    expect(stats.chunk(2)[3]).toBeCloseTo(mean, 4);
    expect(stats.chunk(2)[13]).toBeCloseTo(std, 3);
    expect(stats.chunk(2)[23]).toBeCloseTo(Math.min(...band3), 5);
    expect(stats.chunk(2)[33]).toBeCloseTo(Math.max(...band3), 5);
  });

  it('writes frame descriptors with kind descriptors: F0, voicing, energy, ZCR and spectral shape per frame', async () => {
    const { outDir } = await runStage(featuresStage, { kind: 'descriptors', normalize: 'none' }, { inputs: [await chunkDir()] });
    const out = readChunks(outDir);
    expect(out.manifest.shape).toEqual([23, 9]);
    expect(out.manifest.features).toMatchObject({ kind: 'descriptors' });
    // Frame 5: centroid (dim 4) of the 500 Hz chunk below that of the 2000 Hz chunk; ZCR (dim 3) too.
    const at = (r: number, d: number) => out.chunk(r)[5 * 9 + d];
    expect(at(0, 4)).toBeLessThan(at(1, 4));
    expect(at(0, 3)).toBeCloseTo((2 * 500) / RATE, 2);
    expect(at(1, 3)).toBeCloseTo((2 * 2000) / RATE, 2);
    // The 2000 Hz tone is above the F0 search range, the noise makes it aperiodic at 500 Hz's subharmonics:
    // whatever is unvoiced is written as 0, never NaN.
    expect(Array.from(out.chunk(1)).every(Number.isFinite)).toBe(true);
  });

  it('summarises log-mel and descriptor frames together with the statistics asked for', async () => {
    const input = await chunkDir();
    const params = { kind: 'stats', bands: 10, descriptors: true, statistics: ['mean', 'p50', 'slope'], normalize: 'none' };
    const stats = readChunks((await runStage(featuresStage, params, { inputs: [input] })).outDir);
    expect(stats.manifest.shape).toEqual([1, 3 * (10 + 9)]);
    const frames = readChunks((await runStage(featuresStage, { kind: 'descriptors', normalize: 'none' }, { inputs: [input] })).outDir);
    const zcr = Array.from({ length: 23 }, (_, t) => frames.chunk(2)[t * 9 + 3]);
    // Statistic-major: mean of the 19 dims, then p50, then slope; the descriptors follow the 10 bands.
    expect(stats.chunk(2)[10 + 3]).toBeCloseTo(zcr.reduce((a, b) => a + b, 0) / 23, 5);
    expect(stats.chunk(2)[19 + 10 + 3]).toBeCloseTo([...zcr].sort((a, b) => a - b)[11], 5);
    expect(Array.from(stats.chunk(2)).every(Number.isFinite)).toBe(true);
  });

  it('standardises each speaker with their own rows (all splits) with normalize: speaker, removing a speaker\'s gain', async () => {
    const params = { kind: 'stats', bands: 12, normalize: 'speaker' };
    const a = await runStage(featuresStage, params, { inputs: [await chunkDir(1, 1)] });
    const b = await runStage(featuresStage, params, { inputs: [await chunkDir(1, 30)] });
    const [fa, fb] = [readChunks(a.outDir), readChunks(b.outDir)];
    expect(fa.manifest.features).toMatchObject({ normalize: 'speaker' });
    // Speaker 03 (rows 0, 4, 8) is mean 0, std 1 over their own rows in every dim, validation row 8 included.
    for (const d of [0, 5, 30]) {
      expect(dimStats(fa, [0, 4, 8], d).mean).toBeCloseTo(0, 4);
      expect(dimStats(fa, [0, 4, 8], d).std).toBeCloseTo(1, 3);
    }
    // A gain of 30 on all of speaker 03's audio shifts their log-mel means by log(900) and is standardised away.
    for (const r of [0, 4, 8]) for (const d of [0, 3, 11]) expect(fb.chunk(r)[d]).toBeCloseTo(fa.chunk(r)[d], 2);
    for (const r of [1, 2, 3]) expect(Array.from(fb.chunk(r))).toEqual(Array.from(fa.chunk(r)));
    const scaling = JSON.parse(readFileSync(join(a.outDir, 'scaling.json'), 'utf8')) as {
      fittedOn: string;
      usesTestAudio: boolean;
      speakers: { speaker: string; rows: Record<string, number>; mean: number[] }[];
    };
    expect(scaling).toMatchObject({ fittedOn: 'speaker', usesTestAudio: true, chunks: 12 });
    expect(scaling.speakers.map((s) => [s.speaker, s.rows])).toEqual([
      ['03', { train: 2, val: 1 }],
      ['04', { train: 2, val: 1 }],
      ['05', { train: 2, test: 1 }],
      ['06', { train: 2, test: 1 }],
    ]);
    expect(scaling.speakers[0].mean).toHaveLength(48);
  });

  it('standardises frame-level features per speaker over all frames of their chunks', async () => {
    const { outDir } = await runStage(featuresStage, { kind: 'mfcc', coefficients: 6, bands: 16, normalize: 'speaker' }, { inputs: [await chunkDir(25)] });
    const out = readChunks(outDir);
    // Speaker 05: training rows 2 and 6, test row 10 (scaled by 25): mean 0, std 1 over the frames of all three.
    for (const d of [0, 2, 5]) {
      expect(dimStats(out, [2, 6, 10], d).mean).toBeCloseTo(0, 4);
      expect(dimStats(out, [2, 6, 10], d).std).toBeCloseTo(1, 3);
    }
  });

  it('keeps the features header of params that do not name the new ones', async () => {
    const { outDir } = await runStage(featuresStage, { kind: 'stats', bands: 10, normalize: 'none' }, { inputs: [await chunkDir()] });
    const header = readChunks(outDir).manifest.features!;
    expect(Object.keys(header)).not.toContain('descriptors');
    expect(Object.keys(header)).not.toContain('statistics');
  });

  it('refuses statistics without kind stats, and descriptors: true where there is nothing to append them to', () => {
    const check = (params: Record<string, unknown>) => featuresStage.checkParams!(params as never).map((p) => p.path.join('.'));
    expect(check({ kind: 'logmel', statistics: ['mean'] })).toEqual(['statistics']);
    expect(check({ kind: 'descriptors', descriptors: true })).toEqual(['descriptors']);
    expect(check({ kind: 'stats', statsOf: 'descriptors', descriptors: true })).toEqual(['descriptors']);
    expect(check({ kind: 'stats', statsOf: 'mfcc', descriptors: true, statistics: ['p90', 'slope'] })).toEqual([]);
  });

  it('rejects params that cannot work, naming them', async () => {
    const input = await chunkDir();
    await expect(runStage(featuresStage, { kind: 'stats', normalize: 'utterance' }, { inputs: [input] })).rejects.toThrow(StageError);
    await expect(runStage(featuresStage, { kind: 'logmel', windowMs: 50, fftSize: 512 }, { inputs: [input] })).rejects.toThrow(/fftSize/);
    await expect(runStage(featuresStage, { kind: 'logmel' }, { inputs: [] })).rejects.toThrow(/needs a chunk stage/);
  });
});
