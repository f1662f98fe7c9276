// Fundamental frequency (F0) and voicing per frame by YIN (de Cheveigné & Kawahara 2002): the difference function,
// its cumulative mean normalisation, an absolute threshold and parabolic interpolation. The difference function is
// computed from an FFT cross-correlation and running sums of squares, so a frame costs three FFTs, not τmax² steps.

import FFT from 'fft.js';

export interface PitchOptions {
  /** Samples between the starts of consecutive frames (the same hop as the spectral features). */
  hop: number;
  /** Frames to produce (the spectral features' frame count, so that the two line up). */
  frames: number;
  /** Search range, Hz. */
  fMinHz?: number;
  fMaxHz?: number;
  /** A lag is periodic when its normalised difference falls below this (YIN's absolute threshold). */
  threshold?: number;
}

export interface PitchTrack {
  /** F0 per frame in Hz; NaN where the frame is unvoiced (no lag under the threshold, or silence). */
  f0: Float64Array;
  /**
   * 1 − the normalised difference at the chosen lag (the first dip under the threshold, else the deepest one in the
   * search range), clamped to [0, 1]; 0 for silence.
   */
  voicing: Float64Array;
}

export const PITCH_DEFAULTS = { fMinHz: 60, fMaxHz: 500, threshold: 0.15 } as const;

/** Mean square under which a frame is silence: below −100 dB full scale nothing periodic is worth reporting. */
const SILENCE_POWER = 1e-10;

/**
 * YIN over frames starting at `frame · hop`. Each frame compares W samples with those up to τmax later, so it
 * reads W + τmax samples (zero beyond the signal's end); see integrationWindow for W.
 */
export function yinPitch(signal: Float32Array, sampleRate: number, o: PitchOptions): PitchTrack {
  const fMinHz = o.fMinHz ?? PITCH_DEFAULTS.fMinHz;
  const fMaxHz = o.fMaxHz ?? PITCH_DEFAULTS.fMaxHz;
  const threshold = o.threshold ?? PITCH_DEFAULTS.threshold;
  if (!(fMinHz > 0 && fMinHz < fMaxHz && fMaxHz < sampleRate / 2)) {
    throw new RangeError(`pitch search range needs 0 < fMin < fMax < ${sampleRate / 2} Hz (got ${fMinHz}–${fMaxHz})`);
  }
  const tauMax = Math.ceil(sampleRate / fMinHz);
  const tauMin = Math.max(2, Math.floor(sampleRate / fMaxHz));
  const width = integrationWindow(tauMax);
  const span = width + tauMax;
  const correlate = crossCorrelator(width, span);
  const frame = new Float64Array(span);
  const squares = new Float64Array(span + 1);
  const cmnd = new Float64Array(tauMax + 1);
  const f0 = new Float64Array(o.frames);
  const voicing = new Float64Array(o.frames);
  for (let t = 0; t < o.frames; t++) {
    const start = t * o.hop;
    const available = Math.max(0, Math.min(span, signal.length - start));
    frame.set(signal.subarray(start, start + available));
    frame.fill(0, available);
    // squares[i] = Σ_{j<i} x_j², so any window's energy is a difference of two entries.
    for (let i = 0; i < span; i++) squares[i + 1] = squares[i] + frame[i] * frame[i];
    if (squares[width] / width < SILENCE_POWER) {
      f0[t] = NaN;
      voicing[t] = 0;
      continue;
    }
    const r = correlate(frame);
    normalisedDifference(r, squares, width, tauMax, cmnd);
    const tau = chooseLag(cmnd, tauMin, tauMax, threshold);
    voicing[t] = Math.min(1, Math.max(0, 1 - cmnd[tau]));
    f0[t] = cmnd[tau] < threshold ? sampleRate / parabolicMinimum(cmnd, tau) : NaN;
  }
  return { f0, voicing };
}

/**
 * W: what is left for the window of the smallest power-of-two FFT that holds at least 1.75 · τmax samples, so at
 * least three quarters of the longest period (YIN wants about one) and the FFT no larger than that needs: at
 * 16 kHz τmax = 267 and W = 512 − 267 = 245, where W = τmax would take a 1024-point FFT and twice the time.
 */
export function integrationWindow(tauMax: number): number {
  let size = 2;
  while (size < 1.75 * tauMax) size *= 2;
  return size - tauMax;
}

/**
 * d(τ) = Σ_{j<W} (x_j − x_{j+τ})² = E[0, W) + E[τ, τ+W) − 2 r(τ), then YIN's d'(τ) = d(τ) · τ / Σ_{k=1..τ} d(k),
 * d'(0) = 1, written into `out`.
 */
function normalisedDifference(r: Float64Array, squares: Float64Array, width: number, tauMax: number, out: Float64Array): void {
  out[0] = 1;
  let running = 0;
  for (let tau = 1; tau <= tauMax; tau++) {
    // Rounding can take a near-zero difference below zero; a squared distance is never negative.
    const d = Math.max(0, squares[width] + squares[tau + width] - squares[tau] - 2 * r[tau]);
    running += d;
    out[tau] = running > 0 ? (d * tau) / running : 1;
  }
}

/** The first lag under the threshold, followed down to its local minimum; without one, the global minimum. */
function chooseLag(cmnd: Float64Array, tauMin: number, tauMax: number, threshold: number): number {
  for (let tau = tauMin; tau <= tauMax; tau++) {
    if (cmnd[tau] >= threshold) continue;
    while (tau + 1 <= tauMax && cmnd[tau + 1] < cmnd[tau]) tau++;
    return tau;
  }
  let best = tauMin;
  for (let tau = tauMin + 1; tau <= tauMax; tau++) if (cmnd[tau] < cmnd[best]) best = tau;
  return best;
}

/** The lag of the parabola's vertex through (τ−1, τ, τ+1): a period between samples. */
function parabolicMinimum(values: Float64Array, tau: number): number {
  if (tau <= 0 || tau >= values.length - 1) return tau;
  const [a, b, c] = [values[tau - 1], values[tau], values[tau + 1]];
  const curvature = a - 2 * b + c;
  if (curvature <= 0) return tau;
  return tau + (a - c) / (2 * curvature);
}

/**
 * r(τ) = Σ_{j<W} x_j x_{j+τ} for τ in [0, span − W] as r = IFFT(conj(FFT(x[0, W))) · FFT(x[0, span))). An FFT of
 * M ≥ span points suffices: the circular correlation only wraps where j + τ ≥ M, and j + τ < span here. Buffers
 * are reused across frames.
 */
function crossCorrelator(width: number, span: number): (frame: Float64Array) => Float64Array {
  let size = 2;
  while (size < span) size *= 2;
  const fft = new FFT(size);
  const head = new Float64Array(size);
  const whole = new Float64Array(size);
  const headSpectrum = new Float64Array(2 * size);
  const wholeSpectrum = new Float64Array(2 * size);
  const product = new Float64Array(2 * size);
  const back = new Float64Array(2 * size);
  const r = new Float64Array(span - width + 1);
  return (frame) => {
    for (let i = 0; i < size; i++) {
      head[i] = i < width ? frame[i] : 0;
      whole[i] = i < span ? frame[i] : 0;
    }
    fft.realTransform(headSpectrum, head);
    fft.realTransform(wholeSpectrum, whole);
    // conj(A) · B over the bins realTransform fills (0..M/2); the rest mirror them, since r is real.
    for (let k = 0; k <= size / 2; k++) {
      const ar = headSpectrum[2 * k];
      const ai = headSpectrum[2 * k + 1];
      const br = wholeSpectrum[2 * k];
      const bi = wholeSpectrum[2 * k + 1];
      product[2 * k] = ar * br + ai * bi;
      product[2 * k + 1] = ar * bi - ai * br;
    }
    for (let k = size / 2 + 1; k < size; k++) {
      product[2 * k] = product[2 * (size - k)];
      product[2 * k + 1] = -product[2 * (size - k) + 1];
    }
    fft.inverseTransform(back, product);
    for (let tau = 0; tau < r.length; tau++) r[tau] = back[2 * tau];
    return r;
  };
}
