// A small plan as the runner announces it: ingest and split shared by two cells, train and evaluate per cell,
// compare across both.

import type { PlannedInstance, RunEvent } from '../../../src/core/run-events.js';

export const CELLS = ['train.model=nn', 'train.model=cnn'];

export const INSTANCES: PlannedInstance[] = [
  { id: 'ingest', name: 'ingest', type: 'ingest', key: 'k-ingest', needs: [], cells: CELLS },
  { id: 'split', name: 'split', type: 'split', key: 'k-split', needs: ['ingest'], cells: CELLS },
  ...CELLS.flatMap((cell) => [
    { id: `train[${cell}]`, name: 'train', type: 'train', key: `k-train-${cell}`, needs: ['split'], cells: [cell] },
    { id: `evaluate[${cell}]`, name: 'evaluate', type: 'evaluate', key: `k-eval-${cell}`, needs: [`train[${cell}]`], cells: [cell] },
  ]),
  { id: 'compare', name: 'compare', type: 'compare', key: 'k-compare', needs: CELLS.map((c) => `evaluate[${c}]`), cells: CELLS },
];

export const runStarted: RunEvent = { kind: 'run-started', runId: 'r1', spec: 'experiments/demo.yaml', instances: INSTANCES };

export const epoch = (id: string, n: number, of: number, loss: number, accuracy: number): RunEvent => ({
  kind: 'stage-progress',
  id,
  progress: { kind: 'epoch', epoch: n, epochs: of, loss, accuracy, valLoss: loss * 2, valAccuracy: accuracy / 2, ms: 1000 },
});
