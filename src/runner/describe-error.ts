// A failed stage's error as the one block of text that events, the store and the CLI show: a PipeError as it
// describes itself, a system error in words, anything else by its message.

import { isDiskFull, isPipeError, systemError } from '../errors.js';

export function describeError(err: unknown): string {
  if (isPipeError(err)) return err.describe();
  const io = systemError(err);
  if (io && isDiskFull(err)) {
    return `${io.message}; the half-written artifact was discarded\n  hint: ${io.hint}`;
  }
  if (io) return io.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}
