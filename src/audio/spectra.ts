// Short-time spectra of a waveform: Hann-windowed power spectrogram, HTK log-mel spectrogram, MFCCs and their
// regression deltas, as the `features` stage computes them. Definitions follow numpy/scipy so values can be checked.

import FFT from 'fft.js';

export interface FrameOptions {
  /** Samples per frame. */
  windowLength: number;
  /** Samples between the starts of consecutive frames. */
  hop: number;
  /** FFT length, a power of two >= windowLength; frames are zero-padded to it. */
  fftSize: number;
}

/** Floor added to mel energies before the log, so silent frames give log(1e-6) rather than -Infinity. */
const LOG_FLOOR = 1e-6;

/** Frames of a signal of n samples: n <= windowLength → 1 (zero-padded), else 1 + floor((n - windowLength) / hop). No centring. */
export function frameCount(n: number, windowLength: number, hop: number): number {
  if (n <= windowLength) return 1;
  return 1 + Math.floor((n - windowLength) / hop);
}

/** Periodic Hann window of `length`, as scipy.signal.get_window('hann', length) (= numpy 0.5 - 0.5*cos(2*pi*n/length)). */
export function hannWindow(length: number): Float32Array {
  const window = new Float32Array(length);
  for (let i = 0; i < length; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length);
  return window;
}

/** |FFT|^2 of each Hann-windowed frame (frame zero-padded to fftSize), row-major [frames, fftSize/2 + 1]. */
export function powerSpectrogram(signal: Float32Array, o: FrameOptions): { frames: number; bins: number; data: Float32Array } {
  checkFrameOptions(o);
  const bins = o.fftSize / 2 + 1;
  const frames = frameCount(signal.length, o.windowLength, o.hop);
  const data = new Float32Array(frames * bins);
  forEachFramePower(signal, o, (frame, power) => data.set(power, frame * bins));
  return { frames, bins, data };
}

/** HTK mel scale: 2595 * log10(1 + f / 700), and its inverse. */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** Triangular filters with peak 1, centres equally spaced on the HTK mel scale between fMin and fMax (bands + 2 edge points), over the rFFT bin frequencies k * sampleRate / fftSize; row-major [bands, fftSize/2 + 1]. */
export function melFilterbank(sampleRate: number, fftSize: number, bands: number, fMin = 0, fMax = sampleRate / 2): Float32Array {
  checkMelOptions(sampleRate, fftSize, bands, fMin, fMax);
  const bins = fftSize / 2 + 1;
  const melMin = hzToMel(fMin);
  const melStep = (hzToMel(fMax) - melMin) / (bands + 1);
  const edges = Array.from({ length: bands + 2 }, (_, i) => melToHz(melMin + i * melStep));
  const bank = new Float32Array(bands * bins);
  for (let b = 0; b < bands; b++) {
    const [left, centre, right] = [edges[b], edges[b + 1], edges[b + 2]];
    for (let k = 0; k < bins; k++) {
      const hz = (k * sampleRate) / fftSize;
      const rising = (hz - left) / (centre - left);
      const falling = (right - hz) / (right - centre);
      bank[b * bins + k] = Math.max(0, Math.min(rising, falling));
    }
  }
  return bank;
}

/** log(mel energies + 1e-6) per frame (natural log), row-major [frames, bands]. */
export function logMelSpectrogram(
  signal: Float32Array,
  sampleRate: number,
  o: FrameOptions & { bands: number; fMin?: number; fMax?: number },
): { frames: number; bands: number; data: Float32Array } {
  checkFrameOptions(o);
  const { bands } = o;
  const bins = o.fftSize / 2 + 1;
  const bank = melFilterbank(sampleRate, o.fftSize, bands, o.fMin, o.fMax);
  const ranges = nonZeroRanges(bank, bands, bins);
  const frames = frameCount(signal.length, o.windowLength, o.hop);
  const data = new Float32Array(frames * bands);
  forEachFramePower(signal, o, (frame, power) => {
    for (let b = 0; b < bands; b++) {
      let energy = 0;
      for (let k = ranges[2 * b]; k < ranges[2 * b + 1]; k++) energy += bank[b * bins + k] * power[k];
      data[frame * bands + b] = Math.log(energy + LOG_FLOOR);
    }
  });
  return { frames, bands, data };
}

/** DCT-II with orthonormal scaling (scipy.fft.dct(x, type=2, norm='ortho')) of each frame's log-mel row, keeping the first `coefficients`; row-major [frames, coefficients]. */
export function mfccFromLogMel(
  logMel: { frames: number; bands: number; data: Float32Array },
  coefficients: number,
): { frames: number; dims: number; data: Float32Array } {
  const { frames, bands } = logMel;
  if (!Number.isInteger(coefficients) || coefficients < 1 || coefficients > bands) {
    throw new RangeError(`mfccFromLogMel: coefficients must be an integer in [1, bands = ${bands}] (got ${coefficients})`);
  }
  checkMatrix('mfccFromLogMel', logMel.data, frames, bands);
  const basis = dctBasis(bands, coefficients);
  const data = new Float32Array(frames * coefficients);
  for (let t = 0; t < frames; t++) {
    for (let c = 0; c < coefficients; c++) {
      let sum = 0;
      for (let b = 0; b < bands; b++) sum += basis[c * bands + b] * logMel.data[t * bands + b];
      data[t * coefficients + c] = sum;
    }
  }
  return { frames, dims: coefficients, data };
}

/** Regression deltas over time, as HTK / librosa with mode 'nearest' edges: d_t = sum_{k=1..width} k (c_{t+k} - c_{t-k}) / (2 sum k^2), frames at the edges repeated. Input/outputs row-major [frames, dims]. */
export function deltas(data: Float32Array, frames: number, dims: number, width = 2): Float32Array {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`deltas: width must be an integer >= 1 (got ${width})`);
  checkMatrix('deltas', data, frames, dims);
  let denominator = 0;
  for (let k = 1; k <= width; k++) denominator += 2 * k * k;
  const out = new Float32Array(frames * dims);
  for (let t = 0; t < frames; t++) {
    for (let d = 0; d < dims; d++) {
      let sum = 0;
      for (let k = 1; k <= width; k++) {
        const after = Math.min(t + k, frames - 1);
        const before = Math.max(t - k, 0);
        sum += k * (data[after * dims + d] - data[before * dims + d]);
      }
      out[t * dims + d] = sum / denominator;
    }
  }
  return out;
}

/**
 * Windows each frame, transforms it and calls `visit` with its power spectrum (fftSize/2 + 1 values). One FFT
 * and one set of buffers serve all frames; `power` is overwritten for the next frame, so `visit` must copy it.
 */
export function forEachFramePower(signal: Float32Array, o: FrameOptions, visit: (frame: number, power: Float64Array) => void): void {
  const { windowLength, hop, fftSize } = o;
  const fft = new FFT(fftSize);
  const window = hannWindow(windowLength);
  const input = new Float64Array(fftSize);
  // realTransform writes interleaved (re, im); only bins 0..fftSize/2 are valid, the rest is not the mirrored half.
  const spectrum = new Float64Array(2 * fftSize);
  const power = new Float64Array(fftSize / 2 + 1);
  const frames = frameCount(signal.length, windowLength, hop);
  for (let frame = 0; frame < frames; frame++) {
    const start = frame * hop;
    // Only a signal shorter than one window runs out of samples; the rest of `input` stays zero (the padding).
    const available = Math.min(windowLength, signal.length - start);
    for (let i = 0; i < available; i++) input[i] = signal[start + i] * window[i];
    fft.realTransform(spectrum, input);
    for (let k = 0; k < power.length; k++) power[k] = spectrum[2 * k] ** 2 + spectrum[2 * k + 1] ** 2;
    visit(frame, power);
  }
}

/** [first, end) of each band's non-zero weights, so the mel sum skips the zeros that make up most of the bank. */
function nonZeroRanges(bank: Float32Array, bands: number, bins: number): Int32Array {
  const ranges = new Int32Array(2 * bands);
  for (let b = 0; b < bands; b++) {
    let first = bins;
    let end = 0;
    for (let k = 0; k < bins; k++) {
      if (bank[b * bins + k] === 0) continue;
      first = Math.min(first, k);
      end = k + 1;
    }
    ranges[2 * b] = first;
    ranges[2 * b + 1] = end;
  }
  return ranges;
}

/** Orthonormal DCT-II rows: sqrt(1/N) for row 0 and sqrt(2/N) otherwise, so the transform preserves energy. */
function dctBasis(n: number, rows: number): Float64Array {
  const basis = new Float64Array(rows * n);
  for (let c = 0; c < rows; c++) {
    const scale = Math.sqrt((c === 0 ? 1 : 2) / n);
    for (let i = 0; i < n; i++) basis[c * n + i] = scale * Math.cos((Math.PI * c * (2 * i + 1)) / (2 * n));
  }
  return basis;
}

function checkFrameOptions({ windowLength, hop, fftSize }: FrameOptions): void {
  if (!Number.isInteger(windowLength) || windowLength < 1) {
    throw new RangeError(`windowLength must be an integer >= 1 (got ${windowLength})`);
  }
  if (!Number.isInteger(hop) || hop < 1) throw new RangeError(`hop must be an integer >= 1 (got ${hop})`);
  // fft.js cannot transform fewer than 2 points, so 1 does not count as a power of two here.
  const powerOfTwo = Number.isInteger(fftSize) && fftSize >= 2 && (fftSize & (fftSize - 1)) === 0;
  if (!powerOfTwo || fftSize < windowLength) {
    throw new RangeError(`fftSize must be a power of two >= 2 and >= windowLength ${windowLength} (got ${fftSize})`);
  }
}

function checkMelOptions(sampleRate: number, fftSize: number, bands: number, fMin: number, fMax: number): void {
  if (!(sampleRate > 0)) throw new RangeError(`sampleRate must be positive (got ${sampleRate})`);
  if (!Number.isInteger(fftSize) || fftSize < 2 || (fftSize & (fftSize - 1)) !== 0) {
    throw new RangeError(`fftSize must be a power of two >= 2 (got ${fftSize})`);
  }
  if (!Number.isInteger(bands) || bands < 1) throw new RangeError(`bands must be an integer >= 1 (got ${bands})`);
  if (!(fMin >= 0 && fMin < fMax)) throw new RangeError(`mel filters need 0 <= fMin < fMax (got fMin ${fMin}, fMax ${fMax})`);
  if (fMax > sampleRate / 2) {
    throw new RangeError(`fMax ${fMax} Hz is above the Nyquist frequency ${sampleRate / 2} Hz of sample rate ${sampleRate}`);
  }
}

function checkMatrix(what: string, data: Float32Array, rows: number, columns: number): void {
  if (data.length !== rows * columns) {
    throw new RangeError(`${what}: expected ${rows} × ${columns} = ${rows * columns} values, got ${data.length}`);
  }
}
