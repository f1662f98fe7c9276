// Between the runner and the dashboard: events are folded into the state as they come (hundreds a second while
// training), but the screen is told about it at most once per interval; run-finished is shown at once.

import type { RunEvent } from '../core/run-events.js';
import { initialRunState, reduceRun, type RunState } from './run-state.js';

export interface RunFeed {
  push(event: RunEvent): void;
  /** Publish what has been folded so far now, without waiting for the interval. */
  flush(): void;
  subscribe(onChange: () => void): () => void;
  /** The last published state (stable between publications, as useSyncExternalStore needs). */
  getSnapshot(): RunState;
}

export function createRunFeed(options: { intervalMs?: number; now?: () => number } = {}): RunFeed {
  const intervalMs = options.intervalMs ?? 100;
  const now = options.now ?? Date.now;
  const listeners = new Set<() => void>();
  let state = initialRunState();
  let published = state;
  let timer: NodeJS.Timeout | undefined;

  const publish = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (published === state) return;
    published = state;
    for (const l of listeners) l();
  };

  return {
    push(event) {
      state = reduceRun(state, event, now());
      if (event.kind === 'run-finished') publish();
      else if (!timer) timer = setTimeout(publish, intervalMs);
    },
    flush: publish,
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    getSnapshot: () => published,
  };
}
