// One metric per cell as bars, beside a reference value (the paper's, the classical baseline's) where there is one,
// with ±1 std whiskers.

import { renderSvg } from './render-svg.js';

export interface BarRow {
  label: string;
  value: number;
  reference?: number;
  std?: number;
}

/** `referenceLabel` names the reference bars in the legend (`paper`, `classical reference`). */
export async function barChartSvg(rows: BarRow[], metric: string, referenceLabel = 'reference', title = `${metric} by cell`): Promise<string> {
  const bars = rows.flatMap((r) => [
    { label: r.label, source: 'this run', value: r.value, low: r.value - (r.std ?? 0), high: r.value + (r.std ?? 0) },
    ...(r.reference === undefined ? [] : [{ label: r.label, source: referenceLabel, value: r.reference, low: r.reference, high: r.reference }]),
  ]);
  // Metrics are stored as fractions; show them as percentages unless some value says otherwise.
  const fractions = bars.every((b) => b.high <= 1 && b.low >= 0);
  const sources = rows.some((r) => r.reference !== undefined) ? ['this run', referenceLabel] : ['this run'];
  const x = { field: 'label', type: 'nominal' as const, title: null, sort: rows.map((r) => r.label), axis: { labelAngle: -30, labelLimit: 400 } };
  const xOffset = { field: 'source', type: 'nominal' as const, sort: sources };
  const y = { type: 'quantitative' as const, title: metric, ...(fractions ? { axis: { format: '.0%' }, scale: { domain: [0, 1] } } : {}) };
  return renderSvg({
    title,
    width: { step: 28 * sources.length + 16 },
    height: 260,
    data: { values: bars },
    layer: [
      {
        mark: 'bar',
        encoding: {
          x,
          xOffset,
          y: { ...y, field: 'value' },
          color: { field: 'source', type: 'nominal', title: null, scale: { domain: sources, range: ['#1f77b4', '#bbbbbb'] }, legend: { labelLimit: 400 } },
        },
      },
      {
        transform: [{ filter: 'datum.high > datum.low' }],
        mark: { type: 'rule', color: 'black' },
        encoding: { x, xOffset, y: { ...y, field: 'low' }, y2: { field: 'high' } },
      },
    ],
  });
}
