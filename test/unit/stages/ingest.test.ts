import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { describe, expect, it } from 'vitest';
import { readUtterances } from '../../../src/dataset/utterance-files.js';
import { CancelledError, DataError } from '../../../src/errors.js';
import { ingestStage } from '../../../src/stages/ingest.js';
import { runStage, tempDir } from '../../helpers/stage-context.js';
import { writeSyntheticWavs } from '../../helpers/wav-corpus.js';

function shortWav(seconds: number, sampleRate = 16000): Uint8Array {
  const w = new wavefile.WaveFile();
  w.fromScratch(1, sampleRate, '16', new Int16Array(Math.round(seconds * sampleRate)).fill(1000));
  return w.toBuffer();
}

async function ingestError(params: object, projectDir?: string): Promise<DataError> {
  try {
    await runStage(ingestStage, params, { projectDir });
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('ingest (format emodb)', () => {
  it('reads a folder of EMO-DB-named WAV files with the right label counts', async () => {
    const root = tempDir();
    writeSyntheticWavs(root, { count: 70 });
    const { result, outDir, warnings } = await runStage(ingestStage, { format: 'emodb', root });
    expect(warnings).toEqual([]);
    expect(result.metrics).toMatchObject({ files: 70, 'files.anger': 10, 'files.boredom': 10, 'files.neutral': 10 });
    const { manifest, samples } = readUtterances(outDir);
    expect(manifest.classes).toEqual(['anger', 'boredom', 'disgust', 'fear', 'happiness', 'sadness', 'neutral']);
    expect(manifest.sampleRate).toBe(16000);
    const row = manifest.rows.find((r) => r.id === '08a01Wa')!;
    expect(row).toMatchObject({ speaker: '08', text: 'a01', emotion: 'anger', version: 'a', source: join(root, '08a01Wa.wav') });
    expect(samples(row).length).toBe(row.length);
    expect(result.info?.speakers).toHaveLength(10);
  });

  it('with classes: four keeps anger, happiness, neutral and sadness only', async () => {
    const root = tempDir();
    writeSyntheticWavs(root, { count: 70 });
    const { result, outDir } = await runStage(ingestStage, { root, classes: 'four' });
    expect(result.metrics).toEqual(expect.objectContaining({ files: 40, 'files.anger': 10, 'files.happiness': 10, 'files.neutral': 10, 'files.sadness': 10 }));
    expect(result.metrics).not.toHaveProperty('files.fear');
    const { manifest } = readUtterances(outDir);
    expect(manifest.classes).toEqual(['anger', 'happiness', 'neutral', 'sadness']);
    expect(new Set(manifest.rows.map((r) => r.emotion))).toEqual(new Set(['anger', 'happiness', 'neutral', 'sadness']));
  });

  it('skips a badly named file with one warning naming it and why', async () => {
    const root = tempDir();
    writeSyntheticWavs(root, { count: 14 });
    writeFileSync(join(root, 'recording-1.wav'), shortWav(0.5));
    writeFileSync(join(root, '03a01Xa.wav'), shortWav(0.5));
    writeFileSync(join(root, 'README.txt'), 'not audio');
    const { result, warnings } = await runStage(ingestStage, { root });
    expect(result.metrics?.files).toBe(14);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/2 of 16 \.wav files .* are not named like EMO-DB/);
    expect(warnings[0]).toContain('03a01Xa.wav (emotion letter "X" is not one of W L E A F T N)');
    expect(warnings[0]).toContain('recording-1.wav (expected 7 characters');
    expect(result.info?.skipped).toMatchObject({ badNames: [{ file: '03a01Xa.wav' }, { file: 'recording-1.wav' }] });
  });

  it('with strict: true, a badly named file is a DataError', async () => {
    const root = tempDir();
    writeSyntheticWavs(root, { count: 7 });
    writeFileSync(join(root, 'take2.wav'), shortWav(0.5));
    const e = await ingestError({ root, strict: true });
    expect(e.message).toMatch(/take2\.wav/);
    expect(e.hint).toMatch(/strict=false/);
  });

  it('skips files shorter than 0.1 s with a warning naming them', async () => {
    const root = tempDir();
    writeSyntheticWavs(root, { count: 14 });
    writeFileSync(join(root, '03b01Na.wav'), shortWav(0.05));
    const { result, warnings } = await runStage(ingestStage, { root });
    expect(result.metrics?.files).toBe(14);
    expect(warnings).toEqual([expect.stringMatching(/1 file is shorter than 0\.1 s; skipped: 03b01Na\.wav \(0\.050 s\)/)]);
  });

  it('keeps each file at its own sample rate and sets the manifest rate to null when they differ', async () => {
    const root = tempDir();
    writeSyntheticWavs(root, { count: 7 });
    writeFileSync(join(root, '03b01Na.wav'), shortWav(0.5, 22050));
    const { outDir, result } = await runStage(ingestStage, { root });
    const { manifest } = readUtterances(outDir);
    expect(manifest.sampleRate).toBeNull();
    expect(manifest.rows.find((r) => r.id === '03b01Na')).toMatchObject({ sampleRate: 22050, length: 11025 });
    expect(result.info?.sampleRates).toEqual({ 16000: 7, 22050: 1 });
  });

  it('a damaged file is a DataError naming the file', async () => {
    const root = tempDir();
    writeSyntheticWavs(root, { count: 7 });
    writeFileSync(join(root, '03b01Na.wav'), '');
    const e = await ingestError({ root });
    expect(e.place.file).toBe(join(root, '03b01Na.wav'));
    expect(e.message).toMatch(/empty/);
  });

  it('a missing data folder is a DataError naming it and saying how to set it', async () => {
    const project = tempDir();
    const e = await ingestError({ root: 'no-such-folder' }, project);
    expect(e.place.file).toBe(join(project, 'no-such-folder'));
    expect(e.message).toMatch(/does not exist/);
    expect(e.hint).toMatch(/--set data\.root=PATH/);
    expect(e.hint).toMatch(/EMODB_ROOT/);
  });

  it('an unset data folder is a DataError saying how to set it', async () => {
    const e = await ingestError({ format: 'emodb' });
    expect(e.message).toMatch(/ingest\.root is not set/);
    expect(e.hint).toMatch(/--set data\.root=PATH/);
  });

  it('a file given as the data folder is a DataError', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.wav'), shortWav(0.5));
    expect((await ingestError({ root: join(dir, 'a.wav') })).message).toMatch(/is a file, not a folder/);
  });

  it('a folder without .wav files is a DataError, pointing at a subfolder that has them', async () => {
    const root = tempDir();
    writeSyntheticWavs(join(root, 'wav'), { count: 7 });
    const e = await ingestError({ root });
    expect(e.message).toMatch(/holds no \.wav files/);
    expect(e.hint).toContain(join(root, 'wav'));
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect((await ingestError({ root: empty })).hint).toMatch(/EMODB_ROOT/);
  });

  it('a class set that selects no file is a DataError naming the class set', async () => {
    const root = tempDir();
    writeFileSync(join(root, '03a01La.wav'), shortWav(0.5));
    writeFileSync(join(root, '03a01Ea.wav'), shortWav(0.5));
    expect((await ingestError({ root, classes: 'four' })).message).toMatch(/class set four selects no file/);
  });

  it('reports progress in files, ending with all of them', async () => {
    const root = tempDir();
    writeSyntheticWavs(root, { count: 14 });
    const { reports } = await runStage(ingestStage, { root });
    const progress = reports.filter((r) => r.kind === 'progress');
    expect(progress.at(-1)).toEqual({ kind: 'progress', done: 14, total: 14, unit: 'files' });
    expect(progress.length).toBeLessThanOrEqual(15);
  });

  it('stops with CancelledError when the run is cancelled', async () => {
    const root = tempDir();
    writeSyntheticWavs(root, { count: 7 });
    const abort = new AbortController();
    abort.abort();
    await expect(runStage(ingestStage, { root }, { signal: abort.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('ingest (format synthetic)', () => {
  it('generates count utterances at the asked sample rate, then applies the class set', async () => {
    const params = { format: 'synthetic', count: 28, minSeconds: 0.5, maxSeconds: 1, sampleRate: 8000 };
    const all = await runStage(ingestStage, params);
    expect(all.result.metrics).toMatchObject({ files: 28, 'files.anger': 4, 'files.sadness': 4 });
    const { manifest } = readUtterances(all.outDir);
    expect(manifest.sampleRate).toBe(8000);
    expect(manifest.rows[0].source).toBe(`synthetic:${manifest.rows[0].id}`);
    for (const r of manifest.rows) expect(r.length / 8000).toBeGreaterThanOrEqual(0.5);

    const four = await runStage(ingestStage, { ...params, classes: 'four' });
    expect(four.result.metrics?.files).toBe(16);
    const fourRows = readUtterances(four.outDir).manifest.rows;
    expect(fourRows.map((r) => r.id)).toEqual(manifest.rows.filter((r) => ['anger', 'happiness', 'neutral', 'sadness'].includes(r.emotion)).map((r) => r.id));
  });
});
