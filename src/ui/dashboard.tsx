// The live view of `pipe run` on a terminal: the plan as cells × stages, progress and training curves of what is
// running, failures, cache hits and time, and at the end the compare table. It knows only runner events.

import { Box, render, Text, useInput, useStdin } from 'ink';
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { RunEventListener } from '../core/run-events.js';
import { createRunFeed, type RunFeed } from './run-feed.js';
import { countStates, etaMs, planGrid, stageFraction, type RunState, type StageState } from './run-state.js';
import { formatDuration } from './progress-text.js';
import { RunningStage } from './running-stage.js';
import { STAGE_SYMBOL } from './stage-symbols.js';

export interface DashboardProps {
  state: RunState;
  /** Clock reading to measure elapsed time and ETAs against. */
  now: number;
  onCancel: () => void;
  /** Lines shown under the results while the run goes on (`pipe tune`'s leaderboard). */
  board?: string;
}

export function Dashboard({ state, now, onCancel, board }: DashboardProps) {
  const [cancelling, setCancelling] = useState(false);
  const { isRawModeSupported } = useStdin();
  const finished = state.status !== 'starting' && state.status !== 'running';
  // In raw mode the terminal sends Ctrl-C as a key instead of SIGINT, so it cancels like `q` does.
  useInput(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) {
        setCancelling(true);
        onCancel();
      }
    },
    { isActive: isRawModeSupported === true && !finished },
  );
  return (
    <Box flexDirection="column">
      <Header state={state} now={now} cancelling={cancelling && !finished} />
      <Grid state={state} />
      <Running state={state} now={now} />
      <Failures state={state} />
      <Results state={state} />
      {board ? (
        <Box marginTop={1}>
          <Text>{board}</Text>
        </Box>
      ) : null}
      <Footer state={state} />
      {finished && state.summary ? (
        <Box marginTop={1}>
          <Text>{state.summary}</Text>
        </Box>
      ) : null}
    </Box>
  );
}

function Header({ state, now, cancelling }: { state: RunState; now: number; cancelling: boolean }) {
  const elapsed = state.ms ?? (state.startedAt === undefined ? 0 : now - state.startedAt);
  const statusColor = { starting: 'gray', running: 'yellow', succeeded: 'green', failed: 'red', cancelled: 'magenta' }[state.status];
  return (
    <Box>
      <Text bold>pipe run {state.spec ?? ''}</Text>
      {state.runId ? <Text color="gray"> · run {state.runId}</Text> : null}
      <Text> · </Text>
      <Text color={statusColor}>{state.status}</Text>
      <Text> · {formatDuration(elapsed)}</Text>
      {cancelling ? (
        <Text color="magenta"> · cancelling: running stages stop, finished ones stay cached</Text>
      ) : state.status === 'running' ? (
        <Text color="gray"> · q to cancel</Text>
      ) : null}
    </Box>
  );
}

function Grid({ state }: { state: RunState }) {
  const grid = planGrid(state);
  if (!grid.rows.length) return null;
  const labels = grid.rows.map((r) => r.cell || '(plan)');
  const labelWidth = Math.min(60, Math.max(4, ...labels.map((l) => l.length))) + 2;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Box>
        <Box width={labelWidth}>
          <Text color="gray">cell</Text>
        </Box>
        {grid.columns.map((name) => (
          <Box key={name} width={name.length + 2}>
            <Text color="gray">{name}</Text>
          </Box>
        ))}
      </Box>
      {grid.rows.map((row, r) => (
        <Box key={row.cell}>
          <Box width={labelWidth}>
            <Text wrap="truncate-middle">{labels[r]}</Text>
          </Box>
          {row.ids.map((id, c) => (
            <Box key={grid.columns[c]} width={grid.columns[c].length + 2}>
              {id ? <StateSymbol state={state.stages[id].state} /> : <Text> </Text>}
            </Box>
          ))}
        </Box>
      ))}
    </Box>
  );
}

export function StateSymbol({ state }: { state: StageState }) {
  const { symbol, color } = STAGE_SYMBOL[state];
  return <Text color={color}>{symbol}</Text>;
}

function Running({ state, now }: { state: RunState; now: number }) {
  const running = state.order.map((id) => state.stages[id]).filter((s) => s.state === 'running');
  if (!running.length) return null;
  const idWidth = Math.max(...running.map((s) => s.id.length));
  return (
    <Box flexDirection="column" marginTop={1}>
      {running.map((s) => (
        <RunningStage key={s.id} stage={s} now={now} fraction={stageFraction(s)} eta={etaMs(s, now)} idWidth={idWidth} />
      ))}
    </Box>
  );
}

function Failures({ state }: { state: RunState }) {
  const failed = state.order.map((id) => state.stages[id]).filter((s) => s.state === 'failed');
  if (!failed.length) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      {failed.map((s) => (
        <Box key={s.id} flexDirection="column">
          <Text color="red">
            {STAGE_SYMBOL.failed.symbol} {s.id} failed after {formatDuration(s.ms ?? 0)}
          </Text>
          <Box marginLeft={2}>
            <Text>{firstLines(s.message ?? 'unknown error', 3)}</Text>
          </Box>
        </Box>
      ))}
    </Box>
  );
}

const SHOWN_METRICS = ['accuracy', 'ua', 'macroF1'];

function Results({ state }: { state: RunState }) {
  const rows = state.order
    .map((id) => state.stages[id])
    .filter((s) => s.state === 'done' && s.metrics && SHOWN_METRICS.some((m) => typeof s.metrics?.[m] === 'number'));
  if (!rows.length) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      {rows.map((s) => (
        <Text key={s.id}>
          <Text color="green">{s.id}</Text>{' '}
          {SHOWN_METRICS.filter((m) => typeof s.metrics?.[m] === 'number')
            .map((m) => `${m} ${((s.metrics?.[m] ?? 0) * 100).toFixed(2)}%`)
            .join(' · ')}
        </Text>
      ))}
    </Box>
  );
}

function Footer({ state }: { state: RunState }) {
  const counts = countStates(state);
  const parts: { state: StageState; text: string }[] = [
    { state: 'done', text: `${counts.done} done` },
    { state: 'cached', text: `${counts.cached} cached` },
    { state: 'running', text: `${counts.running} running` },
    { state: 'waiting', text: `${counts.waiting} waiting` },
    { state: 'failed', text: `${counts.failed} failed` },
    { state: 'skipped', text: `${counts.skipped} skipped` },
  ];
  return (
    <Box marginTop={1}>
      <Text>{state.order.length} stages</Text>
      {parts.map((p) => (
        <Text key={p.state}>
          {'  '}
          <StateSymbol state={p.state} /> {p.text}
        </Text>
      ))}
    </Box>
  );
}

function firstLines(text: string, n: number): string {
  const lines = text.split('\n');
  return lines.length > n ? [...lines.slice(0, n), '…'].join('\n') : text;
}

/** Re-renders every second so that elapsed time and ETAs move between events; stops once the run ends. */
function useTicker(active: boolean): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setTick((t) => t + 1), 1000);
    return () => clearInterval(timer);
  }, [active]);
}

export function LiveDashboard({ feed, onCancel, board }: { feed: RunFeed; onCancel: () => void; board?: BoardText }) {
  const state = useSyncExternalStore(feed.subscribe, feed.getSnapshot);
  const text = useSyncExternalStore(board?.subscribe ?? noSubscription, board?.get ?? noText);
  useTicker(state.status === 'starting' || state.status === 'running');
  return <Dashboard state={state} now={Date.now()} onCancel={onCancel} board={text} />;
}

/** Text set from outside the run's events (the leaderboard), as useSyncExternalStore reads it. */
export interface BoardText {
  get(): string;
  subscribe(onChange: () => void): () => void;
}

const noSubscription = (): (() => void) => () => {};
const noText = (): string => '';

function boardText(): BoardText & { set(text: string): void } {
  let text = '';
  const listeners = new Set<() => void>();
  return {
    get: () => text,
    set(next) {
      text = next;
      for (const l of listeners) l();
    },
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
}

export interface DashboardHandle {
  /** Pass to the runner as an event listener. */
  listener: RunEventListener;
  /** Draw the final frame and give the terminal back; call once the run has returned (or thrown). */
  done(): Promise<void>;
  /** Replace the text shown under the results (`pipe tune`'s leaderboard). */
  setBoard(text: string): void;
}

export interface DashboardOptions {
  /** `q` (or Ctrl-C, which raw mode turns into a key) was pressed. */
  onCancel: () => void;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Text to show under the results from the start (`pipe tune`'s leaderboard so far). */
  board?: string;
}

export function startDashboard(options: DashboardOptions): DashboardHandle {
  const feed = createRunFeed();
  const board = boardText();
  board.set(options.board ?? '');
  const app = render(<LiveDashboard feed={feed} onCancel={options.onCancel} board={board} />, {
    stdout: options.stdout ?? process.stdout,
    stdin: options.stdin ?? process.stdin,
    exitOnCtrlC: false,
  });
  return {
    listener: (event) => feed.push(event),
    setBoard: (text) => board.set(text),
    async done() {
      feed.flush();
      // Let React commit the last state before Ink draws its final frame.
      await new Promise((resolve) => setImmediate(resolve));
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
