import { describe, expect, it } from 'vitest';
import { DESCRIPTORS, energyDb, frameDescriptors, zeroCrossingRate } from '../../../src/audio/descriptors.js';
import { mulberry32 } from '../../../src/dataset/random.js';

const SR = 16000;
const FRAMES = { windowLength: 400, hop: 160, fftSize: 512 };

const tone = (hz: number, amplitude = 1, n = SR / 2) => Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / SR));
const noise = (n = SR / 2) => {
  const random = mulberry32(11);
  return Float32Array.from({ length: n }, () => random() - 0.5);
};

/** Descriptor `name` of every frame. */
function column(m: ReturnType<typeof frameDescriptors>, name: (typeof DESCRIPTORS)[number]): number[] {
  const d = DESCRIPTORS.indexOf(name);
  return Array.from({ length: m.frames }, (_, t) => m.data[t * m.dims + d]);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('frameDescriptors', () => {
  it('lays out the frames of the log-mel spectrogram, nine descriptors each', () => {
    const m = frameDescriptors(tone(440), SR, FRAMES);
    expect(m.frames).toBe(1 + Math.floor((SR / 2 - 400) / 160));
    expect(m.dims).toBe(9);
    expect(m.data).toHaveLength(m.frames * 9);
  });

  it('puts a sine\'s centroid and roll-off at its frequency, with a narrow spread and flatness near 0', () => {
    const m = frameDescriptors(tone(1000), SR, FRAMES);
    expect(median(column(m, 'centroid'))).toBeGreaterThan(1000 - 40);
    expect(median(column(m, 'centroid'))).toBeLessThan(1000 + 40);
    expect(median(column(m, 'spread'))).toBeLessThan(100);
    expect(Math.abs(median(column(m, 'rolloff')) - 1000)).toBeLessThanOrEqual(SR / 512);
    expect(Math.max(...column(m, 'flatness'))).toBeLessThan(0.01);
  });

  it('gives a sine in the pitch range its F0 and high voicing, and a steady spectrum little flux', () => {
    const m = frameDescriptors(tone(200), SR, FRAMES);
    expect(median(column(m, 'f0'))).toBeCloseTo(200, 0);
    expect(median(column(m, 'voicing'))).toBeGreaterThan(0.9);
    expect(column(m, 'flux')[0]).toBe(0);
    expect(median(column(m, 'flux'))).toBeLessThan(0.01);
  });

  it('measures a sine\'s zero-crossing rate as 2f / sampleRate and its energy in dB', () => {
    const m = frameDescriptors(tone(500, 0.5), SR, FRAMES);
    expect(median(column(m, 'zcr'))).toBeCloseTo((2 * 500) / SR, 2);
    // Mean square of a sine of amplitude a is a²/2: 0.125 → −9.03 dB.
    expect(median(column(m, 'energyDb'))).toBeCloseTo(10 * Math.log10(0.125), 1);
  });

  it('finds white noise flat, bright, crossing often and unvoiced', () => {
    const m = frameDescriptors(noise(), SR, FRAMES);
    expect(median(column(m, 'flatness'))).toBeGreaterThan(0.4);
    expect(median(column(m, 'centroid'))).toBeGreaterThan(3000);
    expect(median(column(m, 'zcr'))).toBeGreaterThan(0.3);
    expect(median(column(m, 'flux'))).toBeGreaterThan(0.01);
    expect(column(m, 'f0').filter(Number.isNaN).length).toBeGreaterThan(0.9 * m.frames);
  });

  it('gives silence finite values everywhere but F0', () => {
    const m = frameDescriptors(new Float32Array(SR / 4), SR, FRAMES);
    for (const name of DESCRIPTORS) {
      const values = column(m, name);
      if (name === 'f0') expect(values.every(Number.isNaN)).toBe(true);
      else expect(values.every(Number.isFinite), name).toBe(true);
    }
    expect(column(m, 'energyDb')[0]).toBe(-100);
    expect(column(m, 'centroid')[0]).toBe(0);
  });
});

describe('energyDb and zeroCrossingRate', () => {
  it('computes them on known samples', () => {
    expect(energyDb(Float32Array.from([1, -1, 1, -1]))).toBeCloseTo(0, 10);
    expect(energyDb(new Float32Array(4))).toBe(-100);
    expect(zeroCrossingRate(Float32Array.from([1, -1, 1, -1, 1]))).toBe(1);
    expect(zeroCrossingRate(Float32Array.from([1, 2, 3, -1, -2]))).toBe(0.25);
  });
});
