// Runs the built CLI (dist/cli.js, built by `npm test`'s pretest) in a temporary project folder.

import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = join(repoRoot, 'dist', 'cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh project folder holding a copy of the repo's pipelines/ and experiments/. */
export function makeProject(prefix = 'pipe-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(repoRoot, 'pipelines'), join(dir, 'pipelines'), { recursive: true });
  cpSync(join(repoRoot, 'experiments'), join(dir, 'experiments'), { recursive: true });
  return dir;
}

/**
 * Runs the CLI to completion. Awaited, never synchronous: a test fork whose event loop is blocked for a whole CLI
 * run cannot answer vitest's RPC, and under load that fails the suite although every test passed
 * (vitest-dev/vitest#8164).
 */
export async function pipe(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const run = pipeAsync(cwd, args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 240_000);
  try {
    return await run.done;
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the CLI without waiting; for kill and concurrency tests. */
export function pipeAsync(cwd: string, args: string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, CI: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((res) => child.on('close', (code) => res({ code: code ?? -1, stdout, stderr })));
  return { child, done, output: () => stdout + stderr };
}

export interface SummaryStage {
  id: string;
  name: string;
  status: 'ran' | 'cached' | 'failed' | 'skipped';
  key: string;
  ms: number;
  metrics?: Record<string, number>;
  error?: string;
}

export function parseSummary(stdout: string): { runId: string; status: string; stages: SummaryStage[]; summary?: string } {
  return JSON.parse(stdout) as { runId: string; status: string; stages: SummaryStage[]; summary?: string };
}

export function statusById(stages: SummaryStage[]): Record<string, string> {
  return Object.fromEntries(stages.map((s) => [s.id, s.status]));
}
