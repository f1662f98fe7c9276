// Compare's results table as markdown (results.md, the CLI's summary, the report page), with the legend under it.

import { COLLAPSE_SHARE, describeFlags } from '../metrics/diagnose.js';
import { formatCellValue } from '../metrics/results-table.js';
import { METRICS, PROTOCOL_VARIANT_NOTES, type CompareMetric, type FoldSpread, type ResultsTable } from '../metrics/results-types.js';
import type { Summary } from '../metrics/seeds.js';
import { pct, signed } from './percent-format.js';

const METRIC_LABEL: Record<CompareMetric, string> = { accuracy: 'accuracy', ua: 'UA', macroF1: 'macro-F1' };

const meanStd = (s: Summary) => (s.std === null ? pct(s.mean) : `${pct(s.mean)} ± ${pct(s.std)}`);
const interval = (s: Summary) => (s.ci95 === null ? '—' : `[${pct(s.ci95[0])}, ${pct(s.ci95[1])}]`);
const foldRange = (f: FoldSpread | null) => (f === null ? '—' : `${pct(f.min)}–${pct(f.max)}${f.std === null ? '' : ` (sd ${pct(f.std)})`}`);
const hasFolds = (table: ResultsTable) => table.rows.some((r) => r.folds !== null);

/** The table as markdown; `renderLegend` is the line that goes under it. */
export function renderMarkdown(table: ResultsTable): string {
  const m = METRIC_LABEL[table.metric];
  const folds = hasFolds(table);
  const head = [...table.keys, 'protocol', 'seeds', ...METRICS.map((k) => `${METRIC_LABEL[k]} %`), `${m} 95% CI`];
  if (folds) head.push('per-fold accuracy %');
  head.push('val accuracy %');
  if (table.reference !== 'none') head.push(`${table.reference} ${m} %`, 'Δ');
  head.push('flags');
  const body = table.rows.map((r) => {
    const cells = [
      ...table.keys.map((k) => (k in r.values ? formatCellValue(r.values[k]) : '')),
      r.protocol ?? '—',
      String(r.accuracy.n),
      ...METRICS.map((k) => meanStd(r[k])),
      interval(r[table.metric]),
    ];
    if (folds) cells.push(foldRange(r.foldAccuracy));
    cells.push(r.valAccuracy === null ? '—' : pct(r.valAccuracy) + (r.selectedByValidation ? ' *' : ''));
    if (table.reference !== 'none') {
      cells.push(r.reference === null ? '—' : pct(r.reference), r.difference === null ? '—' : signed(r.difference));
    }
    cells.push(describeFlags(r.flags).join('; '));
    return cells;
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rule = head.map((_, i) => (i < table.keys.length + 1 || i === head.length - 1 ? '---' : '---:'));
  return [line(head), line(rule), ...body.map(line)].join('\n') + '\n';
}

/** A line explaining the `*` (and, with fold rows, how they are scored), and a line explaining the flags. */
export function renderLegend(table: ResultsTable): string {
  const pooled = hasFolds(table)
    ? ' LOSO rows score each seed’s test predictions of all folds pooled; ± and CI are over seeds, per-fold accuracy is min–max (sd) over folds × seeds.'
    : '';
  const flags =
    'Flags: did not learn = mean test accuracy not above the upper end of the Wilson 95% interval of the majority-class rate (the most frequent true class’s share of a seed’s test files); ' +
    `collapsed = the seed’s model predicts one class for ≥ ${100 * COLLAPSE_SHARE}% of its test files; ` +
    `overfit = training minus validation accuracy at the kept epoch above ${Number((100 * table.overfitGap).toFixed(2))} points (not judged for evaluations recorded before evaluate kept the training accuracy).`;
  const within = table.selectWithin.length ? ` and ${table.selectWithin.join(', ')}` : '';
  const variants = [...new Set(table.rows.flatMap((r) => (r.protocolVariant === undefined ? [] : [r.protocolVariant])))];
  const notes = variants.map((v) => `\n\nProtocol ${PROTOCOL_VARIANT_NOTES[v] ?? v}`).join('');
  return `\`*\` highest mean validation accuracy among the rows of its class set and protocol${within}: the configuration chosen on validation, never on test.${pooled}${notes}\n\n${flags}\n`;
}
