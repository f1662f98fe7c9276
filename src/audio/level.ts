// Level normalisation: scale a waveform to a target RMS (as in the paper) or a target peak.
// Samples are Float32, so after RMS normalisation peaks may exceed 1; nothing is clipped.

/**
 * Below this RMS (about -140 dBFS, under the step of 24-bit audio) a signal counts as silent: scaling it up would
 * only amplify rounding noise, so it is left as it is and the caller warns.
 */
export const SILENCE_RMS = 1e-7;

export interface Leveled {
  samples: Float32Array;
  /** The factor applied (1 when silent). */
  gain: number;
  /** True when the input was silent and was left unscaled. */
  silent: boolean;
}

export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / samples.length);
}

export function peak(samples: Float32Array): number {
  let max = 0;
  for (let i = 0; i < samples.length; i++) max = Math.max(max, Math.abs(samples[i]));
  return max;
}

/** Scale so that the RMS equals `target`; returns a new array. */
export function normalizeRms(samples: Float32Array, target: number): Leveled {
  return scaleTo(samples, rms(samples), target);
}

/** Scale so that the largest absolute sample equals `target`; returns a new array. */
export function normalizePeak(samples: Float32Array, target: number): Leveled {
  return scaleTo(samples, peak(samples), target);
}

function scaleTo(samples: Float32Array, level: number, target: number): Leveled {
  if (rms(samples) < SILENCE_RMS) return { samples: samples.slice(), gain: 1, silent: true };
  const gain = target / level;
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i] * gain;
  return { samples: out, gain, silent: false };
}
