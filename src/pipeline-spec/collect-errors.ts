// Gathers SpecErrors from independent checks so that one `pipe validate` reports them all.

import { SpecError, SpecErrors } from '../errors.js';

export class ErrorCollector {
  private errors: SpecError[] = [];
  private seen = new Set<string>();

  /** Runs `fn`; a SpecError it throws is kept (once: cells repeat the same problem) and undefined returned. */
  guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      const list = err instanceof SpecErrors ? err.errors : err instanceof SpecError ? [err] : undefined;
      if (!list) throw err;
      for (const e of list) {
        const id = e.describe();
        if (!this.seen.has(id)) {
          this.seen.add(id);
          this.errors.push(e);
        }
      }
      return undefined;
    }
  }

  throwIfAny(): void {
    throwAll(this.errors);
  }
}

/** Throws the one error, or all of them as SpecErrors; nothing when the list is empty. */
export function throwAll(errors: SpecError[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length) throw new SpecErrors(errors);
}
