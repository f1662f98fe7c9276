// Mixup (Zhang et al., 2018) of a training batch: every example blended with another example of the same batch,
// x = λ·x_i + (1 − λ)·x_j with target λ·y_i + (1 − λ)·y_j, one λ ~ Beta(α, α) per batch. λ is folded to at least
// 0.5, so each example stays mostly itself and training accuracy still counts its own label. Seeded per step.

import { shuffled } from '../dataset/random.js';

/** Blends the `labels.length` examples of `x` (row-major) in place; returns the soft targets [rows, classes]. */
export function mixBatch(x: Float32Array, labels: Int32Array, classes: number, alpha: number, random: () => number): Float32Array {
  const rows = labels.length;
  const size = x.length / rows;
  const lambda = foldedBeta(alpha, random);
  const partner = shuffled(Array.from({ length: rows }, (_, i) => i), random);
  const original = x.slice(0, rows * size);
  const targets = new Float32Array(rows * classes);
  for (let i = 0; i < rows; i++) {
    const j = partner[i];
    for (let k = 0; k < size; k++) x[i * size + k] = lambda * original[i * size + k] + (1 - lambda) * original[j * size + k];
    targets[i * classes + labels[i]] += lambda;
    targets[i * classes + labels[j]] += 1 - lambda;
  }
  return targets;
}

/** max(λ, 1 − λ) for λ ~ Beta(α, α): the ratio of two Gamma(α) draws. */
export function foldedBeta(alpha: number, random: () => number): number {
  const a = gamma(alpha, random);
  const b = gamma(alpha, random);
  const lambda = a + b > 0 ? a / (a + b) : 0.5;
  return Math.max(lambda, 1 - lambda);
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 through Gamma(shape + 1) · U^(1/shape). */
function gamma(shape: number, random: () => number): number {
  if (shape < 1) return gamma(shape + 1, random) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let z: number;
    let v: number;
    do {
      z = normal(random);
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A standard normal draw (Box–Muller). */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
