// The compare bar chart's labels: short where model and class set tell the rows apart.

import { describe, expect, it } from 'vitest';
import type { ResultsTable } from '../../../src/metrics/results-types.js';
import { barLabels } from '../../../src/render/results-charts.js';

const table = (rows: { label: string; model: string | null; classSet: string | null; protocol?: string | null; protocolVariant?: string }[]): ResultsTable => ({ rows }) as unknown as ResultsTable;

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

  it('adds the protocol (with its variant) where model and class set alone repeat (a tune chosen per protocol)', () => {
    const rows = [
      { label: 'ingest.classes=all7 split.folds=none features.normalize=train train.lr=0.002', model: 'logreg', classSet: 'all7', protocol: 'random' },
      { label: 'ingest.classes=all7 split.folds=none features.normalize=speaker train.lr=0.007', model: 'logreg', classSet: 'all7', protocol: 'random · speaker-normalised' },
      { label: 'ingest.classes=all7 split.folds=loso features.normalize=train train.lr=0.009', model: 'logreg', classSet: 'all7', protocol: 'LOSO (10 folds)' },
    ];
    expect(barLabels(table(rows))).toEqual(['logreg all7 random', 'logreg all7 random · speaker-normalised', 'logreg all7 LOSO (10 folds)']);
  });

  it('always names a protocol variant, so a bar never hides that its row read the test speakers\' audio', () => {
    const rows = [
      { label: 'train.model=cnn', model: 'cnn', classSet: 'four', protocolVariant: 'speaker-normalised' },
      { label: 'train.model=nn', model: 'nn', classSet: 'four' },
    ];
    expect(barLabels(table(rows))).toEqual(['cnn four (speaker-normalised)', 'nn four']);
  });

  it('keeps the full labels where a row has neither model nor class set', () => {
    expect(barLabels(table([{ label: 'split.test=0.2', model: null, classSet: null }]))).toEqual(['split.test=0.2']);
  });
});
