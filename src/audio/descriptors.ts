// Frame-level prosodic and spectral descriptors of a waveform, on the same frames as the log-mel spectrogram:
// F0 and voicing (YIN, pitch.ts), log energy, zero-crossing rate and the spectral centroid, spread, roll-off, flux
// and flatness of each Hann-windowed frame. Unvoiced frames have F0 NaN: statistics skip them.

import { yinPitch } from './pitch.js';
import { forEachFramePower, frameCount, type FrameOptions } from './spectra.js';

/** The descriptors of one frame, in this order (the dims of `frameDescriptors`). */
export const DESCRIPTORS = ['f0', 'voicing', 'energyDb', 'zcr', 'centroid', 'spread', 'rolloff', 'flux', 'flatness'] as const;
export type Descriptor = (typeof DESCRIPTORS)[number];

/** Fraction of the spectral magnitude below the roll-off frequency. */
export const ROLLOFF_FRACTION = 0.85;
/** Floor under a frame's mean square (energy −100 dB) and under each power bin (flatness of silence is 1). */
const POWER_FLOOR = 1e-10;

/**
 * Row-major [frames, 9] in DESCRIPTORS order: F0 (Hz, NaN when unvoiced), voicing in [0, 1], energy
 * 10·log10(mean square) dB, zero-crossing rate (crossings per sample pair), centroid, spread and roll-off (Hz),
 * flux (distance between consecutive magnitude spectra, each scaled to sum 1; 0 for the first frame) and flatness
 * (geometric over arithmetic mean of the power spectrum).
 */
export function frameDescriptors(signal: Float32Array, sampleRate: number, o: FrameOptions): { frames: number; dims: number; data: Float32Array } {
  const frames = frameCount(signal.length, o.windowLength, o.hop);
  const dims = DESCRIPTORS.length;
  const data = new Float32Array(frames * dims);
  const pitch = yinPitch(signal, sampleRate, { hop: o.hop, frames });
  const binHz = sampleRate / o.fftSize;
  const magnitude = new Float64Array(o.fftSize / 2 + 1);
  const previous = new Float64Array(magnitude.length);
  forEachFramePower(signal, o, (t, power) => {
    const row = t * dims;
    const start = t * o.hop;
    const samples = signal.subarray(start, Math.min(signal.length, start + o.windowLength));
    let total = 0;
    for (let k = 0; k < power.length; k++) {
      magnitude[k] = Math.sqrt(power[k]);
      total += magnitude[k];
    }
    const shape = spectralShape(magnitude, total, binHz);
    data[row] = pitch.f0[t];
    data[row + 1] = pitch.voicing[t];
    data[row + 2] = energyDb(samples);
    data[row + 3] = zeroCrossingRate(samples);
    data[row + 4] = shape.centroid;
    data[row + 5] = shape.spread;
    data[row + 6] = rolloff(magnitude, total, binHz);
    data[row + 7] = t === 0 ? 0 : flux(magnitude, total, previous);
    data[row + 8] = flatness(power);
    for (let k = 0; k < magnitude.length; k++) previous[k] = total > 0 ? magnitude[k] / total : 0;
  });
  return { frames, dims, data };
}

/** 10 · log10(mean square), floored at −100 dB so silence stays finite. */
export function energyDb(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return 10 * Math.log10(Math.max(POWER_FLOOR, samples.length === 0 ? 0 : sum / samples.length));
}

/** Sign changes between consecutive samples over the pairs: a sine of f Hz gives about 2f / sampleRate. */
export function zeroCrossingRate(samples: Float32Array): number {
  if (samples.length < 2) return 0;
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1] >= 0 !== samples[i] >= 0) crossings++;
  return crossings / (samples.length - 1);
}

/** Magnitude-weighted mean frequency and the standard deviation around it; 0 and 0 for a silent frame. */
function spectralShape(magnitude: Float64Array, total: number, binHz: number): { centroid: number; spread: number } {
  if (total <= 0) return { centroid: 0, spread: 0 };
  let centroid = 0;
  for (let k = 0; k < magnitude.length; k++) centroid += k * binHz * magnitude[k];
  centroid /= total;
  let variance = 0;
  for (let k = 0; k < magnitude.length; k++) variance += (k * binHz - centroid) ** 2 * magnitude[k];
  return { centroid, spread: Math.sqrt(variance / total) };
}

/** The lowest frequency below which ROLLOFF_FRACTION of the magnitude lies; 0 for a silent frame. */
function rolloff(magnitude: Float64Array, total: number, binHz: number): number {
  if (total <= 0) return 0;
  let cumulative = 0;
  for (let k = 0; k < magnitude.length; k++) {
    cumulative += magnitude[k];
    if (cumulative >= ROLLOFF_FRACTION * total) return k * binHz;
  }
  return (magnitude.length - 1) * binHz;
}

/** Euclidean distance between this frame's and the previous frame's magnitude spectra, each scaled to sum 1. */
function flux(magnitude: Float64Array, total: number, previous: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < magnitude.length; k++) sum += ((total > 0 ? magnitude[k] / total : 0) - previous[k]) ** 2;
  return Math.sqrt(sum);
}

/** Geometric mean over arithmetic mean of the power bins (floored): near 0 for a tone, high for white noise. */
function flatness(power: Float64Array): number {
  let logSum = 0;
  let sum = 0;
  for (const p of power) {
    const v = Math.max(POWER_FLOOR, p);
    logSum += Math.log(v);
    sum += v;
  }
  return Math.exp(logSum / power.length) / (sum / power.length);
}
