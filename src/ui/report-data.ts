// What `pipe report` puts on its page, gathered from the store's rows and the run's artifact folders. Artifact
// files are read defensively: a missing, collected (`pipe gc`) or older-format file leaves a note, not an error.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { barChartSvg } from '../charts/bar-chart.js';
import { confusionMatrixSvg } from '../charts/confusion-matrix.js';
import { learningCurvesSvg } from '../charts/learning-curves.js';
import { readCompareChart, readConfusion, readHistory } from './artifact-files.js';

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

async function addTraining(data: ReportData, instanceId: string, dir: string): Promise<void> {
  const history = readHistory(await readJson(join(dir, 'history.json')));
  const svg = (await readText(join(dir, 'curves.svg'))) ?? (history?.length ? await learningCurvesSvg(history, instanceId) : undefined);
  if (svg === undefined) {
    data.notes.push(`${instanceId}: no training history in ${dir}`);
    return;
  }
  data.trainings.push({ instanceId, epochs: history?.length ?? 0, svg });
}

async function addComparison(data: ReportData, instanceId: string, dir: string): Promise<void> {
  const markdown = await readText(join(dir, 'results.md'));
  let svg = await readText(join(dir, 'chart.svg'));
  if (svg === undefined) {
    const chart = readCompareChart(await readJson(join(dir, 'results.json')));
    if (chart) svg = await barChartSvg(chart.rows, chart.metric, chart.referenceLabel);
  }
  if (markdown === undefined && svg === undefined) data.notes.push(`${instanceId}: no results in ${dir}`);
  else data.comparisons.push({ instanceId, markdown, svg });
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
