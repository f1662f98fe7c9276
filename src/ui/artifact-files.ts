// Readers for the files that evaluate, train and compare leave in their artifacts, shared by `pipe report` and
// `pipe show`. Lenient by design: the formats are young, and an unreadable file means no picture, not an error.

import { readFileSync } from 'node:fs';
import type { BarRow } from '../charts/bar-chart.js';
import type { EpochRecord } from '../charts/learning-curves.js';
import type { RowFlags, SeedFlag } from '../metrics/diagnose.js';
import { REFERENCE_LABELS, type ReferenceName } from '../references/reference-results.js';
import { shortLabels, type LabelParts } from '../render/results-charts.js';
import { isRecord } from '../json.js';

/** A JSON file's value; undefined where it is missing or not JSON (`pipe show` prints nothing for it). */
export function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** evaluate's metrics.json: `confusion: { classes, matrix }`, or the classes beside a bare matrix. */
export function readConfusion(json: unknown): { classes: string[]; matrix: number[][] } | undefined {
  if (!isRecord(json)) return undefined;
  const c = json.confusion;
  const matrix = isRecord(c) ? c.matrix : c;
  const classes = (isRecord(c) ? c.classes : undefined) ?? json.classes;
  if (!isStringArray(classes) || !isMatrix(matrix) || matrix.length !== classes.length) return undefined;
  return { classes, matrix };
}

/** train's history.json: an array of per-epoch records, or `{ history: [...] }`; Keras-style names accepted too. */
export function readHistory(json: unknown): EpochRecord[] | undefined {
  const list = isRecord(json) ? json.history : json;
  if (!Array.isArray(list)) return undefined;
  const records = list.filter(isRecord).map((h, i) => ({
    epoch: num(h.epoch) ?? i + 1,
    loss: num(h.loss) ?? Number.NaN,
    accuracy: num(h.accuracy) ?? num(h.acc) ?? Number.NaN,
    valLoss: num(h.valLoss) ?? num(h.val_loss) ?? Number.NaN,
    valAccuracy: num(h.valAccuracy) ?? num(h.val_acc) ?? num(h.val_accuracy) ?? Number.NaN,
  }));
  return records.length ? records : undefined;
}

/**
 * compare's results.json: `{ metric, unit: 'percent', rows: [{ label, <metric>: { mean, std }, reference }] }`.
 * Percent values become fractions so that every chart shows metrics the same way.
 */
export function readCompareChart(json: unknown): { metric: string; rows: BarRow[]; referenceLabel?: string } | undefined {
  if (!isRecord(json) || typeof json.metric !== 'string' || !Array.isArray(json.rows)) return undefined;
  const metric = json.metric;
  const scale = json.unit === 'percent' ? 0.01 : 1;
  const parts: LabelParts[] = [];
  const rows: BarRow[] = [];
  for (const r of json.rows) {
    if (!isRecord(r) || typeof r.label !== 'string') continue;
    const summary = r[metric];
    const mean = isRecord(summary) ? num(summary.mean) : num(summary);
    if (mean === undefined) continue;
    const std = isRecord(summary) ? num(summary.std) : undefined;
    const reference = num(r.reference);
    parts.push({ label: r.label, model: str(r.model), classSet: str(r.classSet), protocol: str(r.protocol), protocolVariant: str(r.protocolVariant) });
    rows.push({
      label: r.label,
      value: mean * scale,
      ...(std === undefined ? {} : { std: std * scale }),
      ...(reference === undefined ? {} : { reference: reference * scale }),
    });
  }
  const labels = shortLabels(parts);
  rows.forEach((row, i) => (row.label = labels[i]));
  const name = json.reference;
  const referenceLabel = typeof name === 'string' && name in REFERENCE_LABELS ? REFERENCE_LABELS[name as ReferenceName] : undefined;
  return rows.length ? { metric, rows, ...(referenceLabel === undefined ? {} : { referenceLabel }) } : undefined;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** One compare row's flags as results.json holds them; rows written before compare had flags are left out. */
export interface CompareRowFlags {
  label: string;
  seeds: number[];
  flags: RowFlags;
  /** e.g. `speaker-normalised`; absent for a row of a plain protocol. */
  protocolVariant?: string;
}

/** compare's results.json rows with their `flags` (src/metrics/diagnose.ts); a malformed field reads as unknown. */
export function readCompareFlags(json: unknown): CompareRowFlags[] | undefined {
  if (!isRecord(json) || !Array.isArray(json.rows)) return undefined;
  const rows: CompareRowFlags[] = [];
  for (const r of json.rows) {
    if (!isRecord(r) || typeof r.label !== 'string' || !isRecord(r.flags)) continue;
    const f = r.flags;
    const seeds = Array.isArray(r.seeds) ? r.seeds.filter((s): s is number => typeof s === 'number') : [];
    rows.push({
      label: r.label,
      seeds,
      ...(typeof r.protocolVariant === 'string' ? { protocolVariant: r.protocolVariant } : {}),
      flags: {
        majorityRate: num(f.majorityRate) ?? null,
        majorityUpper95: num(f.majorityUpper95) ?? null,
        didNotLearn: typeof f.didNotLearn === 'boolean' ? f.didNotLearn : null,
        collapsed: seedFlags(f.collapsed),
        overfit: seedFlags(f.overfit),
      },
    });
  }
  return rows.length ? rows : undefined;
}

function seedFlags(v: unknown): SeedFlag[] | null {
  if (!Array.isArray(v)) return null;
  return v.flatMap((s) => {
    const [seed, models, of] = isRecord(s) ? [num(s.seed), num(s.models), num(s.of)] : [];
    return seed === undefined || models === undefined || of === undefined ? [] : [{ seed, models, of }];
  });
}


function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.every((row) => Array.isArray(row) && row.every((x) => typeof x === 'number'));
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
