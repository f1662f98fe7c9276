// One line per event, no escape codes: for pipes, CI logs and `--plain`.

import type { RunEvent } from '../core/run-events.js';
import type { StageProgress } from '../core/stage-progress.js';

export type LineWriter = (line: string) => void;

export function plainReporter(write: LineWriter): (event: RunEvent) => void {
  return (event) => {
    const line = formatEvent(event);
    if (line !== null) write(stripControl(line));
  };
}

/**
 * Messages come from stages and the libraries they call (tfjs, a thrown error's text), and some colour their
 * output: remove escape sequences and other control characters so that logs stay plain text.
 */
export function stripControl(text: string): string {
  return text
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '')
    .replace(/[\x00-\x08\x0b-\x1f\x7f\x9b]/g, '');
}

export function formatEvent(event: RunEvent): string | null {
  switch (event.kind) {
    case 'run-started':
      return `run ${event.runId}: ${event.spec} (${event.instances.length} stages)`;
    case 'stage-cached':
      return `cached   ${event.id} ${short(event.key)}`;
    case 'stage-started':
      return `started  ${event.id} ${short(event.key)}${event.worker ? ` on ${event.worker}` : ''}`;
    case 'stage-progress':
      return formatProgress(event.id, event.progress);
    case 'stage-finished':
      return `finished ${event.id} in ${seconds(event.ms)}${formatMetrics(event.metrics)}`;
    case 'stage-failed':
      return `FAILED   ${event.id} after ${seconds(event.ms)}: ${event.message}`;
    case 'stage-skipped':
      return `skipped  ${event.id} (${event.reason})`;
    case 'run-finished':
      return `run ${event.runId} ${event.status} in ${seconds(event.ms)}`;
  }
}

function formatProgress(id: string, p: StageProgress): string | null {
  switch (p.kind) {
    case 'epoch':
      return (
        `epoch    ${id} ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)} acc ${pct(p.accuracy)} ` +
        `val_loss ${p.valLoss.toFixed(4)} val_acc ${pct(p.valAccuracy)} (${seconds(p.ms)})`
      );
    case 'log':
      return `${p.level === 'warn' ? 'warning ' : 'info    '} ${id}: ${p.message}`;
    case 'progress':
    case 'batch':
      return null;
  }
}

function formatMetrics(metrics: Record<string, number>): string {
  const shown = ['accuracy', 'ua', 'macroF1', 'files', 'chunks'].filter((k) => typeof metrics[k] === 'number');
  if (!shown.length) return '';
  return ' (' + shown.map((k) => `${k} ${k === 'files' || k === 'chunks' ? metrics[k] : pct(metrics[k])}`).join(', ') + ')';
}

const short = (key: string): string => key.slice(0, 10);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
