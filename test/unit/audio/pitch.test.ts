import { describe, expect, it } from 'vitest';
import { yinPitch } from '../../../src/audio/pitch.js';
import { mulberry32 } from '../../../src/dataset/random.js';

const SR = 16000;
const HOP = 160;

const tone = (hz: number, n = SR / 2) => Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * hz * i) / SR));

/** A harmonic tone: fundamental plus harmonics 2-5 at falling amplitudes, as a voiced vowel has. */
const harmonic = (hz: number, n = SR / 2) =>
  Float32Array.from({ length: n }, (_, i) => [1, 0.6, 0.5, 0.3, 0.2].reduce((s, a, k) => s + a * Math.sin((2 * Math.PI * hz * (k + 1) * i) / SR), 0));

const frames = (n: number) => 1 + Math.floor((n - 400) / HOP);

/** The frames whose analysis span (2 · τmax) lies inside the signal: the last ones read zero padding. */
const inner = (track: Float64Array, n: number) => Array.from(track).slice(0, frames(n) - 6);

describe('yinPitch', () => {
  it.each([100, 220, 440])('finds the frequency of a %i Hz sine in every frame, voiced near 1', (hz) => {
    const signal = tone(hz);
    const { f0, voicing } = yinPitch(signal, SR, { hop: HOP, frames: frames(signal.length) });
    for (const f of inner(f0, signal.length)) expect(Math.abs(f - hz) / hz).toBeLessThan(0.01);
    for (const v of inner(voicing, signal.length)) expect(v).toBeGreaterThan(0.9);
  });

  it('finds the fundamental of a harmonic tone, not a harmonic', () => {
    const signal = harmonic(150);
    const { f0 } = yinPitch(signal, SR, { hop: HOP, frames: frames(signal.length) });
    for (const f of inner(f0, signal.length)) expect(f).toBeCloseTo(150, 0);
  });

  it('interpolates between lags: a period of a non-integer number of samples', () => {
    // 16000 / 233 = 68.67 samples: the nearest lags give 232.9 or 235.3 Hz.
    const signal = tone(233);
    const { f0 } = yinPitch(signal, SR, { hop: HOP, frames: frames(signal.length) });
    for (const f of inner(f0, signal.length)) expect(Math.abs(f - 233)).toBeLessThan(0.5);
  });

  it('calls white noise unvoiced (NaN) with low voicing', () => {
    const random = mulberry32(7);
    const signal = Float32Array.from({ length: SR / 2 }, () => random() - 0.5);
    const { f0, voicing } = yinPitch(signal, SR, { hop: HOP, frames: frames(signal.length) });
    const voiced = inner(f0, signal.length).filter((f) => !Number.isNaN(f));
    expect(voiced.length).toBeLessThan(0.05 * inner(f0, signal.length).length);
    const mean = inner(voicing, signal.length).reduce((a, b) => a + b, 0) / inner(voicing, signal.length).length;
    expect(mean).toBeLessThan(0.5);
  });

  it('gives silence no F0 and voicing 0', () => {
    const signal = new Float32Array(SR / 4);
    const { f0, voicing } = yinPitch(signal, SR, { hop: HOP, frames: frames(signal.length) });
    expect(Array.from(f0).every(Number.isNaN)).toBe(true);
    expect(Array.from(voicing).every((v) => v === 0)).toBe(true);
  });

  it('ignores frequencies outside the search range', () => {
    // 40 Hz is below the default 60 Hz floor: no lag that long is searched, so no frame reports 40 Hz.
    const signal = tone(40, SR);
    const { f0 } = yinPitch(signal, SR, { hop: HOP, frames: frames(signal.length) });
    expect(inner(f0, signal.length).some((f) => Math.abs(f - 40) < 2)).toBe(false);
    expect(() => yinPitch(signal, SR, { hop: HOP, frames: 3, fMinHz: 500, fMaxHz: 100 })).toThrow(/range/);
  });
});
