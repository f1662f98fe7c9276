// One chunk of waveform → a feature matrix [frames, dims]: log-mel bands, MFCCs or prosodic and spectral
// descriptors, optionally with deltas, or their statistics over time. Pure, so the features stage and its tests
// share one definition.

import { frameDescriptors } from './descriptors.js';
import { DEFAULT_STATISTICS, frameStatistics, type StatisticName } from './frame-statistics.js';
import { deltas, logMelSpectrogram, mfccFromLogMel, type FrameOptions } from './spectra.js';

export type FeatureKind = 'raw' | 'logmel' | 'mfcc' | 'descriptors' | 'stats';
export type FrameKind = 'logmel' | 'mfcc' | 'descriptors';

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
  /** What `stats` summarises: the log-mel bands, the MFCCs or the descriptors (with their deltas). */
  statsOf: FrameKind;
  /** Append the descriptors' frames (with their deltas) to the log-mel or MFCC frames, before any statistics. */
  descriptors?: boolean;
  /** What `stats` keeps of every dimension, in this order; absent: mean, std, min, max. */
  statistics?: StatisticName[];
}

export interface FeatureMatrix {
  frames: number;
  dims: number;
  /** Row-major [frames, dims]. */
  data: Float32Array;
}

export function utteranceFeatures(samples: Float32Array, sampleRate: number, o: FeatureOptions): FeatureMatrix {
  if (o.kind === 'raw') return { frames: samples.length, dims: 1, data: Float32Array.from(samples) };
  const frameLevel = frameFeatures(samples, sampleRate, o.kind === 'stats' ? o.statsOf : o.kind, o);
  if (o.kind === 'stats') return frameStatistics(frameLevel, o.statistics ?? DEFAULT_STATISTICS, hopSamples(o, sampleRate) / sampleRate);
  // A model cannot read NaN: frame by frame, an unvoiced frame's F0 (and the deltas it touches) is 0.
  return { ...frameLevel, data: frameLevel.data.map((v) => (Number.isNaN(v) ? 0 : v)) };
}

function frameFeatures(samples: Float32Array, sampleRate: number, kind: FrameKind, o: FeatureOptions): FeatureMatrix {
  const frames: FrameOptions = { windowLength: Math.round((o.windowMs / 1000) * sampleRate), hop: hopSamples(o, sampleRate), fftSize: o.fftSize };
  const describe = () => withDeltas(frameDescriptors(samples, sampleRate, frames), o.deltas);
  if (kind === 'descriptors') return describe();
  const logMel = logMelSpectrogram(samples, sampleRate, { ...frames, bands: o.bands, fMin: o.fMin, fMax: o.fMax });
  const base = kind === 'mfcc' ? mfccFromLogMel(logMel, o.coefficients) : { frames: logMel.frames, dims: logMel.bands, data: logMel.data };
  const spectral = withDeltas(base, o.deltas);
  return o.descriptors === true ? besideEachOther(spectral, describe()) : spectral;
}

function hopSamples(o: FeatureOptions, sampleRate: number): number {
  return Math.round((o.hopMs / 1000) * sampleRate);
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

/** Two matrices of the same frames side by side: [frames, a.dims + b.dims]. */
function besideEachOther(a: FeatureMatrix, b: FeatureMatrix): FeatureMatrix {
  const dims = a.dims + b.dims;
  const data = new Float32Array(a.frames * dims);
  for (let t = 0; t < a.frames; t++) {
    data.set(a.data.subarray(t * a.dims, (t + 1) * a.dims), t * dims);
    data.set(b.data.subarray(t * b.dims, (t + 1) * b.dims), t * dims + a.dims);
  }
  return { frames: a.frames, dims, data };
}
