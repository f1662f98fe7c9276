import { describe, expect, it } from 'vitest';
import { integrationWindow, yinPitch } from '../../../src/audio/pitch.js';
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

/** YIN written out directly (the difference function as its sum, O(W · τmax) a frame): what the FFT path must equal. */
function directYin(signal: Float32Array, start: number, sampleRate: number): { f0: number; voicing: number } {
  const tauMax = Math.ceil(sampleRate / 60);
  const tauMin = Math.floor(sampleRate / 500);
  // At 16 kHz: τmax 267, and the 512-point FFT leaves 245 samples to integrate over.
  const width = 245;
  const x = (i: number) => (start + i < signal.length ? signal[start + i] : 0);
  const d = [0];
  for (let tau = 1; tau <= tauMax; tau++) {
    let sum = 0;
    for (let j = 0; j < width; j++) sum += (x(j) - x(j + tau)) ** 2;
    d.push(sum);
  }
  let running = 0;
  const cmnd = d.map((v, tau) => (tau === 0 ? 1 : ((running += v), (v * tau) / running)));
  let tau = tauMin;
  while (tau <= tauMax && cmnd[tau] >= 0.15) tau++;
  if (tau > tauMax) tau = cmnd.indexOf(Math.min(...cmnd.slice(tauMin)), tauMin);
  else while (tau < tauMax && cmnd[tau + 1] < cmnd[tau]) tau++;
  const [a, b, c] = [cmnd[tau - 1], cmnd[tau], cmnd[tau + 1]];
  const shift = a - 2 * b + c > 0 ? (a - c) / (2 * (a - 2 * b + c)) : 0;
  return { f0: cmnd[tau] < 0.15 ? sampleRate / (tau + shift) : NaN, voicing: Math.min(1, Math.max(0, 1 - cmnd[tau])) };
}

describe('integrationWindow', () => {
  it('fills the smallest power-of-two FFT holding 1.75 · τmax samples', () => {
    expect(integrationWindow(267)).toBe(512 - 267);
    expect(integrationWindow(368)).toBe(1024 - 368);
    expect(integrationWindow(134)).toBe(256 - 134);
  });
});

describe('yinPitch', () => {
  it('equals YIN computed directly, frame by frame (a gliding harmonic tone in noise)', () => {
    const random = mulberry32(5);
    const signal = Float32Array.from({ length: 4000 }, (_, i) => Math.sin(2 * Math.PI * (120 * i + 0.01 * i * i) / SR) + 0.5 * Math.sin(2 * Math.PI * (240 * i + 0.02 * i * i) / SR) + 0.3 * (random() - 0.5));
    const { f0, voicing } = yinPitch(signal, SR, { hop: HOP, frames: 20 });
    expect(Array.from(f0).filter((f) => f > 100 && f < 250).length).toBeGreaterThan(15);
    for (let t = 0; t < 20; t++) {
      const direct = directYin(signal, t * HOP, SR);
      if (Number.isNaN(direct.f0)) expect(f0[t]).toBeNaN();
      else expect(f0[t]).toBeCloseTo(direct.f0, 6);
      expect(voicing[t]).toBeCloseTo(direct.voicing, 6);
    }
  });

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
