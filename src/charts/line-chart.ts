// Lines with points, one per series, with a ±1 std band where given (accuracy against test ratio, for example).

import { renderSvg } from './render-svg.js';

export interface LinePoint {
  x: number;
  y: number;
  series: string;
  std?: number;
}

export async function lineChartSvg(points: LinePoint[], xLabel: string, yLabel: string, title = `${yLabel} against ${xLabel}`): Promise<string> {
  const values = points.map((p) => ({ ...p, low: p.y - (p.std ?? 0), high: p.y + (p.std ?? 0) }));
  const x = { field: 'x', type: 'quantitative' as const, title: xLabel };
  const color = { field: 'series', type: 'nominal' as const, title: 'Series' };
  return renderSvg({
    title,
    width: 420,
    height: 260,
    data: { values },
    layer: [
      {
        transform: [{ filter: 'datum.high > datum.low' }],
        mark: { type: 'area', opacity: 0.2 },
        encoding: { x, y: { field: 'low', type: 'quantitative', title: yLabel }, y2: { field: 'high' }, color },
      },
      {
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'y', type: 'quantitative', title: yLabel }, color },
      },
    ],
  });
}
