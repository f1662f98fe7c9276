// Every exit leaves the store true: a run that ends on any error is recorded failed before pipe exits, a run whose
// process is gone never reads as running, and a disk that refuses writes is said to, not called a damaged file.

import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, pipe, type CliResult } from '../helpers/cli.js';
import { expectNoInternals } from '../helpers/no-internals.js';

const SPEC = `name: t
stages:
  ingest: { type: ingest, params: { format: synthetic, count: 14, minSeconds: 1, maxSeconds: 1, sampleRate: 8000 } }
`;

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-store-'));
  writeFileSync(join(dir, 'spec.yaml'), SPEC);
  return dir;
}

function statuses(dir: string): string[] {
  const db = new Database(join(dir, 'experiments.db'), { readonly: true });
  try {
    return (db.prepare('SELECT status FROM runs').all() as { status: string }[]).map((r) => r.status);
  } finally {
    db.close();
  }
}

/** The CLI under a file-size limit (in 512-byte blocks), SIGXFSZ ignored: writes past it fail as on a full disk. */
function pipeWithFileLimit(dir: string, blocks: number, args: string[]): Promise<CliResult> {
  const script = `trap '' XFSZ; ulimit -f ${blocks}; exec "$0" "$@"`;
  const child = spawn('bash', ['-c', script, process.execPath, cliPath, ...args], { cwd: dir, env: { ...process.env, CI: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res) => child.on('close', (code) => res({ code: code ?? -1, stdout, stderr })));
}

describe('a run that ends on an error is recorded as failed', () => {
  it('artifacts/ cannot be made (a file is in its place): exit 1 in words, the run row failed', async () => {
    const dir = project();
    writeFileSync(join(dir, 'artifacts'), 'not a folder');
    const r = await pipe(dir, ['run', 'spec.yaml', '--plain']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*artifacts.*: a file where a folder was expected|already exists/);
    expectNoInternals(r);
    expect(statuses(dir)).toEqual(['failed']);
    const runs = await pipe(dir, ['runs', '--json']);
    expect(JSON.parse(runs.stdout)).toMatchObject([{ status: 'failed' }]);
  });

  it('a stage whose writes exceed the disk: the stage and the run are failed, the message says why', async () => {
    const dir = project();
    const r = await pipeWithFileLimit(dir, 200, ['run', 'spec.yaml', '--plain']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stage ingest failed: the file would exceed the file-size limit/);
    expectNoInternals(r);
    expect(statuses(dir)).toEqual(['failed']);
  });

  it('a database the disk refuses to grow is not called damaged', async () => {
    const dir = project();
    const r = await pipeWithFileLimit(dir, 8, ['run', 'spec.yaml', '--plain']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/experiments\.db: the disk (refused a write|holding it is full)/);
    expect(r.stderr).not.toMatch(/damaged|move it aside/);
    expectNoInternals(r);
  });
});

describe('a run whose process is gone never reads as running', () => {
  it('a row left running by a dead pid shows as failed in runs and show, before any new run', async () => {
    const dir = project();
    expect((await pipe(dir, ['run', 'spec.yaml', '--plain'])).code).toBe(0);
    const db = new Database(join(dir, 'experiments.db'));
    // A pid no process has: past the kernel's pid_max.
    db.prepare("UPDATE runs SET status = 'running', pid = 99999999, finished_at = NULL").run();
    db.close();
    const runs = await pipe(dir, ['runs', '--json', '--status', 'failed']);
    expect(JSON.parse(runs.stdout)).toMatchObject([{ status: 'failed' }]);
    expect(JSON.parse((await pipe(dir, ['runs', '--json', '--status', 'running'])).stdout)).toEqual([]);
    expect((await pipe(dir, ['show', 'r'])).stdout).toMatch(/status {3}failed/);
  });
});
