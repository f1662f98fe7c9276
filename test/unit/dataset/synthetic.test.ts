import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav } from '../../../src/audio/wav-decode.js';
import { parseEmodbName } from '../../../src/dataset/emodb-names.js';
import { syntheticCorpus, syntheticUtterance, writeSyntheticCorpus, type SyntheticOptions } from '../../../src/dataset/synthetic.js';
import { EMOTIONS, type Emotion } from '../../../src/dataset/types.js';
import { tempDir } from '../../helpers/stage-context.js';

const OPTIONS: SyntheticOptions = { count: 140, minSeconds: 1, maxSeconds: 9, sampleRate: 16000, seed: 1 };

describe('synthetic corpus', () => {
  it('names utterances like EMO-DB: 10 speakers, every emotion equally often', () => {
    const corpus = [...syntheticCorpus({ ...OPTIONS, count: 70, maxSeconds: 1 })];
    for (const u of corpus) expect(parseEmodbName(`${u.id}.wav`)).toMatchObject({ ok: true, speaker: u.speaker, emotion: u.emotion });
    expect(new Set(corpus.map((u) => u.id)).size).toBe(70);
    expect([...new Set(corpus.map((u) => u.speaker))].sort()).toEqual(['03', '08', '09', '10', '11', '12', '13', '14', '15', '16']);
    for (const e of EMOTIONS) expect(corpus.filter((u) => u.emotion === e)).toHaveLength(10);
  });

  it('is the same for the same seed, different for another, and utterance i does not depend on count', () => {
    const a = syntheticUtterance(5, OPTIONS);
    expect(Array.from(syntheticUtterance(5, OPTIONS).samples)).toEqual(Array.from(a.samples));
    expect(Array.from([...syntheticCorpus({ ...OPTIONS, count: 7 })][5].samples)).toEqual(Array.from(a.samples));
    expect(syntheticUtterance(5, { ...OPTIONS, seed: 2 }).samples.length).not.toBe(a.samples.length);
  });

  it('draws lengths between minSeconds and maxSeconds, with samples inside [-1, 1]', () => {
    const corpus = [...syntheticCorpus({ ...OPTIONS, count: 30, minSeconds: 0.5, maxSeconds: 1.5, sampleRate: 8000 })];
    for (const u of corpus) {
      expect(u.samples.length).toBeGreaterThanOrEqual(4000);
      expect(u.samples.length).toBeLessThanOrEqual(12000);
      expect(u.samples.every((s) => Math.abs(s) <= 1)).toBe(true);
    }
    const lengths = corpus.map((u) => u.samples.length);
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeGreaterThan(4000);
  });

  it('generates 140 utterances averaging more than 3 s at 16 kHz', () => {
    let samples = 0;
    for (const u of syntheticCorpus(OPTIONS)) samples += u.samples.length;
    expect(samples / 16000 / 140).toBeGreaterThan(3);
  });

  it('makes emotions separable: nearest centroids on pitch and rhythm, trained on 7 speakers, score over 40% (chance: 14%) on the other 3', () => {
    const corpus = [...syntheticCorpus({ ...OPTIONS, count: 280, maxSeconds: 2.5 })];
    const heldOut = new Set(['03', '13', '16']);
    const train = corpus.filter((u) => !heldOut.has(u.speaker));
    const test = corpus.filter((u) => heldOut.has(u.speaker));
    const classify = nearestCentroid(train.map((u) => ({ emotion: u.emotion, x: features(u.samples, 16000) })));
    const correct = test.filter((u) => classify(features(u.samples, 16000)) === u.emotion).length;
    expect(correct / test.length).toBeGreaterThan(0.4);
  });

  it('writes the corpus as 16-bit WAV files named like EMO-DB', () => {
    const dir = tempDir();
    const names = writeSyntheticCorpus(dir, { ...OPTIONS, count: 14, maxSeconds: 1.2 });
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
    const first = syntheticUtterance(0, OPTIONS);
    const decoded = decodeWav(readFileSync(join(dir, names[0])), names[0]);
    expect(decoded).toMatchObject({ sampleRate: 16000, encoding: '16-bit int' });
    expect(decoded.samples.length).toBe(syntheticUtterance(0, { ...OPTIONS, maxSeconds: 1.2 }).samples.length);
    expect(names[0]).toBe(`${first.id}.wav`);
  });
});

/** Log pitch (autocorrelation on the loudest frames), frame-energy variation, zero-crossing rate, syllable period. */
function features(x: Float32Array, sr: number): number[] {
  const frame = Math.round(sr / 50);
  const energy: number[] = [];
  for (let s = 0; s + frame <= x.length; s += frame) {
    let e = 0;
    for (let i = s; i < s + frame; i++) e += x[i] * x[i];
    energy.push(Math.sqrt(e / frame));
  }
  const mean = energy.reduce((a, b) => a + b, 0) / energy.length;
  const variation = Math.sqrt(energy.reduce((a, b) => a + (b - mean) ** 2, 0) / energy.length) / mean;
  let crossings = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1] < 0 !== x[i] < 0) crossings++;
  let bestLag = 5;
  let best = -Infinity;
  for (let lag = 5; lag <= 30; lag++) {
    let c = 0;
    for (let i = lag; i < energy.length; i++) c += (energy[i] - mean) * (energy[i - lag] - mean);
    if (c > best) [best, bestLag] = [c, lag];
  }
  const loudest = energy.map((e, i) => [e, i]).sort((a, b) => b[0] - a[0]).slice(0, 8);
  const pitches: number[] = [];
  for (const [, i] of loudest) {
    const s = i * frame;
    if (s + 2 * frame + sr / 60 > x.length) continue;
    let lagBest = 0;
    let cBest = -Infinity;
    for (let lag = Math.round(sr / 500); lag <= Math.round(sr / 60); lag++) {
      let c = 0;
      for (let j = 0; j < 2 * frame; j++) c += x[s + j] * x[s + j + lag];
      if (c > cBest) [cBest, lagBest] = [c, lag];
    }
    pitches.push(Math.log(sr / lagBest));
  }
  const pitch = pitches.reduce((a, b) => a + b, 0) / Math.max(1, pitches.length);
  return [pitch, variation, crossings / x.length, bestLag];
}

function nearestCentroid(examples: { emotion: Emotion; x: number[] }[]): (x: number[]) => Emotion {
  const dims = examples[0].x.length;
  const mu = Array.from({ length: dims }, (_, k) => examples.reduce((a, e) => a + e.x[k], 0) / examples.length);
  const sd = Array.from({ length: dims }, (_, k) => Math.sqrt(examples.reduce((a, e) => a + (e.x[k] - mu[k]) ** 2, 0) / examples.length) || 1);
  const z = (x: number[]) => x.map((v, k) => (v - mu[k]) / sd[k]);
  const centroids = EMOTIONS.map((emotion) => {
    const rows = examples.filter((e) => e.emotion === emotion).map((e) => z(e.x));
    return { emotion, c: Array.from({ length: dims }, (_, k) => rows.reduce((a, r) => a + r[k], 0) / rows.length) };
  });
  return (x) => {
    const zx = z(x);
    const dist = (c: number[]) => c.reduce((a, v, k) => a + (v - zx[k]) ** 2, 0);
    return centroids.reduce((best, c) => (dist(c.c) < dist(best.c) ? c : best)).emotion;
  };
}
