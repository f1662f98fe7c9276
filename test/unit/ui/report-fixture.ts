// A finished run as `pipe report` finds it: store rows (a fake ReportSource) and artifact folders written in the
// formats the evaluate, train and compare stages write (their own functions make the files where they can).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildResults } from '../../../src/metrics/results-table.js';
import type { EvaluatedCell } from '../../../src/metrics/results-types.js';
import { FOUR_CLASSES } from '../../../src/references/reference-results.js';
import { renderLegend, renderMarkdown } from '../../../src/render/results-markdown.js';
import { evaluatePredictions, type FileProbabilities } from '../../../src/stages/evaluate.js';
import type { ReportSource, ReportStageRow } from '../../../src/ui/report-data.js';

const CLASSES = [...FOUR_CLASSES];
const MODELS = [
  { model: 'nn', hit: 0.7 },
  { model: 'cnn_lstm', hit: 0.85 },
];

/** 40 test files per model, of which a `hit` share is predicted right (the rest as the next class). */
function predictions(hit: number): FileProbabilities[] {
  return Array.from({ length: 40 }, (_, i) => {
    const label = i % CLASSES.length;
    const predicted = i / 40 < hit ? label : (label + 1) % CLASSES.length;
    return { utterance: `u${i}`, speaker: `s${i % 5}`, label, probs: CLASSES.map((_, c) => (c === predicted ? 0.7 : 0.1)) };
  });
}

export function writeReportFixture(root: string): ReportSource {
  const stages: ReportStageRow[] = [{ instanceId: 'ingest', stageName: 'ingest', key: 'key-ingest-0000', status: 'cached', ms: 0, error: null }];
  const results = new Map<string, { type: string; artifactPath: string }>();
  const metrics: { instanceId: string; name: string; value: number }[] = [];
  const cells: EvaluatedCell[] = [];
  const artifact = (key: string, type: string, files: Record<string, string>): void => {
    const dir = join(root, 'artifacts', key);
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    results.set(key, { type, artifactPath: dir });
  };

  for (const { model, hit } of MODELS) {
    const cell = `train.model=${model}`;
    const history = Array.from({ length: 12 }, (_, e) => ({
      epoch: e + 1,
      loss: 1.4 * Math.exp(-e / 5) + 0.2,
      accuracy: hit - 0.5 * Math.exp(-e / 4),
      valLoss: 1.5 * Math.exp(-e / 6) + 0.35,
      valAccuracy: hit - 0.05 - 0.5 * Math.exp(-e / 4),
    }));
    artifact(`key-train-${model}`, 'train', { 'history.json': JSON.stringify(history) });
    stages.push({ instanceId: `train[${cell}]`, stageName: 'train', key: `key-train-${model}`, status: 'ran', ms: 61_000, error: null });

    const { predictions: _files, ...scores } = evaluatePredictions(CLASSES, predictions(hit));
    artifact(`key-eval-${model}`, 'evaluate', { 'metrics.json': JSON.stringify({ kind: 'evaluation', split: 'test', model, classSet: 'four', backend: 'cpu', ...scores }) });
    stages.push({ instanceId: `evaluate[${cell}]`, stageName: 'evaluate', key: `key-eval-${model}`, status: 'ran', ms: 900, error: null });
    for (const name of ['accuracy', 'ua', 'macroF1'] as const) metrics.push({ instanceId: `evaluate[${cell}]`, name, value: scores[name] });
    cells.push({
      cell: { id: cell, values: { 'train.model': model }, seed: 1 },
      model,
      classSet: 'four',
      accuracy: scores.accuracy,
      ua: scores.ua,
      macroF1: scores.macroF1,
      confusion: scores.confusion.matrix,
    });
  }

  const table = buildResults(cells, { metric: 'accuracy', reference: 'paper-table2' });
  artifact('key-compare', 'compare', { 'results.md': renderMarkdown(table) + '\n' + renderLegend(table), 'results.json': JSON.stringify(table) });
  stages.push({ instanceId: 'compare', stageName: 'compare', key: 'key-compare', status: 'ran', ms: 12, error: null });
  stages.push({ instanceId: 'plot', stageName: 'plot', key: 'key-plot', status: 'failed', ms: 3, error: 'Error: <boom> & more' });

  return {
    getRun: (ref) => ({
      id: ref,
      name: 'fixture',
      status: 'failed',
      startedAt: '2026-11-24T10:00:00Z',
      ms: 125_000,
      backend: 'cpu',
      specPath: 'experiments/four.yaml',
      overrides: { 'split.test': 0.2 },
      tags: ['demo'],
    }),
    getRunStages: () => stages,
    getRunMetrics: () => metrics,
    getStageResult: (key) => results.get(key),
  };
}
