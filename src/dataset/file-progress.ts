// Progress and cancellation for the data stages' per-file loops: at most one report every 50 ms (plus the
// first and the last), and a CancelledError as soon as the run's signal is aborted.

import { CancelledError } from '../errors.js';

type ProgressReport = { kind: 'progress'; done: number; total: number; unit: string };

const INTERVAL_MS = 50;

export class FileProgress {
  private done = 0;
  private last = -Infinity;

  constructor(
    private readonly report: (p: ProgressReport) => void,
    private readonly signal: AbortSignal,
    private readonly total: number,
    private readonly unit = 'files',
  ) {
    this.check();
    this.emit();
  }

  /** Call before each item: throws if the run was cancelled. */
  check(): void {
    if (this.signal.aborted) throw new CancelledError();
  }

  /** Call after each item. */
  step(): void {
    this.done++;
    if (this.done === this.total || Date.now() - this.last >= INTERVAL_MS) this.emit();
  }

  private emit(): void {
    this.last = Date.now();
    this.report({ kind: 'progress', done: this.done, total: this.total, unit: this.unit });
  }
}
