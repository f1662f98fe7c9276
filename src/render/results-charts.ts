// Compare's results table as SVG charts: the metric per row beside the reference (chart.svg) and, for a sweep, the
// metric against the swept key (sweep.svg). vega is loaded only when a chart is drawn.

import type { ResultsTable } from '../metrics/results-types.js';
import { REFERENCE_LABELS } from '../references/reference-results.js';

/**
 * The matrix key a sweep varies: the one key whose values are all numbers and take more than two values, or, when
 * several such keys vary together (a zipped key such as `split.train+split.test`), the last of them.
 */
export function sweepAxis(table: ResultsTable): string | undefined {
  const numeric = table.keys.filter((k) => {
    const values = table.rows.map((r) => r.values[k]);
    return values.every((v) => typeof v === 'number') && new Set(values).size > 2;
  });
  if (numeric.length <= 1) return numeric[0];
  const together = (k: string): string[] => table.rows.map((r) => numeric.map((n) => String(r.values[n])).join('|') + '→' + String(r.values[k]));
  const distinct = new Set(table.rows.map((r) => String(r.values[numeric[0]]))).size;
  const zipped = numeric.every((k) => new Set(table.rows.map((r) => String(r.values[k]))).size === distinct && new Set(together(k)).size === distinct);
  return zipped ? numeric[numeric.length - 1] : undefined;
}

/** The metric against the swept key, one line per combination of the other keys (mean ± std over seeds). */
export async function sweepChart(table: ResultsTable, axis: string): Promise<string> {
  const { lineChartSvg } = await import('../charts/line-chart.js');
  const m = table.metric;
  const points = table.rows.map((r) => ({
    x: r.values[axis] as number,
    y: (r[m].mean ?? 0) / 100,
    series: table.keys.filter((k) => k !== axis && !isNumericAxis(table, k)).map((k) => `${k}=${String(r.values[k])}`).join(' ') || m,
    ...(r[m].std === null ? {} : { std: r[m].std / 100 }),
  }));
  return lineChartSvg(points, axis, m);
}

function isNumericAxis(table: ResultsTable, key: string): boolean {
  return table.rows.every((r) => typeof r.values[key] === 'number');
}

/** What a bar's short label is made of: a results row's label, model, class set and protocol. */
export interface LabelParts {
  label: string;
  model?: string | null;
  classSet?: string | null;
  protocol?: string | null;
  /** `speaker-normalised` and the like: always named, so a bar never hides that its row read test audio. */
  protocolVariant?: string | null;
}

/**
 * Short bar labels: `model classSet (variant)`, or `model classSet protocol` (the protocol with its variant), whichever first
 * names every row apart (a table whose rows also differ in settings, as table2's or a tune's, would otherwise show the
 * same truncated start on several bars); else each row's full label.
 */
export function shortLabels(rows: readonly LabelParts[]): string[] {
  const named = (parts: (r: LabelParts) => (string | null | undefined)[]): string[] | undefined => {
    const short = rows.map((r) => parts(r).filter((v): v is string => typeof v === 'string').join(' '));
    return short.every((l) => l !== '') && new Set(short).size === short.length ? short : undefined;
  };
  const variant = (r: LabelParts): string | null => (r.protocolVariant ? `(${r.protocolVariant})` : null);
  return named((r) => [r.model, r.classSet, variant(r)]) ?? named((r) => [r.model, r.classSet, r.protocol]) ?? rows.map((r) => r.label);
}

/** The bar labels of a results table (shortLabels of its rows). */
export function barLabels(table: ResultsTable): string[] {
  return shortLabels(table.rows);
}

/** The rows' mean metric beside the reference values, as an SVG bar chart. */
export async function barChart(table: ResultsTable): Promise<string> {
  const { barChartSvg } = await import('../charts/bar-chart.js');
  const m = table.metric;
  const labels = barLabels(table);
  const bars = table.rows.map((r, i) => ({
    label: labels[i],
    value: (r[m].mean ?? 0) / 100,
    ...(r[m].std === null ? {} : { std: r[m].std / 100 }),
    ...(r.reference === null ? {} : { reference: r.reference / 100 }),
  }));
  return barChartSvg(bars, m, table.reference === 'none' ? undefined : REFERENCE_LABELS[table.reference]);
}
