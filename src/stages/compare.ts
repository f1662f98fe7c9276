// Compare: one table across the cells of a matrix, beside reference values, as markdown, CSV and JSON.
// Cells that differ only by seed (a spec's `repeat`) become one row: mean ± std and a 95% t-interval over seeds.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StageError } from '../errors.js';
import { canonicalJson, type Json, type JsonObject } from '../json.js';
import { summarise, type Summary } from '../metrics/seeds.js';
import { lookupReference, type ReferenceName } from '../references/paper-table2.js';
import { defineStage, type StageContext, type StageInput, type StageResult } from './stage.js';

export type CompareMetric = 'accuracy' | 'ua' | 'macroF1';
const METRICS: readonly CompareMetric[] = ['accuracy', 'ua', 'macroF1'];
const METRIC_LABEL: Record<CompareMetric, string> = { accuracy: 'accuracy', ua: 'UA', macroF1: 'macro-F1' };

/** The matrix key that names a repetition; cells differing only here are one row. */
const SEED_KEY = 'seed';
/** Matrix keys that carry the model and class set when the evaluate artifact does not. */
const MODEL_KEY = 'train.model';
const CLASS_SET_KEY = 'ingest.classes';

export interface CompareParams {
  metric: CompareMetric;
  reference: ReferenceName | 'none';
}

/** What compare reads from each evaluate artifact's metrics.json (fractions in [0, 1]). */
export interface EvaluatedCell {
  cell: StageInput['cell'];
  model?: string;
  classSet?: string;
  accuracy: number;
  ua: number;
  macroF1: number;
}

export interface ResultRow {
  /** The cell's matrix values without the seed, e.g. `train.model=nn ingest.classes=all7`. */
  label: string;
  values: JsonObject;
  model: string | null;
  classSet: string | null;
  seeds: number[];
  /** Percent. */
  accuracy: Summary;
  ua: Summary;
  macroF1: Summary;
  /** Reference value of the compared metric, percent; null where the reference has none. */
  reference: number | null;
  /** Mean of the compared metric minus the reference, percentage points. */
  difference: number | null;
}

export interface ResultsTable {
  metric: CompareMetric;
  reference: ReferenceName | 'none';
  unit: 'percent';
  /** Matrix keys (without the seed) that appear in any row: the table's leading columns. */
  keys: string[];
  rows: ResultRow[];
}

/** Groups cells into rows and summarises them; pure, so the table is tested from plain objects. */
export function buildResults(cells: readonly EvaluatedCell[], params: CompareParams): ResultsTable {
  const groups = new Map<string, EvaluatedCell[]>();
  for (const c of cells) {
    const id = canonicalJson(withoutSeed(c.cell.values));
    groups.set(id, [...(groups.get(id) ?? []), c]);
  }
  const rows = [...groups.values()].map((group) => buildRow(group, params));
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  return { metric: params.metric, reference: params.reference, unit: 'percent', keys, rows };
}

function buildRow(group: EvaluatedCell[], params: CompareParams): ResultRow {
  const values = withoutSeed(group[0].cell.values);
  const model = group.map((c) => c.model).find(isString) ?? stringOrNull(values[MODEL_KEY]);
  const classSet = group.map((c) => c.classSet).find(isString) ?? stringOrNull(values[CLASS_SET_KEY]);
  const over = (m: CompareMetric) => summarise(group.map((c) => 100 * c[m]));
  const row = { accuracy: over('accuracy'), ua: over('ua'), macroF1: over('macroF1') };
  const reference =
    params.reference === 'none' || model === null || classSet === null
      ? undefined
      : lookupReference(params.reference, { model, classSet, metric: params.metric });
  return {
    label: rowLabel(values, model, classSet),
    values,
    model,
    classSet,
    seeds: group.map((c) => c.cell.seed),
    ...row,
    reference: reference ?? null,
    difference: reference === undefined ? null : row[params.metric].mean - reference,
  };
}

function withoutSeed(values: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(values).filter(([k]) => k !== SEED_KEY));
}

/** The matrix values; a plan without a matrix has none, so the model and class set name its one row. */
function rowLabel(values: JsonObject, model: string | null, classSet: string | null): string {
  const entries = Object.entries(values);
  if (entries.length > 0) return entries.map(([k, v]) => `${k}=${formatValue(v)}`).join(' ');
  return [model, classSet].filter(isString).join(' ') || 'all';
}

function formatValue(v: Json): string {
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

export function renderMarkdown(table: ResultsTable): string {
  const m = METRIC_LABEL[table.metric];
  const head = [...table.keys, 'seeds', ...METRICS.map((k) => `${METRIC_LABEL[k]} %`), `${m} 95% CI`];
  if (table.reference !== 'none') head.push(`${table.reference} ${m} %`, 'Δ');
  const body = table.rows.map((r) => {
    const cells = [
      ...table.keys.map((k) => (k in r.values ? formatValue(r.values[k]) : '')),
      String(r.accuracy.n),
      ...METRICS.map((k) => meanStd(r[k])),
      interval(r[table.metric]),
    ];
    if (table.reference !== 'none') {
      cells.push(r.reference === null ? '—' : pct(r.reference), r.difference === null ? '—' : signed(r.difference));
    }
    return cells;
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rule = head.map((_, i) => (i < table.keys.length ? '---' : '---:'));
  return [line(head), line(rule), ...body.map(line)].join('\n') + '\n';
}

export function renderCsv(table: ResultsTable): string {
  const head = ['label', ...table.keys, 'seeds'];
  for (const k of METRICS) head.push(`${k}_mean`, `${k}_std`, `${k}_ci95_low`, `${k}_ci95_high`);
  head.push('reference', 'difference');
  const opt = (v: number | null | undefined) => (v === null || v === undefined ? '' : pct(v));
  const body = table.rows.map((r) => {
    const cells = [r.label, ...table.keys.map((k) => (k in r.values ? formatValue(r.values[k]) : '')), String(r.accuracy.n)];
    for (const k of METRICS) cells.push(pct(r[k].mean), opt(r[k].std), opt(r[k].ci95?.[0]), opt(r[k].ci95?.[1]));
    cells.push(opt(r.reference), r.difference === null ? '' : signed(r.difference));
    return cells.map(csvField).join(',');
  });
  return [head.map(csvField).join(','), ...body].join('\n') + '\n';
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// ---- the stage ----

/** Reads one evaluate artifact's metrics.json; the model and class set are optional (older or partial artifacts). */
export async function readEvaluatedCell(input: StageInput): Promise<EvaluatedCell> {
  const path = join(input.dir, 'metrics.json');
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new StageError(`cannot read ${path}: ${(err as Error).message}`, { file: path }, 'compare needs evaluate stages');
  }
  const score = (k: CompareMetric) => {
    const v = parsed[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StageError(`expected a number at ${k}, found ${JSON.stringify(v)}`, { file: path });
    }
    return v;
  };
  return {
    cell: input.cell,
    model: isString(parsed.model) ? parsed.model : undefined,
    classSet: isString(parsed.classSet) ? parsed.classSet : undefined,
    accuracy: score('accuracy'),
    ua: score('ua'),
    macroF1: score('macroF1'),
  };
}

export async function runCompare(ctx: StageContext<CompareParams>): Promise<StageResult> {
  // One input per evaluate instance; an instance shared by several cells arrives once, but guard against repeats.
  const byKey = new Map(ctx.inputs.filter((i) => i.type === 'evaluate').map((i) => [i.key, i]));
  const inputs = [...byKey.values()];
  if (inputs.length === 0) {
    throw new StageError('has no evaluate inputs to compare', { stage: ctx.name }, 'give compare `needs: [evaluate]`');
  }
  const table = buildResults(await Promise.all(inputs.map(readEvaluatedCell)), ctx.params);
  const markdown = renderMarkdown(table);
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

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

function stringOrNull(v: Json | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

export const compareStage = defineStage<CompareParams>({
  type: 'compare',
  version: 1,
  usesSeed: false,
  scope: 'plan',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      metric: { enum: ['accuracy', 'ua', 'macroF1'], default: 'accuracy' },
      reference: { enum: ['paper-table2', 'none'], default: 'none' },
    },
  },
  run: runCompare,
});
