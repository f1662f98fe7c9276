// Commands that only read a project write nothing where there is none (no experiments.db, no folder), and say
// there is no project there.

import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipe } from '../helpers/cli.js';
import { expectNoInternals } from '../helpers/no-internals.js';

const SPEC = `name: t
stages:
  ingest: { type: ingest, params: { format: synthetic, count: 28, minSeconds: 1, maxSeconds: 2, sampleRate: 8000 } }
  normalize: { type: normalize, needs: [ingest], params: { sampleRate: 8000 } }
`;

describe('in a folder that holds no project', () => {
  it.each([
    [['show', 'r20991231-235959-abcd']],
    [['runs']],
    [['runs', '--json', '--status', 'failed']],
    [['diff', 'r1', 'r2']],
    [['report', 'r1']],
    [['report', 'r1', '--out', 'page.html']],
    [['export', 'r1']],
    [['export', 'r1', '--out', 'exported']],
    [['gc']],
    [['gc', '--dry-run']],
  ])('pipe %j says there is no project, exits 2 and writes nothing', async (args) => {
    const dir = mkdtempSync(join(tmpdir(), 'pipe-empty-'));
    const r = await pipe(dir, args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: no pipe project here: .* has no experiments\.db\n {2}hint: run this in the folder where you ran `pipe run`/);
    expect(readdirSync(dir)).toEqual([]);
    expectNoInternals(r);
  });

  it('pipe report RUN --out - prints the page and writes nothing in the project', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipe-report-'));
    writeFileSync(join(dir, 'spec.yaml'), SPEC);
    expect((await pipe(dir, ['run', 'spec.yaml', '--name', 'r'])).code).toBe(0);
    const before = readdirSync(dir).sort();
    const r = await pipe(dir, ['report', 'r', '--out', '-']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^<!DOCTYPE html>/i);
    expect(r.stdout).toMatch(/<\/html>\s*$/);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it.each([[['validate', 'spec.yaml']], [['dag', 'spec.yaml']], [['run', 'spec.yaml', '--dry-run']]])('pipe %j plans and writes nothing', async (args) => {
    const dir = mkdtempSync(join(tmpdir(), 'pipe-empty-'));
    writeFileSync(join(dir, 'spec.yaml'), SPEC);
    const r = await pipe(dir, args);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual(['spec.yaml']);
  });
});
