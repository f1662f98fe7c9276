// One symbol and one colour per stage state, so that the grid reads at a glance (and without colour too).

import type { StageState } from './run-state.js';

export const STAGE_SYMBOL: Record<StageState, { symbol: string; color: string }> = {
  waiting: { symbol: '·', color: 'gray' },
  cached: { symbol: '◆', color: 'cyan' },
  running: { symbol: '▶', color: 'yellow' },
  done: { symbol: '✔', color: 'green' },
  failed: { symbol: '✖', color: 'red' },
  skipped: { symbol: '⊘', color: 'magenta' },
};
