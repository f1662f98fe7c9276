// One run as a self-contained HTML page: inline CSS and SVG, no scripts, nothing fetched, so it can be mailed,
// archived next to the paper, or opened years later offline.

import { formatDuration } from './progress-text.js';
import type { ReportData, ReportRun, ReportStageRow } from './report-data.js';

const FRACTION_METRICS = ['accuracy', 'ua', 'macroF1'];
const COUNT_METRICS = ['files', 'chunks', 'epochs', 'rows', 'cells'];

export function renderReportPage(data: ReportData): string {
  const figure = figures();
  const title = `pipe run ${data.run.id}${data.run.name ? ` (${data.run.name})` : ''}`;
  const sections = [
    header(data.run),
    section('Stages', stageTable(data.stages)),
    metricsTable(data.metrics),
    ...data.comparisons.map((c) => section(`Compared: ${c.instanceId}`, (c.markdown ? markdownBlock(c.markdown) : '') + (c.svg ? figure(c.svg) : ''))),
    data.evaluations.length ? section('Confusion matrices', `<div class="grid">${data.evaluations.map((e) => figure(e.svg)).join('')}</div>`) : '',
    data.trainings.length ? section('Learning curves', data.trainings.map((t) => figure(t.svg, t.epochs ? `${t.epochs} epochs` : undefined)).join('')) : '',
    data.notes.length ? section('Not shown', `<ul>${data.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`) : '',
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
${sections.filter(Boolean).join('\n')}
</body>
</html>
`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 24px auto; max-width: 1150px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
table { border-collapse: collapse; margin: 6px 0; } th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; } dt { color: #666; } dd { margin: 0; }
code { font: 12px ui-monospace, Menlo, Consolas, monospace; }
.status { font-weight: 600; } .ran, .succeeded { color: #1a7f37; } .cached { color: #0969da; } .failed { color: #cf222e; }
.skipped, .cancelled { color: #8250df; } .running, .waiting { color: #9a6700; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; } figure { margin: 8px 0; } figcaption { color: #666; font-size: 12px; }
.error { color: #cf222e; white-space: pre-wrap; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
`;

function header(run: ReportRun): string {
  const rows: [string, string][] = [
    ['spec', `<code>${esc(run.specPath)}</code>`],
    ['status', `<span class="status ${cssClass(run.status)}">${esc(run.status)}</span>`],
    ['started', esc(run.startedAt)],
    ['time', esc(formatMs(run.ms))],
    ['backend', esc(run.backend ?? '-')],
  ];
  const overrides = Object.entries(run.overrides ?? {});
  if (overrides.length) rows.push(['overrides', overrides.map(([k, v]) => `<code>${esc(`${k}=${JSON.stringify(v)}`)}</code>`).join(' ')]);
  if (run.tags?.length) rows.push(['tags', esc(run.tags.join(', '))]);
  return `<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function stageTable(stages: ReportStageRow[]): string {
  const rows = stages.map(
    (s) =>
      `<tr><td><code>${esc(s.instanceId)}</code></td><td class="status ${cssClass(s.status)}">${esc(s.status)}</td>` +
      `<td><code>${esc(s.key.slice(0, 10))}</code></td><td class="num">${esc(formatMs(s.ms))}</td>` +
      `<td class="error">${esc(s.error ?? '')}</td></tr>`,
  );
  return `<table><thead><tr><th>stage</th><th>status</th><th>key</th><th>time</th><th>error</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function metricsTable(metrics: ReportData['metrics']): string {
  const names = [...FRACTION_METRICS, ...COUNT_METRICS].filter((n) => metrics.some((m) => typeof m.values[n] === 'number'));
  const rows = metrics.filter((m) => names.some((n) => typeof m.values[n] === 'number'));
  if (!rows.length) return '';
  const cell = (name: string, v: number | undefined): string =>
    v === undefined ? '<td></td>' : `<td class="num">${FRACTION_METRICS.includes(name) ? `${(v * 100).toFixed(2)}%` : esc(String(v))}</td>`;
  const body = rows.map((m) => `<tr><td><code>${esc(m.instanceId)}</code></td>${names.map((n) => cell(n, m.values[n])).join('')}</tr>`);
  return section('Metrics', `<table><thead><tr><th>stage</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`);
}

/** Pipe tables become HTML tables; anything else in the markdown is shown as it is. */
export function markdownBlock(markdown: string): string {
  // A table, then (after a blank line) notes such as compare's legend.
  const [table, ...notes] = markdown.trim().split(/\n\s*\n/);
  const after = notes.map((n) => `<p>${esc(n.trim())}</p>`).join('');
  return markdownTable(table) + after;
}

function markdownTable(markdown: string): string {
  const lines = markdown.trim().split('\n');
  const isRow = (l: string): boolean => l.trim().startsWith('|');
  if (lines.length < 2 || !lines.every(isRow) || !/^\|[\s:|-]+\|$/.test(lines[1].trim())) return `<pre>${esc(markdown)}</pre>`;
  const cells = (l: string): string[] => l.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
  const right = cells(lines[1]).map((c) => c.endsWith(':'));
  const td = (c: string, i: number, tag: 'td' | 'th'): string => `<${tag}${right[i] ? ' class="num"' : ''}>${esc(c)}</${tag}>`;
  const head = cells(lines[0]).map((c, i) => td(c, i, 'th')).join('');
  const body = lines.slice(2).map((l) => `<tr>${cells(l).map((c, i) => td(c, i, 'td')).join('')}</tr>`);
  return `<table><thead><tr>${head}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

function section(title: string, body: string): string {
  return `<section><h2>${esc(title)}</h2>${body}</section>`;
}

/** Makes the page's figures, numbering them so that each SVG's ids get their own prefix. */
function figures(): (svg: string, caption?: string) => string {
  let n = 0;
  return (svg, caption) => {
    n += 1;
    return `<figure>${inlineSvg(svg, `fig${n}`)}${caption ? `<figcaption>${esc(caption)}</figcaption>` : ''}</figure>`;
  };
}

/**
 * An SVG file as an element of the page: without its XML prolog, without the namespace declarations (HTML does not
 * need them, and their URLs, though only names, would read as links to anyone checking the page), and with its
 * ids prefixed: SVGs drawn in different processes all number their gradients and clips from 0, and one page
 * must not hold two elements of the same id.
 */
export function inlineSvg(svg: string, prefix: string): string {
  const start = svg.indexOf('<svg');
  if (start < 0) return '';
  return svg
    .slice(start)
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

function cssClass(status: string): string {
  return status.replace(/[^a-z]/gi, '');
}

function formatMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : formatDuration(ms);
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
