import { describe, expect, it } from 'vitest';
import { rms } from '../../../src/audio/level.js';
import { readUtterances, writeUtterances, type UtteranceWithSamples } from '../../../src/dataset/utterance-files.js';
import { normalizeStage } from '../../../src/stages/normalize.js';
import { runStage, tempDir } from '../../helpers/stage-context.js';

function sineRow(id: string, sampleRate: number, seconds: number, amplitude: number): UtteranceWithSamples {
  const n = Math.round(sampleRate * seconds);
  return {
    row: { id, speaker: id.slice(0, 2), text: 'a01', emotion: 'anger', version: 'a', source: `${id}.wav`, sampleRate },
    samples: Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * 440 * i) / sampleRate)),
  };
}

async function ingested(rows: UtteranceWithSamples[]): Promise<string> {
  const dir = tempDir();
  await writeUtterances(dir, ['anger'], rows);
  return dir;
}

describe('normalize', () => {
  it('resamples every file to one rate and brings each to the target RMS', async () => {
    const input = await ingested([sineRow('03a01Wa', 22050, 1, 0.9), sineRow('08a01Wa', 16000, 0.5, 0.01)]);
    const { outDir, result } = await runStage(normalizeStage, { sampleRate: 16000, method: 'rms', target: 0.1 }, { inputs: [input] });
    const { manifest, samples } = readUtterances(outDir);
    expect(manifest.sampleRate).toBe(16000);
    expect(manifest.rows.map((r) => r.length)).toEqual([16000, 8000]);
    for (const row of manifest.rows) expect(rms(samples(row))).toBeCloseTo(0.1, 3);
    expect(result.metrics).toEqual({ files: 2, resampled: 1, silent: 0 });
  });

  it('peak-normalises to the target', async () => {
    const input = await ingested([sineRow('03a01Wa', 16000, 0.5, 0.3)]);
    const { outDir } = await runStage(normalizeStage, { method: 'peak', target: 0.9 }, { inputs: [input] });
    const { manifest, samples } = readUtterances(outDir);
    const peak = Math.max(...Array.from(samples(manifest.rows[0]), Math.abs));
    expect(peak).toBeCloseTo(0.9, 5);
  });

  it('with method none only resamples', async () => {
    const input = await ingested([sineRow('03a01Wa', 8000, 0.5, 0.3)]);
    const { outDir } = await runStage(normalizeStage, { sampleRate: 8000, method: 'none' }, { inputs: [input] });
    const { manifest, samples } = readUtterances(outDir);
    expect(Array.from(samples(manifest.rows[0]))).toEqual(Array.from(sineRow('03a01Wa', 8000, 0.5, 0.3).samples));
  });

  it('leaves a silent file as zeros and warns, naming it', async () => {
    const silent = { ...sineRow('09a01Wa', 16000, 0.5, 0), samples: new Float32Array(8000) };
    const input = await ingested([sineRow('03a01Wa', 16000, 0.5, 0.3), silent]);
    const { outDir, warnings, result } = await runStage(normalizeStage, {}, { inputs: [input] });
    expect(warnings).toEqual([expect.stringMatching(/1 file is silent .* left unscaled: 09a01Wa/)]);
    expect(result.metrics?.silent).toBe(1);
    const { manifest, samples } = readUtterances(outDir);
    expect(Array.from(samples(manifest.rows[1])).every((v) => v === 0)).toBe(true);
  });

  it('keeps the labels and the class list', async () => {
    const input = await ingested([sineRow('03a01Wa', 22050, 0.2, 0.5)]);
    const { outDir } = await runStage(normalizeStage, {}, { inputs: [input] });
    const { manifest } = readUtterances(outDir);
    expect(manifest.classes).toEqual(['anger']);
    expect(manifest.rows[0]).toMatchObject({ id: '03a01Wa', speaker: '03', emotion: 'anger', source: '03a01Wa.wav', sampleRate: 16000 });
  });
});
