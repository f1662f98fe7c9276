// Writes small WAV corpora named like EMO-DB (speaker, text, emotion letter, version) for ingest tests.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { writeSyntheticCorpus, type SyntheticOptions } from '../../src/dataset/synthetic.js';

const SPEAKERS = ['03', '08', '09', '10', '11', '12', '13', '14', '15', '16'];
const LETTERS = ['W', 'L', 'E', 'A', 'F', 'T', 'N'];

/** `count` files cycling through the seven emotion letters; each a short tone whose pitch depends on the emotion. */
export function writeEmodbLikeWavs(dir: string, count: number, sampleRate = 16000): string[] {
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const letter = LETTERS[i % LETTERS.length];
    const name = `${SPEAKERS[i % SPEAKERS.length]}a${String(1 + Math.floor(i / 70)).padStart(2, '0')}${letter}${'abcdefghij'[Math.floor(i / 7) % 10]}.wav`;
    const n = Math.round(sampleRate * (0.5 + (i % 3) * 0.25));
    const f = 150 + 40 * LETTERS.indexOf(letter);
    const samples = new Int16Array(n);
    for (let t = 0; t < n; t++) samples[t] = Math.round(8000 * Math.sin((2 * Math.PI * f * t) / sampleRate));
    const wav = new wavefile.WaveFile();
    wav.fromScratch(1, sampleRate, '16', samples);
    writeFileSync(join(dir, name), wav.toBuffer());
    names.push(name);
  }
  return names;
}

/** The synthetic corpus (emotion-dependent prosody) as 16-bit WAV files; short by default so tests stay fast. */
export function writeSyntheticWavs(dir: string, options: Partial<SyntheticOptions> = {}): string[] {
  return writeSyntheticCorpus(dir, { count: 70, minSeconds: 0.3, maxSeconds: 0.8, sampleRate: 16000, seed: 1, ...options });
}
