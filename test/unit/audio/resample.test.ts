import { describe, expect, it } from 'vitest';
import { resample, resampledLength } from '../../../src/audio/resample.js';

function sine(freq: number, rate: number, n: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / rate));
}

/** RMS of the middle, away from the edges where the filter sees zeros outside the signal. */
function middleRms(x: Float32Array, margin: number): number {
  let sum = 0;
  for (let i = margin; i < x.length - margin; i++) sum += x[i] * x[i];
  return Math.sqrt(sum / (x.length - 2 * margin));
}

/** Frequency from the rising zero crossings (interpolated between samples). */
function zeroCrossingFrequency(x: Float32Array, rate: number, margin: number): number {
  const crossings: number[] = [];
  for (let i = margin; i < x.length - margin; i++) {
    if (x[i - 1] < 0 && x[i] >= 0) crossings.push(i - 1 + x[i - 1] / (x[i - 1] - x[i]));
  }
  const periods = crossings.length - 1;
  return (periods * rate) / (crossings[periods] - crossings[0]);
}

describe('resample', () => {
  it('gives round(n · to / from) samples', () => {
    expect(resample(new Float32Array(44100), 22050, 16000).length).toBe(32000);
    expect(resample(new Float32Array(1001), 22050, 16000).length).toBe(Math.round((1001 * 16000) / 22050));
    expect(resampledLength(1001, 22050, 16000)).toBe(726);
    expect(resample(new Float32Array(100), 8000, 16000).length).toBe(200);
  });

  it('keeps a 1 kHz sine at 1 kHz and its amplitude, 22050 → 16000 Hz', () => {
    const y = resample(sine(1000, 22050, 22050), 22050, 16000);
    expect(y.length).toBe(16000);
    expect(zeroCrossingFrequency(y, 16000, 200)).toBeCloseTo(1000, 1);
    expect(middleRms(y, 200)).toBeCloseTo(0.5 / Math.SQRT2, 3);
  });

  it('keeps phase: a resampled sine matches the sine sampled at the new rate', () => {
    const y = resample(sine(440, 22050, 22050), 22050, 16000);
    const expected = sine(440, 16000, 16000);
    let worst = 0;
    for (let i = 200; i < y.length - 200; i++) worst = Math.max(worst, Math.abs(y[i] - expected[i]));
    expect(worst).toBeLessThan(1e-3);
  });

  it('attenuates a 10 kHz tone (above the new Nyquist frequency) by more than 60 dB when going to 16000 Hz', () => {
    const y = resample(sine(10000, 22050, 22050), 22050, 16000);
    const db = 20 * Math.log10(middleRms(y, 200) / (0.5 / Math.SQRT2));
    expect(db).toBeLessThan(-60);
  });

  it('passes a 6 kHz tone (inside the new band) within 0.1 dB', () => {
    const y = resample(sine(6000, 22050, 22050), 22050, 16000);
    const db = 20 * Math.log10(middleRms(y, 200) / (0.5 / Math.SQRT2));
    expect(Math.abs(db)).toBeLessThan(0.1);
  });

  it('upsamples 8000 → 16000 Hz without changing a 1 kHz sine', () => {
    const y = resample(sine(1000, 8000, 8000), 8000, 16000);
    expect(zeroCrossingFrequency(y, 16000, 200)).toBeCloseTo(1000, 1);
    expect(middleRms(y, 200)).toBeCloseTo(0.5 / Math.SQRT2, 3);
  });

  it('keeps a constant signal constant (unit gain at DC)', () => {
    const y = resample(new Float32Array(5000).fill(0.3), 22050, 16000);
    for (let i = 100; i < y.length - 100; i++) expect(y[i]).toBeCloseTo(0.3, 5);
  });

  it('handles rates whose ratio has a large numerator (44100 → 44101)', () => {
    const y = resample(sine(1000, 44100, 44100), 44100, 44101);
    expect(y.length).toBe(44101);
    expect(zeroCrossingFrequency(y, 44101, 500)).toBeCloseTo(1000, 1);
    expect(middleRms(y, 500)).toBeCloseTo(0.5 / Math.SQRT2, 3);
  });

  it('returns a copy when the rates are equal', () => {
    const x = sine(100, 16000, 100);
    const y = resample(x, 16000, 16000);
    expect(y).not.toBe(x);
    expect(Array.from(y)).toEqual(Array.from(x));
  });
});
