// One chunk of waveform → a feature matrix [frames, dims]: log-mel bands or MFCCs, optionally with deltas, or
// their statistics over time. Pure, so the features stage and its tests share one definition.

import { deltas, logMelSpectrogram, mfccFromLogMel } from './spectra.js';

export type FeatureKind = 'raw' | 'logmel' | 'mfcc' | 'stats';

export interface FeatureOptions {
  kind: FeatureKind;
  /** Analysis window and hop, milliseconds. */
  windowMs: number;
  hopMs: number;
  fftSize: number;
  bands: number;
  fMin: number;
  /** Default: half the sample rate. */
  fMax?: number;
  /** MFCCs kept (mfcc only). */
  coefficients: number;
  /** 0: none; 1: Δ; 2: Δ and ΔΔ, appended to each frame. */
  deltas: 0 | 1 | 2;
  /** What `stats` summarises: the log-mel bands or the MFCCs (with their deltas). */
  statsOf: 'logmel' | 'mfcc';
}

export interface FeatureMatrix {
  frames: number;
  dims: number;
  /** Row-major [frames, dims]. */
  data: Float32Array;
}

/** The statistics `stats` keeps of every frame-level dimension, in this order. */
export const STATISTICS = ['mean', 'std', 'min', 'max'] as const;

export function utteranceFeatures(samples: Float32Array, sampleRate: number, o: FeatureOptions): FeatureMatrix {
  if (o.kind === 'raw') return { frames: samples.length, dims: 1, data: Float32Array.from(samples) };
  const frameLevel = frameFeatures(samples, sampleRate, o.kind === 'stats' ? { ...o, kind: o.statsOf } : o);
  return o.kind === 'stats' ? statistics(frameLevel) : frameLevel;
}

function frameFeatures(samples: Float32Array, sampleRate: number, o: FeatureOptions): FeatureMatrix {
  const windowLength = Math.round((o.windowMs / 1000) * sampleRate);
  const hop = Math.round((o.hopMs / 1000) * sampleRate);
  const logMel = logMelSpectrogram(samples, sampleRate, { windowLength, hop, fftSize: o.fftSize, bands: o.bands, fMin: o.fMin, fMax: o.fMax });
  const base = o.kind === 'mfcc' ? mfccFromLogMel(logMel, o.coefficients) : { frames: logMel.frames, dims: logMel.bands, data: logMel.data };
  return withDeltas(base, o.deltas);
}

/** Appends Δ (and ΔΔ, the delta of Δ) to each frame: [frames, dims · (1 + order)]. */
export function withDeltas(base: FeatureMatrix, order: 0 | 1 | 2): FeatureMatrix {
  if (order === 0) return base;
  const parts = [base.data];
  for (let k = 0; k < order; k++) parts.push(deltas(parts[k], base.frames, base.dims));
  const dims = base.dims * parts.length;
  const data = new Float32Array(base.frames * dims);
  for (let t = 0; t < base.frames; t++) {
    parts.forEach((p, k) => data.set(p.subarray(t * base.dims, (t + 1) * base.dims), t * dims + k * base.dims));
  }
  return { frames: base.frames, dims, data };
}

/** Mean, standard deviation, minimum and maximum over time of every dimension: one row of 4 · dims. */
export function statistics(m: FeatureMatrix): FeatureMatrix {
  const out = new Float32Array(STATISTICS.length * m.dims);
  for (let d = 0; d < m.dims; d++) {
    let sum = 0;
    let sumSq = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let t = 0; t < m.frames; t++) {
      const v = m.data[t * m.dims + d];
      sum += v;
      sumSq += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / m.frames;
    out[d] = mean;
    out[m.dims + d] = Math.sqrt(Math.max(0, sumSq / m.frames - mean * mean));
    out[2 * m.dims + d] = min;
    out[3 * m.dims + d] = max;
  }
  return { frames: 1, dims: out.length, data: out };
}
