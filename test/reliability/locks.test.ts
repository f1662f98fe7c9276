// A lock's holder is judged by more than kill(pid, 0): a zombie (killed, not yet reaped) and a pid reused by another
// process do not hold a lock, and a holder on another host holds it only while its lease runs.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { holderAlive, type LockOwner } from '../../src/store/key-lock.js';
import { processStart } from '../../src/store/process-alive.js';
import { parseSummary, pipeAsync, type CliResult } from '../helpers/cli.js';

const SPEC = `name: t
stages:
  ingest: { type: ingest, params: { format: synthetic, count: 14, minSeconds: 1, maxSeconds: 1, sampleRate: 8000 } }
`;

const children: number[] = [];
afterAll(() => children.forEach((pid) => process.kill(pid, 'SIGKILL')));

/** A zombie: bash starts a short sleep in the background and execs into sleep, which never reaps it. */
async function zombiePid(): Promise<number> {
  const parent = spawn('bash', ['-c', 'sleep 0.2 & echo $!; exec sleep 300'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(parent.pid!);
  const pid = await new Promise<number>((res) => parent.stdout.once('data', (d: Buffer) => res(Number(d.toString().trim()))));
  for (let i = 0; i < 100 && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i++) await new Promise((r) => setTimeout(r, 20));
  expect(readFileSync(`/proc/${pid}/stat`, 'utf8')).toMatch(/\) Z /);
  return pid;
}

/** `pipe run` in a project whose ingest key is locked by `holder`; killed if it waits a minute on the lock. */
async function runWithLock(holder: Omit<LockOwner, 'at' | 'nonce'>): Promise<CliResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-locks-'));
  writeFileSync(join(dir, 'spec.yaml'), SPEC);
  const dry = await pipeAsync(dir, ['run', 'spec.yaml', '--dry-run', '--json']).done;
  const key = (JSON.parse(dry.stdout) as { stages: { key: string }[] }).stages[0].key;
  mkdirSync(join(dir, 'artifacts', '.locks'), { recursive: true });
  writeFileSync(join(dir, 'artifacts', '.locks', `${key}.lock`), JSON.stringify({ ...holder, at: new Date().toISOString(), nonce: 'f00d' }));
  const run = pipeAsync(dir, ['run', 'spec.yaml', '--json']);
  const guard = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
  const result = await run.done;
  clearTimeout(guard);
  return result;
}

describe('locks held by the dead are broken at once', () => {
  it.runIf(process.platform === 'linux')('a lock whose holder is a zombie', async () => {
    const r = await runWithLock({ pid: await zombiePid(), host: hostname() });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).stages[0].status).toBe('ran');
  });

  it.runIf(process.platform === 'linux')('a lock whose pid now belongs to another process (another start time)', async () => {
    const r = await runWithLock({ pid: process.pid, host: hostname(), start: processStart()! - 1 });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).stages[0].status).toBe('ran');
  });

  it('a lock of another host whose lease lapsed', async () => {
    const r = await runWithLock({ pid: 1, host: 'elsewhere.example', renewedAt: Date.now() - 120_000, leaseMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).stages[0].status).toBe('ran');
  });
});

describe('holderAlive', () => {
  const base = { at: '', nonce: 'n' };
  it('another host: held while the lease runs, free once it lapsed', () => {
    const holder: LockOwner = { ...base, pid: 1, host: 'elsewhere.example', renewedAt: 1_000_000, leaseMs: 60_000 };
    expect(holderAlive(holder, 1_000_000 + 59_999)).toBe(true);
    expect(holderAlive(holder, 1_000_000 + 60_001)).toBe(false);
  });

  it('this host: the live process holds it whatever its lease says; a dead pid does not', () => {
    expect(holderAlive({ ...base, pid: process.pid, host: hostname(), start: processStart(), renewedAt: 0, leaseMs: 1 })).toBe(true);
    expect(holderAlive({ ...base, pid: 99_999_999, host: hostname() })).toBe(false);
  });
});
