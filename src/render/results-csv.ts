// Compare's results table as CSV (results.csv): one line per row, percentages with 2 decimals, every column named.

import { describeFlags } from '../metrics/diagnose.js';
import { formatCellValue } from '../metrics/results-table.js';
import { METRICS, type ResultsTable } from '../metrics/results-types.js';
import { pct, signed } from './percent-format.js';

export function renderCsv(table: ResultsTable): string {
  const head = ['label', ...table.keys, 'seeds'];
  for (const k of METRICS) head.push(`${k}_mean`, `${k}_std`, `${k}_ci95_low`, `${k}_ci95_high`);
  head.push('reference', 'difference', 'protocol', 'val_accuracy', 'selected_by_validation', 'folds', 'fold_accuracy_std', 'fold_accuracy_min', 'fold_accuracy_max');
  head.push('majority_rate', 'majority_upper95', 'flags');
  const opt = (v: number | null | undefined) => (v === null || v === undefined ? '' : pct(v));
  const body = table.rows.map((r) => {
    const cells = [r.label, ...table.keys.map((k) => (k in r.values ? formatCellValue(r.values[k]) : '')), String(r.accuracy.n)];
    for (const k of METRICS) cells.push(pct(r[k].mean), opt(r[k].std), opt(r[k].ci95?.[0]), opt(r[k].ci95?.[1]));
    cells.push(opt(r.reference), r.difference === null ? '' : signed(r.difference));
    cells.push(r.protocol ?? '', opt(r.valAccuracy), String(r.selectedByValidation), r.folds === null ? '' : String(r.folds));
    cells.push(opt(r.foldAccuracy?.std), opt(r.foldAccuracy?.min), opt(r.foldAccuracy?.max));
    cells.push(opt(r.flags.majorityRate), opt(r.flags.majorityUpper95), describeFlags(r.flags).join('; '));
    return cells.map(csvField).join(',');
  });
  return [head.map(csvField).join(','), ...body].join('\n') + '\n';
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
