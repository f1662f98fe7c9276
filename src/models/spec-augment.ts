// SpecAugment-style masking (Park et al., 2019) of a training batch of feature matrices: a few runs of frames and
// a few runs of dims set to 0, which after standardisation is the training mean. Seeded per step, so a resumed
// training draws the same masks. Training batches only; validation and test are never masked.

export interface MaskParams {
  /** Runs of masked frames per example, each up to `timeMaskWidth` frames. */
  timeMasks: number;
  timeMaskWidth: number;
  /** Runs of masked dims (mel bands) per example, each up to `bandMaskWidth`. */
  bandMasks: number;
  bandMaskWidth: number;
}

/** No masking unless asked for; widths that suit 10 ms frames and 64 mel bands. */
export const MASK_DEFAULTS: MaskParams = { timeMasks: 0, timeMaskWidth: 20, bandMasks: 0, bandMaskWidth: 8 };

/** Masks `rows` examples of [steps, channels] in `batch`, in place. */
export function maskBatch(batch: Float32Array, rows: number, steps: number, channels: number, p: MaskParams, random: () => number): void {
  const size = steps * channels;
  for (let r = 0; r < rows; r++) {
    const base = r * size;
    for (let m = 0; m < p.timeMasks; m++) {
      const [start, width] = run(steps, p.timeMaskWidth, random);
      batch.fill(0, base + start * channels, base + (start + width) * channels);
    }
    for (let m = 0; m < p.bandMasks; m++) {
      const [start, width] = run(channels, p.bandMaskWidth, random);
      for (let t = 0; t < steps; t++) batch.fill(0, base + t * channels + start, base + t * channels + start + width);
    }
  }
}

/** A run of width uniform in [0, maxWidth] (at most `length`) at a uniform start. */
function run(length: number, maxWidth: number, random: () => number): [number, number] {
  const width = Math.min(length, Math.floor(random() * (maxWidth + 1)));
  const start = Math.floor(random() * (length - width + 1));
  return [start, width];
}
