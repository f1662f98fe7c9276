// Confusion matrix as a heat map: rows are true classes, columns predictions, colour the row-normalised share
// (so a small class is as readable as a large one), each cell labelled with its count.

import { renderSvg } from './render-svg.js';

export async function confusionMatrixSvg(classes: string[], matrix: number[][], title = 'Confusion matrix'): Promise<string> {
  const cells = classes.flatMap((trueClass, i) => {
    const row = matrix[i] ?? [];
    const total = row.reduce((a, b) => a + b, 0);
    return classes.map((predicted, j) => {
      const count = row[j] ?? 0;
      return { trueClass, predicted, count, share: total > 0 ? count / total : 0 };
    });
  });
  const side = Math.max(160, Math.min(480, classes.length * 56));
  return renderSvg({
    title,
    width: side,
    height: side,
    data: { values: cells },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: classes, title: 'Predicted', axis: { labelAngle: -40 } },
      y: { field: 'trueClass', type: 'nominal', sort: classes, title: 'True' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            title: 'Share of row',
            scale: { scheme: 'blues', domain: [0, 1] },
            legend: { format: '.0%' },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: 'black' },
        },
      },
    ],
  });
}
