import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { barChartSvg } from '../../../src/charts/bar-chart.js';
import { confusionMatrixSvg } from '../../../src/charts/confusion-matrix.js';
import { learningCurvesSvg } from '../../../src/charts/learning-curves.js';
import { lineChartSvg } from '../../../src/charts/line-chart.js';

function expectWellFormedSvg(svg: string): void {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(XMLValidator.validate(svg)).toBe(true);
}

/** The texts of all <text> elements, in order. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

const classes = ['anger', 'boredom', 'neutral'];
const matrix = [
  [9, 1, 0],
  [2, 7, 1],
  [0, 3, 17],
];

describe('confusionMatrixSvg', () => {
  it('is well-formed SVG labelled with every class, both axes, the title and every count', async () => {
    const svg = await confusionMatrixSvg(classes, matrix, 'nn / all7');
    expectWellFormedSvg(svg);
    const t = texts(svg);
    for (const c of classes) expect(t.filter((x) => x === c)).toHaveLength(2);
    expect(t).toContain('Predicted');
    expect(t).toContain('True');
    expect(t).toContain('nn / all7');
    for (const n of [9, 7, 17, 3]) expect(t).toContain(String(n));
  });

  it('escapes class names that are not XML-safe', async () => {
    const svg = await confusionMatrixSvg(['a<b', 'c&d'], [[1, 0], [0, 1]]);
    expectWellFormedSvg(svg);
    expect(svg).toContain('a&lt;b');
  });

  it('fetches nothing: the only URLs are XML namespaces', async () => {
    const svg = await confusionMatrixSvg(classes, matrix);
    const urls = svg.match(/https?:\/\/[^"' )]+/g) ?? [];
    expect(urls.every((u) => u.startsWith('http://www.w3.org/'))).toBe(true);
    expect(svg).not.toMatch(/<image|@import|url\(\s*['"]?http/);
  });
});

describe('learningCurvesSvg', () => {
  const history = [1, 2, 3, 4].map((epoch) => ({
    epoch,
    loss: 2 / epoch,
    accuracy: 0.2 * epoch,
    valLoss: 2.2 / epoch,
    valAccuracy: 0.18 * epoch,
  }));

  it('plots loss and accuracy of train and validation against epochs', async () => {
    const svg = await learningCurvesSvg(history);
    expectWellFormedSvg(svg);
    const t = texts(svg);
    expect(t.filter((x) => x === 'Epoch')).toHaveLength(2);
    expect(t).toContain('Loss');
    expect(t).toContain('Accuracy');
    expect(t).toContain('train');
    expect(t).toContain('validation');
    // Two panels, each with a train and a validation line.
    expect(svg.match(/class="mark-line role-mark/g)).toHaveLength(4);
  });
});

describe('barChartSvg', () => {
  it('draws one bar per cell and per paper value, labelled with cells and the metric', async () => {
    const rows = [
      { label: 'nn / all7', value: 0.61, reference: 0.64, std: 0.02 },
      { label: 'cnn / all7', value: 0.7 },
    ];
    const svg = await barChartSvg(rows, 'accuracy', 'paper');
    expectWellFormedSvg(svg);
    const t = texts(svg);
    expect(t).toContain('nn / all7');
    expect(t).toContain('cnn / all7');
    expect(t).toContain('accuracy');
    expect(t).toContain('paper');
    expect(t).toContain('this run');
    expect(svg.match(/<path[^>]*aria-roledescription="bar"/g)).toHaveLength(3);
  });

  it('names the reference bars as it is told (the classical baseline is not the paper)', async () => {
    const svg = await barChartSvg([{ label: 'logreg all7', value: 0.78, reference: 0.758 }], 'accuracy', 'classical reference');
    const t = texts(svg);
    expect(t).toContain('classical reference');
    expect(t).not.toContain('paper');
  });
});

describe('lineChartSvg', () => {
  it('labels both axes and each series', async () => {
    const points = [0.1, 0.2, 0.3].flatMap((x) => [
      { x, y: 0.7 - x / 2, series: 'cnn', std: 0.01 },
      { x, y: 0.6 - x / 3, series: 'lstm' },
    ]);
    const svg = await lineChartSvg(points, 'test ratio', 'accuracy');
    expectWellFormedSvg(svg);
    const t = texts(svg);
    expect(t).toContain('test ratio');
    expect(t).toContain('accuracy');
    expect(t).toContain('cnn');
    expect(t).toContain('lstm');
  });
});
