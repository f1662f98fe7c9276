// Paths pipe writes stay inside the folder they belong to (the project, its artifacts/, the --out a user chose):
// names users give (run names) become file names only as slugs, never as path parts, and a write path is checked
// against its root after `..` and symbolic links are resolved.

import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { StoreError } from '../errors.js';

/** `name` as one file-name part: its path segments but `.` and `..` joined by `-`, letters, digits, `.`, `_`, `-`. */
export function slug(name: string, fallback: string): string {
  const s = name
    .split(/[/\\]+/)
    .filter((part) => part !== '.' && part !== '..' && part !== '')
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 80);
  return s || fallback;
}

/**
 * `path` (relative to `root`, or absolute) resolved, or a StoreError if it leaves `root`: through `..`, as an
 * absolute path elsewhere, or through a symbolic link (of the path or of a folder on the way) that points outside.
 */
export function pathInside(root: string, path: string, what: string): string {
  const rootReal = realOf(resolve(root)) ?? resolve(root);
  const wanted = resolve(root, path);
  const real = realOf(wanted);
  const rel = relative(rootReal, real ?? wanted);
  if (real === undefined || rel.startsWith('..') || isAbsolute(rel)) {
    throw new StoreError(
      `${what} ${path} would be written outside ${root}${real === undefined ? ' (through a symbolic link that points nowhere)' : ''}`,
      {},
      'pipe writes only inside the project and the --out you choose: choose another path, or remove the symbolic link',
    );
  }
  return wanted;
}

/** Where `path` really is: its deepest existing ancestor through its links, plus the rest; undefined if dangling. */
function realOf(path: string): string | undefined {
  const rest: string[] = [];
  let at = path;
  for (;;) {
    if (exists(at)) break;
    if (dirname(at) === at) return path;
    rest.unshift(basename(at));
    at = dirname(at);
  }
  try {
    return join(realpathSync(at), ...rest);
  } catch {
    return undefined;
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
