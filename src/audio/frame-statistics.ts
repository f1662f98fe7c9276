// Statistics over time of every dimension of a frame-level feature matrix: one row per utterance, the classical
// input of utterance-level emotion recognition. NaN frames (the F0 of unvoiced frames) are skipped; a dimension
// with no finite frame gives 0 for every statistic.

export const STATISTIC_NAMES = ['mean', 'std', 'min', 'max', 'p10', 'p25', 'p50', 'p75', 'p90', 'range', 'iqr', 'slope', 'skew', 'kurtosis'] as const;
export type StatisticName = (typeof STATISTIC_NAMES)[number];

/** What `kind: stats` keeps when its `statistics` param is absent, in this order (the features stage's first). */
export const DEFAULT_STATISTICS: readonly StatisticName[] = ['mean', 'std', 'min', 'max'];

export interface FrameMatrix {
  frames: number;
  dims: number;
  /** Row-major [frames, dims]. */
  data: Float32Array;
}

/**
 * One row of statistics.length · dims values, statistic-major (all dims' first statistic, then the second, ...).
 * std, skew and kurtosis are the population (biased) moments; kurtosis is excess (0 for a normal distribution);
 * skew and kurtosis are 0 where the std is 0. Percentiles interpolate linearly between order statistics (numpy's
 * default). slope is the least-squares slope against time, frame t at t · hopSeconds, in units per second.
 */
export function frameStatistics(m: FrameMatrix, statistics: readonly StatisticName[], hopSeconds: number): FrameMatrix {
  const out = new Float32Array(statistics.length * m.dims);
  const valueBuffer = new Float64Array(m.frames);
  const timeBuffer = new Float64Array(m.frames);
  for (let d = 0; d < m.dims; d++) {
    let n = 0;
    for (let t = 0; t < m.frames; t++) {
      const v = m.data[t * m.dims + d];
      if (Number.isNaN(v)) continue;
      valueBuffer[n] = v;
      timeBuffer[n++] = t * hopSeconds;
    }
    if (n === 0) continue;
    const summary = summarise(valueBuffer.subarray(0, n), timeBuffer.subarray(0, n));
    statistics.forEach((s, i) => {
      out[i * m.dims + d] = summary(s);
    });
  }
  return { frames: 1, dims: out.length, data: out };
}

/** The statistics of one dimension's finite values, computed on demand (sorting only when a percentile asks). */
function summarise(values: Float64Array, times: Float64Array): (s: StatisticName) => number {
  const n = values.length;
  // One pass of sum and sum of squares, as the stats kind always computed mean and std: existing outputs keep
  // their exact values.
  let sum = 0;
  let sumSq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    sumSq += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  const std = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  let sorted: Float64Array | undefined;
  const percentile = (q: number) => {
    // A typed array sorts numerically without a comparator (and fast); NaN never reaches here.
    sorted ??= Float64Array.from(values).sort();
    const position = (q / 100) * (n - 1);
    const below = Math.floor(position);
    const above = Math.min(n - 1, below + 1);
    return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
  };
  const moment = (k: number) => {
    let sum = 0;
    for (const v of values) sum += (v - mean) ** k;
    return sum / n;
  };
  return (s) => {
    switch (s) {
      case 'mean':
        return mean;
      case 'std':
        return std;
      case 'min':
        return min;
      case 'max':
        return max;
      case 'p10':
        return percentile(10);
      case 'p25':
        return percentile(25);
      case 'p50':
        return percentile(50);
      case 'p75':
        return percentile(75);
      case 'p90':
        return percentile(90);
      case 'range':
        return max - min;
      case 'iqr':
        return percentile(75) - percentile(25);
      case 'slope':
        return slope(times, values);
      case 'skew': {
        const m2 = moment(2);
        return m2 > 0 ? moment(3) / m2 ** 1.5 : 0;
      }
      case 'kurtosis': {
        const m2 = moment(2);
        return m2 > 0 ? moment(4) / (m2 * m2) - 3 : 0;
      }
    }
  };
}

/** Least-squares slope of y against x; 0 with fewer than two distinct x. */
function slope(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}
