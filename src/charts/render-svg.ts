// Vega-Lite → SVG, headless: compiled by vega-lite, rendered by vega with no canvas and no network.

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

/** Shared look: plain sans-serif (no web fonts to fetch), white background, quiet grid. */
const config = {
  font: 'sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const },
};

/**
 * Every chart carries its data inline; a loader that refuses all URIs makes sure a spec mistake can never
 * turn into a network request or a file read while a stage or `pipe report` runs.
 */
function offlineLoader(): vega.Loader {
  const refuse = (uri: string): Promise<never> => Promise.reject(new Error(`charts load nothing from outside (asked for ${uri})`));
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse };
}

export async function renderSvg(spec: ChartSpec): Promise<string> {
  const { spec: vegaSpec } = compile({ ...spec, config: { ...config, ...(spec.config ?? {}) } } as TopLevelSpec);
  const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none', loader: offlineLoader(), logLevel: vega.Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
