// Temporary folders, dead pids, cache keys and child processes for the store tests.

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach } from 'vitest';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test. */
export function tempDir(prefix = 'pipe-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A 64-hex cache key derived from a label. */
export function keyOf(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The pid of a process that has exited (and been reaped). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

/**
 * URL of the compiled module dist/store/<name>.js for child processes (plain node cannot load .ts). `npm test`
 * builds dist first; when the tests run alone and dist/store is older than src/store, it is rebuilt here.
 */
export function distStoreModule(name: string): string {
  const src = join(repoRoot, 'src', 'store');
  const dist = join(repoRoot, 'dist', 'store');
  const newestSrc = Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
  const built = join(dist, `${name}.js`);
  if (!existsSync(built) || statSync(built).mtimeMs < newestSrc) {
    try {
      execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', repoRoot], { stdio: 'pipe' });
    } catch {
      // Type errors elsewhere in the project still emit JavaScript; the existence check below decides.
    }
  }
  if (!existsSync(built)) throw new Error(`${built} is missing: run npx tsc -p .`);
  return pathToFileURL(built).href;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs an ES module script (written to `dir`) with plain node. */
export function runScript(dir: string, name: string, source: string, args: string[] = []): Promise<ChildResult> {
  const path = join(dir, name);
  writeFileSync(path, source);
  const child = spawn(process.execPath, [path, ...args], { cwd: repoRoot });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
