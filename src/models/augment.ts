// Waveform augmentation of a training batch, in place: each example's window shifted by a random number of steps
// (the vacated steps zero, as the chunker pads), a random gain, and white noise at a set signal-to-noise ratio.
// Seeded per step like the masks (spec-augment.ts), so a resumed training draws the same batches. Training batches
// only: validation and test examples are never augmented.

export interface AugmentParams {
  /** Largest shift of the window, in steps (samples of a waveform, frames of features); 0: none. */
  shift: number;
  /** Largest gain, in dB either way; 0: none. */
  gainDb: number;
  /** Signal-to-noise ratio of added white noise, in dB, against each example's own power; undefined: none. */
  noiseSnr?: number;
}

export const AUGMENT_DEFAULTS: AugmentParams = { shift: 0, gainDb: 0 };

export function augmenting(p: AugmentParams): boolean {
  return p.shift > 0 || p.gainDb > 0 || p.noiseSnr !== undefined;
}

/** Augments `rows` examples of [steps, channels] in `batch`, in place. */
export function augmentBatch(batch: Float32Array, rows: number, steps: number, channels: number, p: AugmentParams, random: () => number): void {
  const size = steps * channels;
  for (let r = 0; r < rows; r++) {
    const x = batch.subarray(r * size, (r + 1) * size);
    if (p.shift > 0) shiftWindow(x, channels, Math.round((random() * 2 - 1) * Math.min(p.shift, steps - 1)));
    if (p.gainDb > 0) {
      const g = 10 ** (((random() * 2 - 1) * p.gainDb) / 20);
      for (let i = 0; i < size; i++) x[i] *= g;
    }
    if (p.noiseSnr !== undefined) addNoise(x, p.noiseSnr, random);
  }
}

/** Moves the example by `by` steps (positive: later), filling the vacated steps with zeros. */
export function shiftWindow(x: Float32Array, channels: number, by: number): void {
  if (by === 0) return;
  const offset = by * channels;
  if (by > 0) {
    x.copyWithin(offset, 0, x.length - offset);
    x.fill(0, 0, offset);
  } else {
    x.copyWithin(0, -offset);
    x.fill(0, x.length + offset);
  }
}

/** Adds Gaussian white noise whose power is the example's power / 10^(snr/10). A silent example stays silent. */
function addNoise(x: Float32Array, snrDb: number, random: () => number): void {
  let power = 0;
  for (const v of x) power += v * v;
  power /= x.length;
  if (power === 0) return;
  const sd = Math.sqrt(power / 10 ** (snrDb / 10));
  for (let i = 0; i < x.length; i += 2) {
    // Box-Muller: two normal draws per pair of uniforms.
    const u = Math.max(random(), 1e-12);
    const radius = sd * Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * random();
    x[i] += radius * Math.cos(angle);
    if (i + 1 < x.length) x[i + 1] += radius * Math.sin(angle);
  }
}
