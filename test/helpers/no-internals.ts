// What must never reach a user without --debug: a stack frame, a system error code, a JavaScript error name.

import { expect } from 'vitest';
import type { CliResult } from './cli.js';

export const INTERNALS =
  /\n\s+at |\b(EISDIR|ENOENT|ENOTDIR|EACCES|EPERM|EROFS|ENOSPC|EEXIST|EMFILE|ELOOP|EIO)\b|SQLITE_|TypeError|RangeError|ReferenceError|SyntaxError|canonicalJson|Maximum call stack|Invalid array length|Excessive alias/;

export function expectNoInternals(r: CliResult): void {
  expect(r.stdout + r.stderr).not.toMatch(INTERNALS);
}
