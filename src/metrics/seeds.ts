// Summaries of one metric over repeated runs (seeds): mean, sample standard deviation and a 95% t-interval.

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); null for a single value. */
  std: number | null;
  /** mean ± t(0.975, n − 1) · std / √n; null for a single value. */
  ci95: [number, number] | null;
}

export function summarise(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) throw new RangeError('summarise: no values');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, std: null, ci95: null };
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = tQuantile975(n - 1) * (std / Math.sqrt(n));
  return { n, mean, std, ci95: [mean - half, mean + half] };
}

// t(0.975, df) for df = 1..30. Seeds are few (3 to 10), where the normal quantile 1.96 would be far too narrow.
const T975 = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, 2.201, 2.1788, 2.1604, 2.1448,
  2.1314, 2.1199, 2.1098, 2.1009, 2.093, 2.086, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484,
  2.0452, 2.0423,
];

/** The 0.975 quantile of Student's t with `df` degrees of freedom. */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`tQuantile975: df must be a positive integer, got ${df}`);
  if (df <= T975.length) return T975[df - 1];
  // Beyond the table, the Cornish-Fisher expansion around the normal quantile is accurate to ~1e-5 for df > 30.
  const z = 1.959963984540054;
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  const g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}
