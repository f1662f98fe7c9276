// Compare: one table across the cells of a matrix, beside reference values, as markdown, CSV and JSON.
// Cells that differ only by seed (a spec's `repeat`) become one row: mean ± std and a 95% t-interval over seeds.
// Cells that also differ by a fold (leave-one-speaker-out, `split.fold`) become one row too: per seed, every fold's
// test predictions are pooled and scored once, and the row's spread is over seeds of those pooled scores. The row
// with the best mean validation accuracy of its class set and protocol is marked: a configuration is chosen on
// validation only. Each row carries flags (did not learn, collapsed, overfit; src/metrics/diagnose.ts).

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StageError } from '../errors.js';
import { canonicalJson, type Json, type JsonObject } from '../json.js';
import { classify } from '../metrics/classification.js';
import { COLLAPSE_SHARE, DEFAULT_OVERFIT_GAP, describeFlags, diagnoseRow, type RowFlags } from '../metrics/diagnose.js';
import { summarise, type Summary } from '../metrics/seeds.js';
import { lookupReference, REFERENCE_NAMES, type ReferenceName, type ReferenceProtocol } from '../references/reference-results.js';
import { defineStage, type StageContext, type StageInput, type StageResult } from './stage.js';

export type CompareMetric = 'accuracy' | 'ua' | 'macroF1';
const METRICS: readonly CompareMetric[] = ['accuracy', 'ua', 'macroF1'];
const METRIC_LABEL: Record<CompareMetric, string> = { accuracy: 'accuracy', ua: 'UA', macroF1: 'macro-F1' };

/** The matrix key that names a repetition; cells differing only here are one row. */
const SEED_KEY = 'seed';
/** Matrix keys that carry the model and class set when the evaluate artifact does not. */
const MODEL_KEY = 'train.model';
const CLASS_SET_KEY = 'ingest.classes';

/** A fold key (`split.fold`, written by the plan's leave-one-speaker-out expansion): its cells pool into one row. */
export function isFoldKey(key: string): boolean {
  return key.split('.').pop() === 'fold';
}

export interface CompareParams {
  metric: CompareMetric;
  reference: ReferenceName | 'none';
  /** Training minus validation accuracy at the kept epoch (a fraction) above which a model is flagged overfit. */
  overfitGap?: number;
  /** Matrix keys whose values rows must share to be rivals for the validation mark (e.g. train.model). */
  selectWithin?: string[];
}

/** One evaluate artifact's per-file predictions (predictions.json), as far as pooling needs them. */
export interface CellPredictions {
  classes: string[];
  files: { utterance: string; label: number; predicted: number }[];
}

type Scores = Record<CompareMetric, number>;

/** What compare reads from each evaluate artifact's metrics.json (fractions in [0, 1]). */
export interface EvaluatedCell extends Scores {
  cell: StageInput['cell'];
  model?: string;
  classSet?: string;
  /** `random` or `speaker-independent`; undefined for an artifact written before evaluate recorded it. */
  protocol?: string;
  /** The trained model's best validation accuracy; undefined or null where unknown. */
  valAccuracy?: number | null;
  /** The training accuracy at the same (kept) epoch; undefined or null where unknown. */
  trainAccuracy?: number | null;
  /** The test confusion matrix, `matrix[t][p]`; undefined where metrics.json has none. */
  confusion?: number[][];
  /** Read only for the cells of a fold row. */
  predictions?: CellPredictions;
}

/** Accuracy of the single fold × seed evaluations of a fold row, percent. */
export interface FoldSpread {
  n: number;
  /** Sample standard deviation; null for one evaluation. */
  std: number | null;
  min: number;
  max: number;
}

export interface ResultRow {
  /** The cell's matrix values without the seed and folds, e.g. `train.model=nn ingest.classes=all7`. */
  label: string;
  values: JsonObject;
  model: string | null;
  classSet: string | null;
  seeds: number[];
  /** `random`, `speaker-independent` or `LOSO (N folds)`; null where an older artifact does not say. */
  protocol: string | null;
  /** Folds pooled per seed; null for a row without folds. */
  folds: number | null;
  /** Spread of the single folds' accuracy (every fold and seed); null for a row without folds. */
  foldAccuracy: FoldSpread | null;
  /** Percent. Over seeds; for a fold row, over seeds of the pooled scores. */
  accuracy: Summary;
  ua: Summary;
  macroF1: Summary;
  /** Mean validation accuracy over the row's cells, percent; null where any cell lacks it. */
  valAccuracy: number | null;
  /** The best mean validation accuracy among the rows of its class set and protocol (marked `*`). */
  selectedByValidation: boolean;
  /** Reference value of the compared metric, percent; null where the reference has none. */
  reference: number | null;
  /** Mean of the compared metric minus the reference, percentage points. */
  difference: number | null;
  flags: RowFlags;
}

export interface ResultsTable {
  metric: CompareMetric;
  reference: ReferenceName | 'none';
  unit: 'percent';
  /** The overfit flag's threshold, a fraction. */
  overfitGap: number;
  /** Keys whose values rows share to compete for the validation mark, beyond class set and protocol. */
  selectWithin: string[];
  /** Matrix keys (without the seed and folds) that appear in any row: the table's leading columns. */
  keys: string[];
  rows: ResultRow[];
}

/** Groups cells into rows and summarises them; pure, so the table is tested from plain objects. */
export function buildResults(cells: readonly EvaluatedCell[], params: CompareParams): ResultsTable {
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

function buildRow(group: EvaluatedCell[], params: CompareParams, overfitGap: number): ResultRow {
  const values = rowValues(group[0].cell.values);
  const model = group.map((c) => c.model).find(isString) ?? stringOrNull(values[MODEL_KEY]);
  const classSet = group.map((c) => c.classSet).find(isString) ?? stringOrNull(values[CLASS_SET_KEY]);
  const pooled = group.some((c) => Object.keys(c.cell.values).some(isFoldKey)) ? poolFolds(group) : null;
  const perSeed: Scores[] = pooled?.perSeed ?? group;
  const over = (m: CompareMetric) => summarise(perSeed.map((s) => 100 * s[m]));
  const row = { accuracy: over('accuracy'), ua: over('ua'), macroF1: over('macroF1') };
  const protocol = pooled ? `LOSO (${pooled.folds} folds)` : sharedProtocol(group);
  // A row of one held-out speaker partition is neither of the references' protocols; an artifact that does not
  // say its protocol is read as random, as table2's rows were run.
  const referenceProtocol: ReferenceProtocol | undefined = pooled ? 'loso' : protocol === 'speaker-independent' ? undefined : 'random';
  const reference =
    params.reference === 'none' || classSet === null || referenceProtocol === undefined
      ? undefined
      : lookupReference(params.reference, { model: model ?? undefined, classSet, metric: params.metric, protocol: referenceProtocol });
  return {
    label: rowLabel(values, model, classSet),
    values,
    model,
    classSet,
    seeds: pooled?.seeds ?? group.map((c) => c.cell.seed),
    protocol,
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

/**
 * Per seed, all folds' test predictions scored as one set. Pooled, not averaged over folds: a fold tests one
 * speaker, who may lack a class (EMO-DB's speaker 08 has no disgust file), so a fold's UA is over fewer classes and
 * an average of fold UAs weighs each speaker's few files of a class like another speaker's many.
 */
function poolFolds(group: EvaluatedCell[]): { seeds: number[]; folds: number; perSeed: Scores[] } {
  const bySeed = new Map<number, EvaluatedCell[]>();
  for (const c of group) bySeed.set(c.cell.seed, [...(bySeed.get(c.cell.seed) ?? []), c]);
  const perSeed = [...bySeed.entries()].map(([seed, cells]) => scorePooled(seed, cells));
  const folds = new Set(group.map((c) => canonicalJson(Object.fromEntries(Object.entries(c.cell.values).filter(([k]) => isFoldKey(k)))))).size;
  return { seeds: [...bySeed.keys()], folds, perSeed };
}

function scorePooled(seed: number, cells: EvaluatedCell[]): Scores {
  const classes = cells[0].predictions?.classes;
  const tested = new Set<string>();
  const truth: number[] = [];
  const predicted: number[] = [];
  for (const c of cells) {
    if (!c.predictions) throw new StageError(`cell ${c.cell.id} is a fold but has no predictions to pool`);
    if (canonicalJson(c.predictions.classes) !== canonicalJson(classes!)) {
      throw new StageError(`cell ${c.cell.id} has classes ${c.predictions.classes.join(', ')}, another fold of seed ${seed} has ${classes!.join(', ')}`);
    }
    for (const f of c.predictions.files) {
      // Folds partition the files: a file tested twice means the cells were not folds of one split.
      if (tested.has(f.utterance)) throw new StageError(`${f.utterance} is tested in two folds of seed ${seed}`, {}, 'folds of one row must test disjoint speakers');
      tested.add(f.utterance);
      truth.push(f.label);
      predicted.push(f.predicted);
    }
  }
  const { scores } = classify(truth, predicted, classes!.length);
  return { accuracy: scores.accuracy, ua: scores.ua, macroF1: scores.macroF1 };
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

/**
 * Marks, per class set and protocol, the row(s) with the highest mean validation accuracy, where at least two rows
 * have one to choose between. Test scores play no part: choosing the best row on test would make its test score
 * an optimistic estimate.
 */
function markSelection(rows: ResultRow[], within: readonly string[]): ResultRow[] {
  // Rows are rivals only under the same class set and protocol: a random split's validation speakers are also
  // its training speakers, so its validation accuracy is not comparable with a LOSO row's. `within` narrows the
  // rivals further (a sweep of several models' settings marks each model's best).
  const bySet = new Map<string, ResultRow[]>();
  for (const r of rows) {
    if (r.valAccuracy === null) continue;
    const id = [r.classSet, r.protocol, ...within.map((k) => JSON.stringify(k === MODEL_KEY ? (r.values[k] ?? r.model) : (r.values[k] ?? null)))].join('|');
    bySet.set(id, [...(bySet.get(id) ?? []), r]);
  }
  for (const candidates of bySet.values()) {
    if (candidates.length < 2) continue;
    const best = Math.max(...candidates.map((r) => r.valAccuracy!));
    for (const r of candidates) r.selectedByValidation = r.valAccuracy === best;
  }
  return rows;
}

function rowValues(values: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(values).filter(([k]) => k !== SEED_KEY && !isFoldKey(k)));
}

/** The matrix values; a plan without a matrix has none, so the model and class set name its one row. */
function rowLabel(values: JsonObject, model: string | null, classSet: string | null): string {
  const entries = Object.entries(values);
  // A null matrix value left the key out of the cell: not part of what names the row.
  const named = entries.filter(([, v]) => v !== null);
  if (named.length > 0) return named.map(([k, v]) => `${k}=${formatValue(v)}`).join(' ');
  return [model, classSet].filter(isString).join(' ') || 'all';
}

function formatValue(v: Json): string {
  if (v === null) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

// ---- rendering: percentages with 2 decimals, differences signed ----

const pct = (v: number) => v.toFixed(2);
/** `+1.25`, `-0.40`, `0.00`: the sign of the rounded value, so a tiny negative never prints as `-0.00`. */
const signed = (v: number) => {
  const r = Number(v.toFixed(2));
  return (r > 0 ? '+' : r < 0 ? '-' : '') + Math.abs(r).toFixed(2);
};
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
      ...table.keys.map((k) => (k in r.values ? formatValue(r.values[k]) : '')),
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
  return `\`*\` highest mean validation accuracy among the rows of its class set and protocol${within}: the configuration chosen on validation, never on test.${pooled}\n\n${flags}\n`;
}

export function renderCsv(table: ResultsTable): string {
  const head = ['label', ...table.keys, 'seeds'];
  for (const k of METRICS) head.push(`${k}_mean`, `${k}_std`, `${k}_ci95_low`, `${k}_ci95_high`);
  head.push('reference', 'difference', 'protocol', 'val_accuracy', 'selected_by_validation', 'folds', 'fold_accuracy_std', 'fold_accuracy_min', 'fold_accuracy_max');
  head.push('majority_rate', 'majority_upper95', 'flags');
  const opt = (v: number | null | undefined) => (v === null || v === undefined ? '' : pct(v));
  const body = table.rows.map((r) => {
    const cells = [r.label, ...table.keys.map((k) => (k in r.values ? formatValue(r.values[k]) : '')), String(r.accuracy.n)];
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

// ---- the stage ----

/**
 * Reads one evaluate artifact's metrics.json, and its predictions.json when the cell is a fold. The model, class
 * set, protocol and validation accuracy are optional (older or partial artifacts).
 */
export async function readEvaluatedCell(input: StageInput): Promise<EvaluatedCell> {
  const path = join(input.dir, 'metrics.json');
  const parsed = await readJsonObject(path);
  const score = (k: CompareMetric) => {
    const v = parsed[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StageError(`expected a number at ${k}, found ${JSON.stringify(v)}`, { file: path });
    }
    return v;
  };
  const validation = isObject(parsed.validation) ? parsed.validation.accuracy : undefined;
  const training = isObject(parsed.training) ? parsed.training.accuracy : undefined;
  const confusion = isObject(parsed.confusion) ? parsed.confusion.matrix : undefined;
  const isFold = Object.keys(input.cell.values).some(isFoldKey);
  return {
    cell: input.cell,
    model: isString(parsed.model) ? parsed.model : undefined,
    classSet: isString(parsed.classSet) ? parsed.classSet : undefined,
    protocol: isString(parsed.protocol) ? parsed.protocol : undefined,
    valAccuracy: typeof validation === 'number' ? validation : null,
    trainAccuracy: typeof training === 'number' ? training : null,
    ...(isCountMatrix(confusion) ? { confusion } : {}),
    accuracy: score('accuracy'),
    ua: score('ua'),
    macroF1: score('macroF1'),
    ...(isFold ? { predictions: await readPredictions(join(input.dir, 'predictions.json')) } : {}),
  };
}

async function readPredictions(path: string): Promise<CellPredictions> {
  const parsed = await readJsonObject(path);
  const { classes, files } = parsed;
  const isFile = (f: unknown) => isObject(f) && isString(f.utterance) && Number.isInteger(f.label) && Number.isInteger(f.predicted);
  if (!Array.isArray(classes) || !classes.every(isString) || !Array.isArray(files) || !files.every(isFile)) {
    throw new StageError('expected {classes, files: [{utterance, label, predicted}]}', { file: path }, 'the artifact is damaged; re-run evaluate with --force');
  }
  return { classes, files: files as CellPredictions['files'] };
}

async function readJsonObject(path: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new StageError(`cannot read ${path}: ${(err as Error).message}`, { file: path }, 'compare needs evaluate stages');
  }
  if (!isObject(parsed)) throw new StageError('expected a JSON object', { file: path }, 'compare needs evaluate stages');
  return parsed;
}

export async function runCompare(ctx: StageContext<CompareParams>): Promise<StageResult> {
  // One input per evaluate instance; an instance shared by several cells arrives once, but guard against repeats.
  const byKey = new Map(ctx.inputs.filter((i) => i.type === 'evaluate').map((i) => [i.key, i]));
  const inputs = [...byKey.values()];
  if (inputs.length === 0) {
    throw new StageError('has no evaluate inputs to compare', { stage: ctx.name }, 'give compare `needs: [evaluate]`');
  }
  const table = buildResults(await Promise.all(inputs.map(readEvaluatedCell)), ctx.params);
  const markdown = renderMarkdown(table) + '\n' + renderLegend(table);
  await writeFile(join(ctx.outDir, 'results.md'), markdown);
  await writeFile(join(ctx.outDir, 'results.csv'), renderCsv(table));
  await writeFile(join(ctx.outDir, 'results.json'), JSON.stringify(table, null, 2) + '\n');
  await writeFile(join(ctx.outDir, 'chart.svg'), await barChart(table));
  const sweep = sweepAxis(table);
  if (sweep) await writeFile(join(ctx.outDir, 'sweep.svg'), await sweepChart(table, sweep));
  return { metrics: { rows: table.rows.length, cells: inputs.length }, summary: markdown };
}

/**
 * The matrix key a sweep varies: the one key whose values are all numbers and take more than two values, or, when
 * several such keys vary together (a zipped key such as `split.train+split.test`), the last of them.
 */
export function sweepAxis(table: ReturnType<typeof buildResults>): string | undefined {
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
async function sweepChart(table: ReturnType<typeof buildResults>, axis: string): Promise<string> {
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

function isNumericAxis(table: ReturnType<typeof buildResults>, key: string): boolean {
  return table.rows.every((r) => typeof r.values[key] === 'number');
}

/** The cells' mean metric beside the reference values, as an SVG bar chart (vega loaded only here). */
async function barChart(table: ReturnType<typeof buildResults>): Promise<string> {
  const { barChartSvg } = await import('../charts/bar-chart.js');
  const m = table.metric;
  const bars = table.rows.map((r) => ({
    label: r.label,
    value: (r[m].mean ?? 0) / 100,
    ...(r[m].std === null ? {} : { std: r[m].std / 100 }),
    ...(r.reference === null ? {} : { reference: r.reference / 100 }),
  }));
  return barChartSvg(bars, m);
}

/** A square matrix of counts; anything else leaves the flags that need it unknown. */
function isCountMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.every((row) => Array.isArray(row) && row.length === v.length && row.every((x) => Number.isInteger(x) && x >= 0));
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringOrNull(v: Json | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

export const compareStage = defineStage<CompareParams>({
  type: 'compare',
  // 2: protocol and validation columns, fold rows pooled. 3: the validation mark per class set and protocol.
  // 4: the flags column (did not learn, collapsed, overfit) and its legend.
  version: 4,
  usesSeed: false,
  scope: 'plan',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      metric: { enum: ['accuracy', 'ua', 'macroF1'], default: 'accuracy' },
      reference: { enum: [...REFERENCE_NAMES, 'none'], default: 'none' },
      overfitGap: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        default: DEFAULT_OVERFIT_GAP,
        description: 'flag a model overfit when training minus validation accuracy at the kept epoch is above this (a fraction)',
      },
      selectWithin: {
        type: 'array',
        items: { type: 'string' },
        description: 'matrix keys (e.g. train.model) whose values rows must share to compete for the validation mark (default: class set and protocol only)',
      },
    },
  },
  run: runCompare,
});
