// The energy contour of a waveform: log mean square per frame. A local file the module imports, so its contents
// are part of the energy stage's cache key too.

/**
 * @param {Float32Array} samples
 * @param {number} frame samples per frame
 * @param {number} hop samples between frame starts
 * @returns {Float32Array} one log energy per frame
 */
export function logEnergies(samples, frame, hop) {
  const frames = Math.max(1, 1 + Math.floor((samples.length - frame) / hop));
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * hop; i < Math.min(f * hop + frame, samples.length); i++) sum += samples[i] * samples[i];
    out[f] = Math.log10(sum / frame + 1e-10);
  }
  return out;
}
