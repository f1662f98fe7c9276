import { describe, expect, it } from 'vitest';
import { readUtterances } from '../../../src/dataset/utterance-files.js';
import { EMOTIONS } from '../../../src/dataset/types.js';
import { ingestStage } from '../../../src/stages/ingest.js';
import { splitStage } from '../../../src/stages/split.js';
import { runStage } from '../../helpers/stage-context.js';

async function corpus(count = 140): Promise<string> {
  const { outDir } = await runStage(ingestStage, { format: 'synthetic', count, minSeconds: 0.2, maxSeconds: 0.4, sampleRate: 4000 });
  return outDir;
}

describe('split', () => {
  it('writes a side into every row; no utterance is on two sides', async () => {
    const input = await corpus();
    const { outDir, result } = await runStage(splitStage, {}, { inputs: [input], seed: 1 });
    const { manifest, samples } = readUtterances(outDir);
    expect(manifest.rows).toHaveLength(140);
    expect(new Set(manifest.rows.map((r) => r.id)).size).toBe(140);
    expect(manifest.rows.every((r) => r.split === 'train' || r.split === 'val' || r.split === 'test')).toBe(true);
    // 20 files per class: test round(4) = 4, val round(3.2) = 3, train the other 13.
    expect(result.metrics).toEqual({ 'files.train': 91, 'files.val': 21, 'files.test': 28 });
    // Samples travel with their rows.
    const before = readUtterances(input);
    const row = manifest.rows[17];
    expect(Array.from(samples(row))).toEqual(Array.from(before.samples(before.manifest.rows.find((r) => r.id === row.id)!)));
  });

  it('is stratified: each class has 20% of its files (± 1) in test, and the info counts them per side and class', async () => {
    const input = await corpus();
    const { outDir, result } = await runStage(splitStage, {}, { inputs: [input], seed: 3 });
    const rows = readUtterances(outDir).manifest.rows;
    for (const emotion of EMOTIONS) {
      const test = rows.filter((r) => r.emotion === emotion && r.split === 'test').length;
      expect(Math.abs(test - 20 * 0.2), emotion).toBeLessThanOrEqual(1);
      expect((result.info?.counts as Record<string, Record<string, number>>).test[emotion]).toBe(test);
    }
  });

  it('gives the same split for the same seed and another for another seed', async () => {
    const input = await corpus();
    const sides = async (seed: number) => readUtterances((await runStage(splitStage, {}, { inputs: [input], seed })).outDir).manifest.rows.map((r) => r.split);
    const a = await sides(1);
    expect(await sides(1)).toEqual(a);
    expect(await sides(2)).not.toEqual(a);
  });

  it('by speaker: no speaker on two sides, and the info lists each side’s speakers', async () => {
    const input = await corpus();
    const { outDir, result } = await runStage(splitStage, { by: 'speaker' }, { inputs: [input], seed: 5 });
    const rows = readUtterances(outDir).manifest.rows;
    const sidesOf = new Map<string, Set<string>>();
    for (const r of rows) sidesOf.set(r.speaker, (sidesOf.get(r.speaker) ?? new Set()).add(r.split!));
    expect(sidesOf.size).toBe(10);
    for (const [speaker, s] of sidesOf) expect(s.size, speaker).toBe(1);
    const speakers = result.info?.speakers as Record<string, string[]>;
    expect([...speakers.train, ...speakers.val, ...speakers.test].sort()).toEqual([...sidesOf.keys()].sort());
  });

  it('val may be 0', async () => {
    const input = await corpus();
    const { result } = await runStage(splitStage, { train: 0.8, val: 0, test: 0.2 }, { inputs: [input] });
    expect(result.metrics).toEqual({ 'files.train': 112, 'files.val': 0, 'files.test': 28 });
  });

  it('with train left out, a larger test share takes files from train', async () => {
    const input = await corpus();
    const { result } = await runStage(splitStage, { val: 0.16, test: 0.3 }, { inputs: [input] });
    // 20 files per class: test 6, val round(3.2) = 3, train 11.
    expect(result.metrics).toEqual({ 'files.train': 77, 'files.val': 21, 'files.test': 42 });
  });

  it('ratios that do not sum to 1 are a DataError', async () => {
    const input = await corpus(14);
    await expect(runStage(splitStage, { train: 0.7, val: 0.2, test: 0.2 }, { inputs: [input] })).rejects.toThrow(/must sum to 1, got 1\.1/);
  });

  it('a class with too few files for a test file is a DataError naming it', async () => {
    const input = await corpus(8);
    await expect(runStage(splitStage, {}, { inputs: [input] })).rejects.toThrow(/class (boredom|disgust|fear|happiness|sadness|neutral) has no train file/);
  });

  it('folds: loso tests the fold’s speaker only, validates on one other, and reports the shares it got', async () => {
    const input = await corpus();
    const { outDir, result } = await runStage(splitStage, { by: 'speaker', folds: 'loso', fold: 3, speakers: 10 }, { inputs: [input], seed: 2 });
    const rows = readUtterances(outDir).manifest.rows;
    const speakers = [...new Set(rows.map((r) => r.speaker))].sort();
    const info = result.info as { speakers: Record<string, string[]>; shares: Record<string, number>; folds: string; fold: number };
    expect(info.speakers.test).toEqual([speakers[2]]);
    expect(info.speakers.val).toHaveLength(1);
    expect(info.speakers.train).toHaveLength(8);
    expect(info).toMatchObject({ folds: 'loso', fold: 3 });
    expect(info.shares.test).toBeCloseTo(rows.filter((r) => r.split === 'test').length / rows.length, 6);
  });

  it('folds: loso on data with another speaker count is a DataError naming the stage and the count to set', async () => {
    const input = await corpus();
    const run = runStage(splitStage, { by: 'speaker', folds: 'loso', fold: 1, speakers: 12 }, { inputs: [input], name: 'split' });
    await expect(run).rejects.toThrow('the data has 10 speakers; set split.speakers: 10');
    await expect(run).rejects.toMatchObject({ place: { stage: 'split' } });
  });
});
