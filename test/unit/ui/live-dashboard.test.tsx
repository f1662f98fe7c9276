import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startDashboard } from '../../../src/ui/dashboard.js';
import { createRunFeed } from '../../../src/ui/run-feed.js';
import { CELLS, epoch, runStarted } from './plan-events.js';

afterEach(() => {
  vi.useRealTimers();
});

const nn = `train[${CELLS[0]}]`;

describe('createRunFeed', () => {
  it('folds every event but tells the screen at most once per interval', () => {
    vi.useFakeTimers();
    const feed = createRunFeed({ intervalMs: 100, now: () => 0 });
    const onChange = vi.fn();
    feed.subscribe(onChange);
    feed.push(runStarted);
    for (let i = 1; i <= 300; i++) feed.push(epoch(nn, i, 300, 1 / i, i / 300));
    expect(onChange).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(feed.getSnapshot().stages[nn].epochs).toHaveLength(300);
  });

  it('shows the end of the run at once', () => {
    vi.useFakeTimers();
    const feed = createRunFeed({ intervalMs: 100 });
    const onChange = vi.fn();
    feed.subscribe(onChange);
    feed.push(runStarted);
    feed.push({ kind: 'run-finished', runId: 'r1', status: 'succeeded', ms: 5 });
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(feed.getSnapshot().status).toBe('succeeded');
  });
});

/** Just enough of a terminal for Ink: a writable stdout that records what it is sent, and a TTY stdin. */
function fakeTerminal() {
  const written: string[] = [];
  const stdout = Object.assign(new EventEmitter(), { columns: 120, rows: 60, isTTY: true, write: (s: string) => written.push(s) });
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    setRawMode: () => stdin,
    setEncoding: () => stdin,
    resume: () => stdin,
    pause: () => stdin,
    ref: () => stdin,
    unref: () => stdin,
    read: () => null,
  });
  return { written, stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream };
}

describe('startDashboard', () => {
  it('draws the runner events it is given and leaves the compare table on screen when done', async () => {
    const term = fakeTerminal();
    const dashboard = startDashboard({ onCancel: () => {}, stdout: term.stdout, stdin: term.stdin });
    dashboard.listener(runStarted);
    dashboard.listener({ kind: 'stage-cached', id: 'ingest', key: 'k' });
    dashboard.listener({ kind: 'run-finished', runId: 'r1', status: 'succeeded', ms: 1500, summary: '| nn | 61.20% |' });
    await dashboard.done();
    const screen = term.written.join('').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(screen).toContain('succeeded · 1.5s');
    expect(screen).toContain('◆ 1 cached');
    expect(screen).toContain('| nn | 61.20% |');
  });
});
