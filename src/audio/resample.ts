// Band-limited resampling between any two integer sample rates (polyphase windowed sinc).
//
// The filter: a Kaiser-windowed sinc (beta 8, 24 zero crossings each side) whose cutoff is 0.9 × the lower of
// the two Nyquist frequencies, so when downsampling it is also the anti-aliasing low-pass. That gives about
// -80 dB from the lower Nyquist frequency up, and a passband flat (within 0.01 dB) to about 0.8 × that Nyquist.
// For 22050 → 16000 Hz each output sample costs 74 multiply-adds.
//
// Output sample n sits at input position n·from/to. With from/to reduced to down/up, that position's fraction
// is one of `up` phases; each phase's taps are computed once. When `up` is large (e.g. 44100 → 44101) the
// fraction is rounded to the nearest of 1024 phases: a timing error under 1/2048 sample, below -70 dB.

const ZERO_CROSSINGS = 24;
const ROLLOFF = 0.9;
const KAISER_BETA = 8;
const MAX_PHASES = 1024;

interface PolyphaseFilter {
  up: number;
  down: number;
  phases: number;
  /** Taps per phase. */
  taps: number;
  /** Input offset of tap 0 relative to floor(position). */
  first: number;
  /** `phases × taps` coefficients, phase-major. */
  coefficients: Float32Array;
}

const filters = new Map<string, PolyphaseFilter>();

/** Output length for `length` input samples: round(length · to / from). */
export function resampledLength(length: number, from: number, to: number): number {
  return Math.round((length * to) / from);
}

/** Resample `input` from `from` Hz to `to` Hz; always returns a new array. */
export function resample(input: Float32Array, from: number, to: number): Float32Array {
  if (!(Number.isInteger(from) && Number.isInteger(to) && from > 0 && to > 0)) {
    throw new RangeError(`resample: sample rates must be positive integers, got ${from} and ${to}`);
  }
  if (from === to) return input.slice();
  const filter = filterFor(from, to);
  const out = new Float32Array(resampledLength(input.length, from, to));
  const { up, down, phases, taps, first, coefficients: h } = filter;
  const n = input.length;
  for (let k = 0; k < out.length; k++) {
    const pos = k * down;
    let base = Math.floor(pos / up);
    let phase = pos - base * up;
    if (phases !== up) {
      phase = Math.round((phase * phases) / up);
      if (phase === phases) {
        phase = 0;
        base += 1;
      }
    }
    const start = base + first;
    const c = phase * taps;
    let acc = 0;
    if (start >= 0 && start + taps <= n) {
      for (let j = 0; j < taps; j++) acc += h[c + j] * input[start + j];
    } else {
      const lo = Math.max(0, -start);
      const hi = Math.min(taps, n - start);
      for (let j = lo; j < hi; j++) acc += h[c + j] * input[start + j];
    }
    out[k] = acc;
  }
  return out;
}

function filterFor(from: number, to: number): PolyphaseFilter {
  const key = `${from}:${to}`;
  let filter = filters.get(key);
  if (!filter) {
    filter = designFilter(from, to);
    filters.set(key, filter);
  }
  return filter;
}

function designFilter(from: number, to: number): PolyphaseFilter {
  const g = gcd(from, to);
  const up = to / g;
  const down = from / g;
  const phases = Math.min(up, MAX_PHASES);
  // Cutoff in cycles per input sample; the sinc's zero crossings are 1 / (2 fc) input samples apart.
  const fc = (ROLLOFF / 2) * Math.min(1, to / from);
  const halfWidth = ZERO_CROSSINGS / (2 * fc);
  const reach = Math.ceil(halfWidth);
  const first = -reach + 1;
  const taps = 2 * reach;
  const coefficients = new Float32Array(phases * taps);
  const i0Beta = besselI0(KAISER_BETA);
  for (let p = 0; p < phases; p++) {
    const frac = p / phases;
    let sum = 0;
    const row = new Float64Array(taps);
    for (let j = 0; j < taps; j++) {
      const x = first + j - frac;
      const r = x / halfWidth;
      if (Math.abs(r) >= 1) continue;
      const window = besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
      row[j] = 2 * fc * sinc(2 * fc * x) * window;
      sum += row[j];
    }
    // Unit gain at DC for every phase, so a constant signal stays exactly constant.
    for (let j = 0; j < taps; j++) coefficients[p * taps + j] = row[j] / sum;
  }
  return { up, down, phases, taps, first, coefficients };
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the betas used). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
