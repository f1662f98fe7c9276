import { describe, expect, it } from 'vitest';
import { confusionMatrixTable } from '../../../src/charts/confusion-table.js';
import { sparkline } from '../../../src/charts/sparkline.js';

describe('sparkline', () => {
  it('maps the lowest value to ▁ and the highest to █', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([3, 1, 2])).toBe('█▁▅');
  });

  it('keeps the last values when given a width', () => {
    expect(sparkline([9, 9, 0, 1], 2)).toBe('▁█');
  });

  it('draws a flat series mid-height and leaves non-finite values blank', () => {
    expect(sparkline([2, 2, 2])).toBe('▄▄▄');
    expect(sparkline([0, Number.NaN, 1])).toBe('▁ █');
    expect(sparkline([])).toBe('');
  });
});

describe('confusionMatrixTable', () => {
  const classes = ['anger', 'neutral'];
  const matrix = [
    [8, 2],
    [1, 3],
  ];

  it('lays out counts under the predicted classes with each row recall, without escape codes by default', () => {
    const table = confusionMatrixTable(classes, matrix);
    expect(table).not.toMatch(/\x1b\[/);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^true \\ predicted\s+anger\s+neutral\s+recall$/);
    expect(lines[1]).toMatch(/^anger\s+8\s+2\s+80\.0%$/);
    expect(lines[2]).toMatch(/^neutral\s+1\s+3\s+75\.0%$/);
  });

  it('shades cells by their share of the row when colours are asked for', () => {
    const table = confusionMatrixTable(classes, matrix, { color: true });
    const backgrounds = [...table.matchAll(/\x1b\[48;5;(\d+)m/g)].map((m) => Number(m[1]));
    expect(backgrounds).toHaveLength(4);
    // 8/10 of its row is a deep blue, 2/10 of the same row a pale one.
    expect(backgrounds.slice(0, 2)).toEqual([69, 189]);
  });
});
