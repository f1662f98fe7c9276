// Compare: one table across the cells of a matrix, beside reference values, as markdown, CSV, JSON and charts.
// The table is built in src/metrics/results-table.ts (seeds summarised, folds pooled, the validation mark, flags)
// and drawn by src/render/; this stage reads the evaluate artifacts and writes the files.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StageError } from '../errors.js';
import { isRecord } from '../json.js';
import { DEFAULT_OVERFIT_GAP } from '../metrics/diagnose.js';
import { isFoldKey } from '../metrics/pool-folds.js';
import type { CellPredictions, CompareMetric, EvaluatedCell, ResultsOptions } from '../metrics/results-types.js';
import { REFERENCE_NAMES } from '../references/reference-results.js';
import { defineStage, readInputJson, type StageContext, type StageInput, type StageResult } from './stage.js';

export type CompareParams = ResultsOptions;

/**
 * Reads one evaluate artifact's metrics.json, and its predictions.json when the cell is a fold. The model, class
 * set, protocol and validation accuracy are optional (older or partial artifacts).
 */
export async function readEvaluatedCell(input: StageInput): Promise<EvaluatedCell> {
  const path = join(input.dir, 'metrics.json');
  const parsed = await readInputJson(path, 'compare needs evaluate stages');
  const score = (k: CompareMetric) => {
    const v = parsed[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StageError(`expected a number at ${k}, found ${JSON.stringify(v)}`, { file: path });
    }
    return v;
  };
  const validation = isRecord(parsed.validation) ? parsed.validation.accuracy : undefined;
  const training = isRecord(parsed.training) ? parsed.training.accuracy : undefined;
  const confusion = isRecord(parsed.confusion) ? parsed.confusion.matrix : undefined;
  const isFold = Object.keys(input.cell.values).some(isFoldKey);
  return {
    cell: input.cell,
    model: isString(parsed.model) ? parsed.model : undefined,
    classSet: isString(parsed.classSet) ? parsed.classSet : undefined,
    protocol: isString(parsed.protocol) ? parsed.protocol : undefined,
    ...(isString(parsed.protocolVariant) ? { protocolVariant: parsed.protocolVariant } : {}),
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
  const parsed = await readInputJson(path, 'compare needs evaluate stages');
  const { classes, files } = parsed;
  const isFile = (f: unknown) => isRecord(f) && isString(f.utterance) && Number.isInteger(f.label) && Number.isInteger(f.predicted);
  if (!Array.isArray(classes) || !classes.every(isString) || !Array.isArray(files) || !files.every(isFile)) {
    throw new StageError('expected {classes, files: [{utterance, label, predicted}]}', { file: path }, 'the artifact is damaged; re-run evaluate with --force');
  }
  return { classes, files: files as CellPredictions['files'] };
}


export async function runCompare(ctx: StageContext<CompareParams>): Promise<StageResult> {
  // One input per evaluate (or ensemble, same format) instance; an instance shared by several cells arrives once, but
  // guard against repeats.
  const byKey = new Map(ctx.inputs.filter((i) => i.type === 'evaluate' || i.type === 'ensemble').map((i) => [i.key, i]));
  const inputs = [...byKey.values()];
  if (inputs.length === 0) {
    throw new StageError('has no evaluate inputs to compare', { stage: ctx.name }, 'give compare `needs: [evaluate]`');
  }
  // Rows group cells by their matrix values; inputs from several stages of one cell (evaluate_a, evaluate_b, an
  // ensemble of them) are told apart by a `stage` value, else they would share a row as if they were seeds.
  const stages = new Set(inputs.map((i) => i.name));
  const cells = inputs.map((i) => (stages.size > 1 ? { ...i, cell: { ...i.cell, values: { stage: i.name, ...i.cell.values } } } : i));
  // The table and its renderers are imported when the stage runs: planning and a cached run load this file for its
  // definition only.
  const [{ buildResults }, { renderLegend, renderMarkdown }, { renderCsv }, { barChart, sweepAxis, sweepChart }] = await Promise.all([
    import('../metrics/results-table.js'),
    import('../render/results-markdown.js'),
    import('../render/results-csv.js'),
    import('../render/results-charts.js'),
  ]);
  const table = buildResults(await Promise.all(cells.map(readEvaluatedCell)), ctx.params);
  const markdown = renderMarkdown(table) + '\n' + renderLegend(table);
  await writeFile(join(ctx.outDir, 'results.md'), markdown);
  await writeFile(join(ctx.outDir, 'results.csv'), renderCsv(table));
  await writeFile(join(ctx.outDir, 'results.json'), JSON.stringify(table, null, 2) + '\n');
  await writeFile(join(ctx.outDir, 'chart.svg'), await barChart(table));
  const sweep = sweepAxis(table);
  if (sweep) await writeFile(join(ctx.outDir, 'sweep.svg'), await sweepChart(table, sweep));
  return { metrics: { rows: table.rows.length, cells: inputs.length }, summary: markdown };
}

/** A square matrix of counts; anything else leaves the flags that need it unknown. */
function isCountMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.every((row) => Array.isArray(row) && row.length === v.length && row.every((x) => Number.isInteger(x) && x >= 0));
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}


export const compareStage = defineStage<CompareParams>({
  type: 'compare',
  // 2: protocol and validation columns, fold rows pooled. 3: the validation mark per class set and protocol.
  // 4: the flags column (did not learn, collapsed, overfit) and its legend. 5: the bar chart labels its bars by
  // model and class set where those tell the rows apart. 6: ensemble inputs; inputs from several stages get a row
  // each (a `stage` column) instead of sharing one. 7: the bar chart adds the protocol to a bar's short name where
  // model and class set repeat, and names the reference bars by their reference (not always "paper"). 8: bar labels
  // up to 400 px before they are cut (a protocol with its variant was cut at 220).
  version: 8,
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
