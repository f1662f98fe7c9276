import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { RunEvent } from '../../../src/core/run-events.js';
import { Dashboard } from '../../../src/ui/dashboard.js';
import { initialRunState, reduceRun, type RunState } from '../../../src/ui/run-state.js';
import { CELLS, epoch, runStarted } from './plan-events.js';

afterEach(cleanup);

function fold(events: RunEvent[]): RunState {
  return events.reduce((s, e) => reduceRun(s, e, 0), initialRunState());
}

const stripAnsi = (s: string | undefined): string => (s ?? '').replace(/\x1b\[[0-9;]*m/g, '');

function frame(state: RunState, now = 0, onCancel = (): void => {}): string {
  const { lastFrame } = render(<Dashboard state={state} now={now} onCancel={onCancel} />);
  return stripAnsi(lastFrame());
}

const nn = `train[${CELLS[0]}]`;
const cnn = `train[${CELLS[1]}]`;

describe('Dashboard', () => {
  it('shows each stage state in the cells × stages grid with its own symbol', () => {
    const state = fold([
      runStarted,
      { kind: 'stage-cached', id: 'ingest', key: 'k' },
      { kind: 'stage-finished', id: 'split', key: 'k', ms: 10, metrics: {} },
      { kind: 'stage-started', id: cnn, key: 'k' },
      { kind: 'stage-failed', id: nn, key: 'k', ms: 10, message: 'boom' },
      { kind: 'stage-skipped', id: `evaluate[${CELLS[0]}]`, key: 'k', reason: 'needs failed' },
    ]);
    const lines = frame(state).split('\n');
    const header = lines.find((l) => l.startsWith('cell'));
    expect(header).toMatch(/^cell\s+ingest\s+split\s+train\s+evaluate\s+compare$/);
    // nn: cached, done, failed, skipped, waiting; cnn: cached, done, running, waiting, waiting.
    expect(lines.find((l) => l.startsWith(CELLS[0]))).toMatch(/^train\.model=nn\s+◆\s+✔\s+✖\s+⊘\s+·$/);
    expect(lines.find((l) => l.startsWith(CELLS[1]))).toMatch(/^train\.model=cnn\s+◆\s+✔\s+▶\s+·\s+·$/);
  });

  it('counts cache hits and every other state in the footer', () => {
    const state = fold([runStarted, { kind: 'stage-cached', id: 'ingest', key: 'k' }, { kind: 'stage-cached', id: 'split', key: 'k' }]);
    expect(frame(state)).toMatch(/7 stages\s+✔ 0 done\s+◆ 2 cached\s+▶ 0 running\s+· 5 waiting\s+✖ 0 failed\s+⊘ 0 skipped/);
  });

  it('advances a running stage progress bar with its counts and ETA as progress events come', () => {
    const at = (done: number): RunState =>
      [runStarted, { kind: 'stage-started', id: 'split', key: 'k' } as RunEvent, { kind: 'stage-progress', id: 'split', progress: { kind: 'progress', done, total: 100, unit: 'files' } } as RunEvent].reduce(
        (s, e, i) => reduceRun(s, e, i === 1 ? 0 : 4000),
        initialRunState(),
      );
    const barOf = (f: string): string => f.match(/▶ split ([█▏▎▍▌▋▊▉░]+)/)?.[1] ?? '';
    const quarter = frame(at(25), 4000);
    const half = frame(at(50), 4000);
    expect(quarter).toContain('25/100 files');
    expect(quarter).toContain('eta 12.0s');
    expect(half).toContain('50/100 files');
    expect(half).toContain('eta 4.0s');
    expect(barOf(quarter)).toBe('██████░░░░░░░░░░░░░░░░░░');
    expect(barOf(half)).toBe('████████████░░░░░░░░░░░░');
  });

  it('draws loss and accuracy of a training, train and validation, as sparklines', () => {
    const state = fold([
      runStarted,
      { kind: 'stage-started', id: nn, key: 'k' },
      epoch(nn, 1, 10, 3, 0.25),
      epoch(nn, 2, 10, 2, 0.5),
      epoch(nn, 3, 10, 1, 0.75),
    ]);
    const f = frame(state);
    expect(f).toContain('epoch 3/10');
    expect(f).toMatch(/loss █▅▁ 1\.0000\s+val █▅▁ 2\.0000/);
    expect(f).toMatch(/acc\s+▁▅█\s+75\.0%\s+val ▁▅█\s+37\.5%/);
  });

  it('names a failed stage and its message', () => {
    const state = fold([runStarted, { kind: 'stage-started', id: nn, key: 'k' }, { kind: 'stage-failed', id: nn, key: 'k', ms: 2500, message: 'tfjs: out of memory' }]);
    const f = frame(state);
    expect(f).toContain(`✖ ${nn} failed after 2.5s`);
    expect(f).toContain('tfjs: out of memory');
  });

  it('shows the compare table once the run has finished', () => {
    const table = '| cell | accuracy |\n| --- | --- |\n| nn | 61.20% |';
    const f = frame(fold([runStarted, { kind: 'run-finished', runId: 'r1', status: 'succeeded', ms: 65_000, summary: table }]));
    expect(f).toContain('succeeded · 1m05s');
    expect(f).toContain('| nn | 61.20% |');
  });

  it('calls onCancel when q is pressed and says it is cancelling', async () => {
    const onCancel = vi.fn();
    const { stdin, lastFrame } = render(<Dashboard state={fold([runStarted])} now={0} onCancel={onCancel} />);
    await new Promise((r) => setTimeout(r, 20));
    stdin.write('x');
    expect(onCancel).not.toHaveBeenCalled();
    stdin.write('q');
    expect(onCancel).toHaveBeenCalledTimes(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(stripAnsi(lastFrame())).toContain('cancelling');
  });
});

describe('Dashboard board', () => {
  it("shows the text it is given under the results (pipe tune's leaderboard)", () => {
    const { lastFrame } = render(<Dashboard state={fold([runStarted])} now={0} onCancel={() => {}} board={'leaderboard, val ua:\n    75.00%  trial   2'} />);
    expect(stripAnsi(lastFrame())).toContain('leaderboard, val ua:\n    75.00%  trial   2');
  });
});
