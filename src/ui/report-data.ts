// What `pipe report` puts on its page, gathered from the store's rows and the run's artifact folders. Artifact
// files are read defensively: a missing, collected (`pipe gc`) or older-format file leaves a note, not an error.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { barChartSvg, type BarRow } from '../charts/bar-chart.js';
import { confusionMatrixSvg } from '../charts/confusion-matrix.js';
import { learningCurvesSvg, type EpochRecord } from '../charts/learning-curves.js';

/** The part of the experiment store the report reads (src/store/db.ts's ExperimentStore has it). */
export interface ReportSource {
  getRun(ref: string): ReportRun;
  getRunStages(runId: string): ReportStageRow[];
  getRunMetrics(runId: string): { instanceId: string; name: string; value: number }[];
  getStageResult(key: string): { type: string; artifactPath: string } | null | undefined;
}

export interface ReportRun {
  id: string;
  name?: string | null;
  status: string;
  startedAt: string;
  ms?: number | null;
  backend?: string | null;
  specPath: string;
  overrides?: Record<string, unknown> | null;
  tags?: string[] | null;
}

export interface ReportStageRow {
  instanceId: string;
  stageName: string;
  key: string;
  status: string;
  ms?: number | null;
  error?: string | null;
}

export interface ReportData {
  run: ReportRun;
  stages: ReportStageRow[];
  /** instance id → metric name → value, in stage order. */
  metrics: { instanceId: string; values: Record<string, number> }[];
  evaluations: { instanceId: string; svg: string }[];
  trainings: { instanceId: string; epochs: number; svg: string }[];
  comparisons: { instanceId: string; markdown?: string; svg?: string }[];
  /** What could not be read, said on the page instead of failing the report. */
  notes: string[];
}

export async function collectReport(source: ReportSource, ref: string): Promise<ReportData> {
  const run = source.getRun(ref);
  const stages = source.getRunStages(run.id);
  const data: ReportData = { run, stages, metrics: pivotMetrics(source.getRunMetrics(run.id)), evaluations: [], trainings: [], comparisons: [], notes: [] };
  for (const stage of stages) {
    const result = source.getStageResult(stage.key);
    const type = result?.type ?? stage.stageName;
    if (!['evaluate', 'train', 'compare'].includes(type) || !['ran', 'cached'].includes(stage.status)) continue;
    if (!result) {
      data.notes.push(`${stage.instanceId}: the store has no artifact for key ${stage.key.slice(0, 10)}`);
      continue;
    }
    const dir = result.artifactPath;
    if (type === 'evaluate') await addEvaluation(data, stage.instanceId, dir);
    else if (type === 'train') await addTraining(data, stage.instanceId, dir);
    else await addComparison(data, stage.instanceId, dir);
  }
  return data;
}

function pivotMetrics(rows: { instanceId: string; name: string; value: number }[]): ReportData['metrics'] {
  const byInstance = new Map<string, Record<string, number>>();
  for (const r of rows) byInstance.set(r.instanceId, { ...(byInstance.get(r.instanceId) ?? {}), [r.name]: r.value });
  return [...byInstance].map(([instanceId, values]) => ({ instanceId, values }));
}

async function addEvaluation(data: ReportData, instanceId: string, dir: string): Promise<void> {
  const svg = await readText(join(dir, 'confusion.svg'));
  if (svg !== undefined) {
    data.evaluations.push({ instanceId, svg });
    return;
  }
  const confusion = readConfusion(await readJson(join(dir, 'metrics.json')));
  if (!confusion) {
    data.notes.push(`${instanceId}: no confusion matrix in ${join(dir, 'metrics.json')}`);
    return;
  }
  data.evaluations.push({ instanceId, svg: await confusionMatrixSvg(confusion.classes, confusion.matrix, instanceId) });
}

/** evaluate's metrics.json: `confusion: { classes, matrix }`, or the classes beside a bare matrix. */
export function readConfusion(json: unknown): { classes: string[]; matrix: number[][] } | undefined {
  if (!isObject(json)) return undefined;
  const c = json.confusion;
  const matrix = isObject(c) ? c.matrix : c;
  const classes = (isObject(c) ? c.classes : undefined) ?? json.classes;
  if (!isStringArray(classes) || !isMatrix(matrix) || matrix.length !== classes.length) return undefined;
  return { classes, matrix };
}

async function addTraining(data: ReportData, instanceId: string, dir: string): Promise<void> {
  const history = readHistory(await readJson(join(dir, 'history.json')));
  const svg = (await readText(join(dir, 'curves.svg'))) ?? (history?.length ? await learningCurvesSvg(history, instanceId) : undefined);
  if (svg === undefined) {
    data.notes.push(`${instanceId}: no training history in ${dir}`);
    return;
  }
  data.trainings.push({ instanceId, epochs: history?.length ?? 0, svg });
}

/** train's history.json: an array of per-epoch records, or `{ history: [...] }`; Keras-style names accepted too. */
export function readHistory(json: unknown): EpochRecord[] | undefined {
  const list = isObject(json) ? json.history : json;
  if (!Array.isArray(list)) return undefined;
  const records = list.filter(isObject).map((h, i) => ({
    epoch: num(h.epoch) ?? i + 1,
    loss: num(h.loss) ?? Number.NaN,
    accuracy: num(h.accuracy) ?? num(h.acc) ?? Number.NaN,
    valLoss: num(h.valLoss) ?? num(h.val_loss) ?? Number.NaN,
    valAccuracy: num(h.valAccuracy) ?? num(h.val_acc) ?? num(h.val_accuracy) ?? Number.NaN,
  }));
  return records.length ? records : undefined;
}

async function addComparison(data: ReportData, instanceId: string, dir: string): Promise<void> {
  const markdown = await readText(join(dir, 'results.md'));
  let svg = await readText(join(dir, 'chart.svg'));
  if (svg === undefined) {
    const chart = readCompareChart(await readJson(join(dir, 'results.json')));
    if (chart) svg = await barChartSvg(chart.rows, chart.metric);
  }
  if (markdown === undefined && svg === undefined) data.notes.push(`${instanceId}: no results in ${dir}`);
  else data.comparisons.push({ instanceId, markdown, svg });
}

/**
 * compare's results.json: `{ metric, unit: 'percent', rows: [{ label, <metric>: { mean, std }, reference }] }`.
 * Percent values become fractions so that every chart shows metrics the same way.
 */
export function readCompareChart(json: unknown): { metric: string; rows: BarRow[] } | undefined {
  if (!isObject(json) || typeof json.metric !== 'string' || !Array.isArray(json.rows)) return undefined;
  const metric = json.metric;
  const scale = json.unit === 'percent' ? 0.01 : 1;
  const rows: BarRow[] = [];
  for (const r of json.rows) {
    if (!isObject(r) || typeof r.label !== 'string') continue;
    const summary = r[metric];
    const mean = isObject(summary) ? num(summary.mean) : num(summary);
    if (mean === undefined) continue;
    const std = isObject(summary) ? num(summary.std) : undefined;
    const reference = num(r.reference);
    rows.push({
      label: r.label,
      value: mean * scale,
      ...(std === undefined ? {} : { std: std * scale }),
      ...(reference === undefined ? {} : { reference: reference * scale }),
    });
  }
  return rows.length ? { metric, rows } : undefined;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readText(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
