// Compare's table across the cells of a matrix, beside reference values. Cells that differ only by seed (a spec's
// `repeat`) become one row: mean ± std and a 95% t-interval over seeds. Cells that also differ by a fold
// (leave-one-speaker-out, `split.fold`) become one row too, their predictions pooled per seed (pool-folds.ts). The
// row chosen on validation is marked (validation-mark.ts); each row carries flags (diagnose.ts).

import { canonicalJson, type Json, type JsonObject } from '../json.js';
import { lookupReference, type ReferenceProtocol } from '../references/reference-results.js';
import { DEFAULT_OVERFIT_GAP, diagnoseRow } from './diagnose.js';
import { isFoldKey, poolFolds } from './pool-folds.js';
import {
  CLASS_SET_KEY,
  MODEL_KEY,
  SEED_KEY,
  type CompareMetric,
  type EvaluatedCell,
  type FoldSpread,
  type ResultRow,
  type ResultsOptions,
  type ResultsTable,
  type Scores,
} from './results-types.js';
import { summarise } from './seeds.js';
import { markSelection } from './validation-mark.js';

/** Groups cells into rows and summarises them; pure, so the table is tested from plain objects. */
export function buildResults(cells: readonly EvaluatedCell[], params: ResultsOptions): ResultsTable {
  const groups = new Map<string, EvaluatedCell[]>();
  for (const c of cells) {
    const id = canonicalJson(rowValues(c.cell.values));
    groups.set(id, [...(groups.get(id) ?? []), c]);
  }
  const overfitGap = params.overfitGap ?? DEFAULT_OVERFIT_GAP;
  const rows = markSelection([...groups.values()].map((group) => buildRow(group, params, overfitGap)), params.selectWithin ?? []);
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  return { metric: params.metric, reference: params.reference, unit: 'percent', overfitGap, selectWithin: params.selectWithin ?? [], keys, rows };
}

function buildRow(group: EvaluatedCell[], params: ResultsOptions, overfitGap: number): ResultRow {
  const values = rowValues(group[0].cell.values);
  const model = group.map((c) => c.model).find(isString) ?? stringOrNull(values[MODEL_KEY]);
  const classSet = group.map((c) => c.classSet).find(isString) ?? stringOrNull(values[CLASS_SET_KEY]);
  const pooled = group.some((c) => Object.keys(c.cell.values).some(isFoldKey)) ? poolFolds(group) : null;
  const perSeed: Scores[] = pooled?.perSeed ?? group;
  const over = (m: CompareMetric) => summarise(perSeed.map((s) => 100 * s[m]));
  const row = { accuracy: over('accuracy'), ua: over('ua'), macroF1: over('macroF1') };
  const baseProtocol = pooled ? `LOSO (${pooled.folds} folds)` : sharedProtocol(group);
  // A row of one held-out speaker partition is neither of the references' protocols; an artifact that does not
  // say its protocol is read as random, as table2's rows were run.
  const referenceProtocol: ReferenceProtocol | undefined = pooled ? 'loso' : baseProtocol === 'speaker-independent' ? undefined : 'random';
  // A variant (features standardised per speaker) is part of the protocol: its rows compete for the validation
  // mark only among themselves, and every rendering of the row names it.
  const variant = group.map((c) => c.protocolVariant).find(isString);
  const protocol = variant === undefined ? baseProtocol : `${baseProtocol ?? 'protocol unknown'} · ${variant}`;
  const reference =
    params.reference === 'none' || classSet === null || referenceProtocol === undefined
      ? undefined
      : lookupReference(params.reference, { model: model ?? undefined, classSet, metric: params.metric, protocol: referenceProtocol });
  const label = rowLabel(values, model, classSet);
  return {
    label: variant === undefined ? label : `${label} (${variant})`,
    values,
    model,
    classSet,
    seeds: pooled?.seeds ?? group.map((c) => c.cell.seed),
    protocol,
    ...(variant === undefined ? {} : { protocolVariant: variant }),
    folds: pooled?.folds ?? null,
    foldAccuracy: pooled ? spread(group.map((c) => 100 * c.accuracy)) : null,
    ...row,
    valAccuracy: meanValAccuracy(group),
    selectedByValidation: false,
    reference: reference ?? null,
    difference: reference === undefined ? null : row[params.metric].mean - reference,
    flags: diagnoseRow(
      group.map((c) => ({ seed: c.cell.seed, confusion: c.confusion, trainAccuracy: c.trainAccuracy, valAccuracy: c.valAccuracy })),
      row.accuracy.mean,
      overfitGap,
    ),
  };
}

/** A matrix value as the table's cells and row labels show it; null (a key the cell left out) is `—`. */
export function formatCellValue(v: Json): string {
  if (v === null) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function spread(values: number[]): FoldSpread {
  const { n, std } = summarise(values);
  return { n, std, min: Math.min(...values), max: Math.max(...values) };
}

/** The protocol every cell of the row states; null where one does not (an older artifact) or they differ. */
function sharedProtocol(group: EvaluatedCell[]): string | null {
  const protocols = new Set(group.map((c) => c.protocol));
  const [only] = protocols;
  return protocols.size === 1 && isString(only) ? only : null;
}

function meanValAccuracy(group: EvaluatedCell[]): number | null {
  const values = group.map((c) => c.valAccuracy);
  if (!values.every((v): v is number => typeof v === 'number')) return null;
  return (100 * values.reduce((a, b) => a + b, 0)) / values.length;
}

function rowValues(values: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(values).filter(([k]) => k !== SEED_KEY && !isFoldKey(k)));
}

/** The matrix values; a plan without a matrix has none, so the model and class set name its one row. */
function rowLabel(values: JsonObject, model: string | null, classSet: string | null): string {
  const entries = Object.entries(values);
  // A null matrix value left the key out of the cell: not part of what names the row.
  const named = entries.filter(([, v]) => v !== null);
  if (named.length > 0) return named.map(([k, v]) => `${k}=${formatCellValue(v)}`).join(' ');
  return [model, classSet].filter(isString).join(' ') || 'all';
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

function stringOrNull(v: Json | undefined): string | null {
  return typeof v === 'string' ? v : null;
}
