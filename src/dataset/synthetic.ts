// A small deterministic corpus named like EMO-DB (10 speakers, 7 emotions), for demos and tests that must not
// need the real data. Each utterance is a voiced "speech-like" signal whose prosody depends on the emotion:
// pitch level and range, loudness and accent contrast, syllable rate, brightness and breathiness, roughly
// following the directions reported for acted German emotional speech (anger and happiness high, bright and
// fast; sadness and boredom low, flat, slow; fear high, fast and jittery). normalize's RMS levelling removes the
// loudness, so the emotions also differ in what survives it, 8 kHz and 1 s chunks (pitch, its movement,
// rate, accent contrast, brightness, breath, jitter): pipelines/demo.yaml's small CNN learns them from log-mel frames.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav16 } from '../audio/wav-encode.js';
import { DataError } from '../errors.js';
import { emodbName, type EmodbName } from './emodb-names.js';
import { mixSeed, mulberry32 } from './random.js';
import { EMOTIONS, type Emotion } from './types.js';

export interface SyntheticOptions {
  /** Utterances, cycling through the 7 emotions (so classes are balanced), then speakers, then texts. */
  count: number;
  minSeconds: number;
  maxSeconds: number;
  sampleRate: number;
  /** Same seed, same corpus; utterance i does not depend on `count`. */
  seed: number;
}

export interface SyntheticUtterance extends EmodbName {
  samples: Float32Array;
  sampleRate: number;
}

/** EMO-DB's speakers; the female ones speak about an octave higher. */
const SPEAKERS = ['03', '08', '09', '10', '11', '12', '13', '14', '15', '16'];
const FEMALE = new Set(['08', '09', '13', '14', '16']);
/** EMO-DB's ten texts. */
const TEXTS = ['a01', 'a02', 'a04', 'a05', 'a07', 'b01', 'b02', 'b03', 'b09', 'b10'];
const VERSIONS = 'abcdefghijklmnopqrstuvwxyz';
/** Control-rate block, samples. */
const BLOCK = 32;
export const MAX_SYNTHETIC_COUNT = EMOTIONS.length * SPEAKERS.length * TEXTS.length * VERSIONS.length;

interface Prosody {
  /** Pitch relative to the speaker's neutral pitch. */
  pitch: number;
  /** Pitch movement, in semitones. */
  range: number;
  /** Loudness relative to neutral, dB. */
  loudness: number;
  /** Spread of syllable accents (0: all alike). */
  accent: number;
  /** Syllables per second. */
  rate: number;
  /** Harmonic roll-off r (amplitude of harmonic k ∝ r^k): higher is brighter. */
  brightness: number;
  /** Aspiration noise relative to the voice. */
  breath: number;
  /** Cycle-to-cycle pitch jitter (fraction). */
  jitter: number;
}

// Anger and happiness are told apart by brightness, accents and pitch movement, boredom and neutral by rate, range
// and brightness, sadness and disgust by breath, jitter and movement (pairs the demo's model confused when closer).
const PROSODY: Record<Emotion, Prosody> = {
  anger: { pitch: 1.3, range: 4, loudness: 6, accent: 0.7, rate: 6, brightness: 0.95, breath: 0.02, jitter: 0.01 },
  boredom: { pitch: 0.8, range: 0.5, loudness: -4, accent: 0.05, rate: 2.4, brightness: 0.6, breath: 0.05, jitter: 0.005 },
  disgust: { pitch: 0.9, range: 6, loudness: 0, accent: 0.5, rate: 2.8, brightness: 0.75, breath: 0.12, jitter: 0.04 },
  fear: { pitch: 1.6, range: 3, loudness: 0, accent: 0.3, rate: 7, brightness: 0.8, breath: 0.15, jitter: 0.05 },
  happiness: { pitch: 1.5, range: 10, loudness: 3, accent: 0.3, rate: 5, brightness: 0.86, breath: 0.04, jitter: 0.008 },
  sadness: { pitch: 0.85, range: 1, loudness: -6, accent: 0.1, rate: 2.2, brightness: 0.5, breath: 0.4, jitter: 0.01 },
  neutral: { pitch: 1.0, range: 3, loudness: 0, accent: 0.25, rate: 3.8, brightness: 0.72, breath: 0.05, jitter: 0.005 },
};

/** Vowel formants (F1, F2 in Hz) a syllable cycles through. */
const VOWELS: [number, number][] = [
  [730, 1090],
  [270, 2290],
  [530, 1840],
  [300, 870],
  [570, 840],
];

/** Labels of utterance i (emotion fastest, then speaker, then text, then version). */
export function syntheticName(i: number): EmodbName {
  const emotion = EMOTIONS[i % EMOTIONS.length];
  const speaker = SPEAKERS[Math.floor(i / EMOTIONS.length) % SPEAKERS.length];
  const t = Math.floor(i / (EMOTIONS.length * SPEAKERS.length));
  const text = TEXTS[t % TEXTS.length];
  const version = VERSIONS[Math.floor(t / TEXTS.length)];
  const name = { speaker, text, emotion, version };
  return { id: emodbName(name).slice(0, -4), ...name };
}

/** Generate the corpus lazily, one utterance at a time. */
export function* syntheticCorpus(options: SyntheticOptions): Generator<SyntheticUtterance> {
  checkSyntheticOptions(options);
  for (let i = 0; i < options.count; i++) yield syntheticUtterance(i, options);
}

/** Utterance i of the corpus with these options (the same whatever `count` is). */
export function syntheticUtterance(i: number, options: Omit<SyntheticOptions, 'count'>): SyntheticUtterance {
  const name = syntheticName(i);
  const random = mulberry32(mixSeed(options.seed, i));
  const seconds = options.minSeconds + (options.maxSeconds - options.minSeconds) * random();
  const samples = synthesize(name, Math.max(1, Math.round(seconds * options.sampleRate)), options.sampleRate, random);
  return { ...name, samples, sampleRate: options.sampleRate };
}

/** DataError when the options cannot make a corpus. */
export function checkSyntheticOptions(options: SyntheticOptions): void {
  if (options.count > MAX_SYNTHETIC_COUNT) {
    throw new DataError(`a synthetic corpus holds at most ${MAX_SYNTHETIC_COUNT} utterances, asked for ${options.count}`, {}, 'lower ingest.count');
  }
  if (options.maxSeconds < options.minSeconds) {
    throw new DataError(`maxSeconds (${options.maxSeconds}) is below minSeconds (${options.minSeconds})`, {}, 'set ingest.maxSeconds ≥ ingest.minSeconds');
  }
}

/** Write the corpus as 16-bit WAV files named like EMO-DB into `dir`; returns the file names. */
export function writeSyntheticCorpus(dir: string, options: SyntheticOptions): string[] {
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (const u of syntheticCorpus(options)) {
    const name = `${u.id}.wav`;
    writeFileSync(join(dir, name), encodeWav16(u.samples, u.sampleRate));
    names.push(name);
  }
  return names;
}

/** One utterance: syllables of a harmonic voice through two formant resonators, plus breath noise. */
function synthesize(name: EmodbName, length: number, sr: number, random: () => number): Float32Array {
  const p = PROSODY[name.emotion];
  const vary = (x: number, by = 0.1) => x * (1 + by * (2 * random() - 1));
  const base = (FEMALE.has(name.speaker) ? 210 : 115) * (1 + 0.05 * ((Number(name.speaker) % 5) - 2)) * vary(p.pitch, 0.05);
  const range = vary(p.range, 0.2);
  const rate = vary(p.rate);
  const r = Math.min(0.95, vary(p.brightness, 0.03));
  const sourceRms = Math.sqrt((r * r) / (1 - r * r) / 2);
  const out = new Float32Array(length);
  const contourHz = 0.5 + random();
  const contourPhase = 2 * Math.PI * random();
  const lead = Math.round(sr * (0.05 + 0.1 * random()));

  // Pitch and envelope change at a control rate (every BLOCK samples); the voice's phase advances per sample by
  // rotating a unit phasor, which is much cheaper than sin/cos per sample.
  let [cos, sin] = [1, 0];
  let jitter = 0;
  let t = lead;
  let vowel = Math.floor(random() * VOWELS.length);
  while (t < length) {
    const syllable = Math.max(2, Math.round((sr / rate) * (0.7 + 0.6 * random())));
    const accent = 1 - p.accent * random();
    const pitchAccent = range * 0.4 * (2 * random() - 1);
    const [f1, f2] = VOWELS[vowel++ % VOWELS.length].map((f) => Math.min(f, 0.4 * sr));
    const res1 = resonator(f1, 90, sr);
    const res2 = resonator(f2, 130, sr);
    const end = Math.min(length, t + syllable);
    for (let b = t; b < end; b += BLOCK) {
      const semitones = range * 0.6 * Math.sin(2 * Math.PI * contourHz * (b / sr) + contourPhase) + pitchAccent - (2 * b) / length;
      jitter = 0.7 * jitter + p.jitter * (2 * random() - 1);
      const f0 = base * 2 ** (semitones / 12) * (1 + jitter);
      const step = (2 * Math.PI * f0) / sr;
      const [dc, ds] = [Math.cos(step), Math.sin(step)];
      const norm = 1 / Math.hypot(cos, sin);
      [cos, sin] = [cos * norm, sin * norm];
      const blockEnd = Math.min(end, b + BLOCK);
      const env0 = accent * Math.sin((Math.PI * (b - t)) / syllable) ** 2;
      const env1 = accent * Math.sin((Math.PI * (blockEnd - t)) / syllable) ** 2;
      for (let n = b; n < blockEnd; n++) {
        [cos, sin] = [cos * dc - sin * ds, sin * dc + cos * ds];
        // Σ_k r^k sin(kθ) in closed form: a harmonic series whose roll-off r sets the brightness.
        const voice = (r * sin) / (1 - 2 * r * cos + r * r) / sourceRms;
        const env = env0 + ((env1 - env0) * (n - b)) / (blockEnd - b);
        out[n] = env * (res2(res1(voice)) + p.breath * 3 * (2 * random() - 1));
      }
    }
    t = end;
    // Short pauses between words.
    if (random() < 0.2) t += Math.round(sr * (0.05 + 0.2 * random()));
  }
  return finish(out, p.loudness, random);
}

/** Set the level from the emotion's loudness, add a faint noise floor, keep peaks inside [-1, 1]. */
function finish(out: Float32Array, loudnessDb: number, random: () => number): Float32Array {
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i] * out[i];
  const level = Math.sqrt(sum / out.length) || 1;
  const gain = (0.05 * 10 ** (loudnessDb / 20)) / level;
  let peak = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = out[i] * gain + 0.0005 * (2 * random() - 1);
    peak = Math.max(peak, Math.abs(out[i]));
  }
  if (peak > 0.99) for (let i = 0; i < out.length; i++) out[i] *= 0.99 / peak;
  return out;
}

/** Two-pole resonator at `freq` Hz with bandwidth `bw` Hz, unit gain at its peak (approximately). */
function resonator(freq: number, bw: number, sr: number): (x: number) => number {
  const radius = Math.exp((-Math.PI * bw) / sr);
  const a1 = -2 * radius * Math.cos((2 * Math.PI * freq) / sr);
  const a2 = radius * radius;
  const g = 1 - radius;
  let y1 = 0;
  let y2 = 0;
  return (x) => {
    const y = g * x - a1 * y1 - a2 * y2;
    y2 = y1;
    y1 = y;
    return y;
  };
}
