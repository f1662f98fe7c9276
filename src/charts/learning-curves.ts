// Learning curves of one training: loss and accuracy per epoch, train beside validation.

import { renderSvg } from './render-svg.js';

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
}

export async function learningCurvesSvg(history: EpochRecord[], title = 'Learning curves'): Promise<string> {
  const points = history.flatMap((h) => [
    { epoch: h.epoch, set: 'train', loss: h.loss, accuracy: h.accuracy },
    { epoch: h.epoch, set: 'validation', loss: h.valLoss, accuracy: h.valAccuracy },
  ]);
  const panel = (field: 'loss' | 'accuracy', yTitle: string, format?: string) => ({
    width: 320,
    height: 220,
    mark: { type: 'line' as const, point: history.length <= 40 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, title: 'Epoch', axis: { tickMinStep: 1 } },
      y: { field, type: 'quantitative' as const, title: yTitle, ...(format ? { axis: { format } } : {}) },
      color: {
        field: 'set',
        type: 'nominal' as const,
        title: 'Set',
        scale: { domain: ['train', 'validation'], range: ['#1f77b4', '#ff7f0e'] },
      },
    },
  });
  return renderSvg({
    title,
    data: { values: points },
    hconcat: [panel('loss', 'Loss'), panel('accuracy', 'Accuracy', '.0%')],
  });
}
