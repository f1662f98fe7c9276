import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/core/run-events.js';
import { chooseReporter } from '../../../src/ui/choose-reporter.js';
import { formatEvent, plainReporter } from '../../../src/ui/plain-reporter.js';
import { CELLS, epoch, runStarted } from './plan-events.js';

const nn = `train[${CELLS[0]}]`;

/** One event of every kind, with escape codes where stages could smuggle them in. */
const everyKind: RunEvent[] = [
  runStarted,
  { kind: 'stage-cached', id: 'ingest', key: 'abcdef0123456789' },
  { kind: 'stage-started', id: nn, key: 'abcdef0123456789' },
  { kind: 'stage-progress', id: nn, progress: { kind: 'progress', done: 1, total: 2, unit: 'files' } },
  { kind: 'stage-progress', id: nn, progress: { kind: 'batch', epoch: 1, batch: 1, batches: 2 } },
  epoch(nn, 1, 2, 0.5, 0.75),
  { kind: 'stage-progress', id: nn, progress: { kind: 'log', level: 'warn', message: '\x1b[33mslow backend\x1b[0m' } },
  { kind: 'stage-finished', id: 'split', key: 'k', ms: 1500, metrics: { accuracy: 0.6123, files: 12 } },
  { kind: 'stage-failed', id: nn, key: 'k', ms: 2000, message: '\x1b[31mError:\x1b[39m out of memory\x07' },
  { kind: 'stage-skipped', id: 'compare', key: 'k', reason: `${nn} failed` },
  { kind: 'run-finished', runId: 'r1', status: 'failed', ms: 4000, summary: '| a |' },
];

describe('plainReporter', () => {
  it('prints no escape codes, even when a stage message carries them', () => {
    const lines: string[] = [];
    everyKind.forEach(plainReporter((l) => lines.push(l)));
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      expect(line).not.toMatch(/\x1b\[/);
      expect(line).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    }
    expect(lines).toContain(`FAILED   ${nn} after 2.0s: Error: out of memory`);
    expect(lines).toContain(`warning  ${nn}: slow backend`);
  });

  it('writes one line per stage event and leaves batch and count progress out', () => {
    const lines: string[] = [];
    everyKind.forEach(plainReporter((l) => lines.push(l)));
    expect(lines).toEqual([
      'run r1: experiments/demo.yaml (7 stages)',
      'cached   ingest abcdef0123',
      `started  ${nn} abcdef0123`,
      `epoch    ${nn} 1/2 loss 0.5000 acc 75.00% val_loss 1.0000 val_acc 37.50% (1.0s)`,
      `warning  ${nn}: slow backend`,
      'finished split in 1.5s (accuracy 61.23%, files 12)',
      `FAILED   ${nn} after 2.0s: Error: out of memory`,
      `skipped  compare (${nn} failed)`,
      'run r1 failed in 4.0s',
    ]);
    expect(formatEvent({ kind: 'stage-progress', id: nn, progress: { kind: 'batch', epoch: 1, batch: 1, batches: 2 } })).toBeNull();
  });

  it('names the pipe worker a stage started on, when it runs through a queue', () => {
    expect(formatEvent({ kind: 'stage-started', id: nn, key: 'abcdef0123456789', worker: 'host-b:4711' })).toBe(`started  ${nn} abcdef0123 on host-b:4711`);
  });
});

describe('chooseReporter', () => {
  it('uses the dashboard only on a terminal without --plain, --json or CI', () => {
    expect(chooseReporter({ isTTY: true })).toBe('dashboard');
    expect(chooseReporter({ isTTY: true, ci: 'false' })).toBe('dashboard');
    expect(chooseReporter({ isTTY: false })).toBe('plain');
    expect(chooseReporter({ isTTY: undefined })).toBe('plain');
    expect(chooseReporter({ isTTY: true, plain: true })).toBe('plain');
    expect(chooseReporter({ isTTY: true, json: true })).toBe('plain');
    expect(chooseReporter({ isTTY: true, ci: 'true' })).toBe('plain');
    expect(chooseReporter({ isTTY: true, ci: '1' })).toBe('plain');
  });
});
