import { describe, expect, it } from 'vitest';
import { normalizePeak, normalizeRms, peak, rms } from '../../../src/audio/level.js';

const sine = (amplitude: number, n = 16000) => Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * 100 * i) / 16000));

describe('level', () => {
  it('measures a sine of amplitude A at RMS A/√2', () => {
    expect(rms(sine(0.8))).toBeCloseTo(0.8 / Math.SQRT2, 6);
  });

  it('normalises a sine to the target RMS, so its amplitude becomes target·√2', () => {
    const { samples, silent, gain } = normalizeRms(sine(0.8), 0.1);
    expect(silent).toBe(false);
    expect(rms(samples)).toBeCloseTo(0.1, 6);
    expect(peak(samples)).toBeCloseTo(0.1 * Math.SQRT2, 4);
    expect(gain).toBeCloseTo(0.1 / (0.8 / Math.SQRT2), 6);
  });

  it('normalises to a target peak', () => {
    const x = Float32Array.from([0.1, -0.4, 0.2]);
    expect(Array.from(normalizePeak(x, 0.8).samples)).toEqual([0.2, -0.8, 0.4].map(Math.fround));
  });

  it('does not clip: RMS normalisation may push peaks above 1', () => {
    const x = new Float32Array(1000);
    x[0] = 1;
    expect(normalizeRms(x, 0.1).samples[0]).toBeCloseTo(0.1 * Math.sqrt(1000), 3);
  });

  it('leaves silent input as zeros (no division by zero) and says it was silent', () => {
    const r = normalizeRms(new Float32Array(100), 0.1);
    expect(r.silent).toBe(true);
    expect(r.gain).toBe(1);
    expect(Array.from(r.samples).every((v) => v === 0)).toBe(true);
    expect(normalizePeak(new Float32Array(10), 1).silent).toBe(true);
    expect(normalizeRms(new Float32Array(0), 0.1).silent).toBe(true);
  });

  it('does not modify its input', () => {
    const x = sine(0.5, 100);
    const copy = x.slice();
    normalizeRms(x, 0.1);
    expect(Array.from(x)).toEqual(Array.from(copy));
  });
});
