// The compare bar chart's labels: short where model and class set tell the rows apart.

import { describe, expect, it } from 'vitest';
import type { ResultsTable } from '../../../src/metrics/results-types.js';
import { barLabels } from '../../../src/render/results-charts.js';

const table = (rows: { label: string; model: string | null; classSet: string | null }[]): ResultsTable => ({ rows }) as unknown as ResultsTable;

describe('barLabels', () => {
  it('names each bar by model and class set when those tell every row apart (table2 with its settings columns)', () => {
    const rows = [
      { label: 'train.model=nn ingest.classes=all7 train.input=file train.lr=0.0003', model: 'nn', classSet: 'all7' },
      { label: 'train.model=nn ingest.classes=four train.input=file', model: 'nn', classSet: 'four' },
    ];
    expect(barLabels(table(rows))).toEqual(['nn all7', 'nn four']);
  });

  it('keeps the full labels where two rows share model and class set (a sweep of settings)', () => {
    const rows = [
      { label: 'train.model=nn train.lr=0.01', model: 'nn', classSet: 'all7' },
      { label: 'train.model=nn train.lr=0.05', model: 'nn', classSet: 'all7' },
    ];
    expect(barLabels(table(rows))).toEqual(['train.model=nn train.lr=0.01', 'train.model=nn train.lr=0.05']);
  });

  it('keeps the full labels where a row has neither model nor class set', () => {
    expect(barLabels(table([{ label: 'split.test=0.2', model: null, classSet: null }]))).toEqual(['split.test=0.2']);
  });
});
