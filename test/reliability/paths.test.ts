// Nothing is written outside the project or the --out a user chose: run names and tags are data, never path parts,
// and write paths that leave their folder through `..`, an absolute path or a symbolic link are refused.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSummary, pipe } from '../helpers/cli.js';
import { expectNoInternals } from '../helpers/no-internals.js';

const SPEC = `name: t
stages:
  ingest: { type: ingest, params: { format: synthetic, count: 14, minSeconds: 1, maxSeconds: 1, sampleRate: 8000 } }
  normalize: { type: normalize, needs: [ingest], params: { sampleRate: 8000 } }
`;

/** A project two folders below a fresh root, so that `../..` from it is still a folder the test owns. */
function project(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'pipe-paths-'));
  const dir = join(root, 'a', 'project');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'spec.yaml'), SPEC);
  return { root, dir };
}

/** Every entry under `root` outside `dir`: what a write outside the project would have left. */
function outside(root: string, dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (p === dir) continue;
      found.push(p.slice(root.length));
      if (!name.startsWith('out') && existsSync(p) && readdirSync(d, { withFileTypes: true }).find((e) => e.name === name)?.isDirectory()) walk(p);
    }
  };
  walk(root);
  return found.sort();
}

describe('run names and tags are data', () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    ({ root, dir } = project());
    const names = [['x/../../../pwn', '../../t'], ['/tmp/abs-name', '/etc/passwd']];
    for (const [name, tag] of names) {
      const r = await pipe(dir, ['run', 'spec.yaml', '--json', '--name', name, '--tag', tag]);
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('a name with ../ is shown, exported and reported by name, inside the project', async () => {
    expect((await pipe(dir, ['show', 'x/../../../pwn'])).stdout).toMatch(/\(x\/\.\.\/\.\.\/\.\.\/pwn\)/);
    const exported = await pipe(dir, ['export', 'x/../../../pwn']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('to export-x-pwn/');
    expect(JSON.parse(readFileSync(join(dir, 'export-x-pwn', 'run.json'), 'utf8'))).toMatchObject({ name: 'x/../../../pwn', tags: ['../../t'] });
    const report = await pipe(dir, ['report', 'x/../../../pwn']);
    expect(report.code, report.stderr).toBe(0);
    expect(outside(root, dir)).toEqual(['/a']);
  });

  it('an absolute name becomes a slug inside the project', async () => {
    const r = await pipe(dir, ['export', '/tmp/abs-name']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'export-tmp-abs-name', 'spec.yaml'))).toBe(true);
    expect(existsSync('/tmp/abs-name')).toBe(false);
  });

  it('an export folder that exists as a symbolic link to elsewhere is refused, and nothing is written there', async () => {
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(dir, 'export-tmp-abs-name-2'));
    symlinkSync(join(root, 'nowhere'), join(dir, 'export-dangling'));
    const linked = await pipe(dir, ['export', '/tmp/abs-name', '--out', 'export-tmp-abs-name-2']);
    expect(linked.code).toBe(1);
    expect(linked.stderr).toMatch(/export-tmp-abs-name-2 already exists/);
    const dangling = await pipe(dir, ['export', '/tmp/abs-name', '--out', 'export-dangling']);
    expect(dangling.stderr).toMatch(/export-dangling already exists/);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(existsSync(join(root, 'nowhere'))).toBe(false);
    expectNoInternals(linked);
  });

  it('a report path that is a symbolic link out of the project is refused; the file it points at is untouched', async () => {
    const runId = JSON.parse((await pipe(dir, ['show', '/tmp/abs-name', '--json'])).stdout).run.id as string;
    const victim = join(root, 'victim.html');
    writeFileSync(victim, 'keep me');
    symlinkSync(victim, join(dir, `report-${runId}.html`));
    const r = await pipe(dir, ['report', runId]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the report report-r[\w-]+\.html would be written outside/);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    expectNoInternals(r);
  });
});

describe('artifact folders that lead out of artifacts/ are refused', () => {
  it('artifacts/.tmp as a symbolic link elsewhere: the stage fails naming it, nothing is written there', async () => {
    const { root, dir } = project();
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    mkdirSync(join(dir, 'artifacts'));
    symlinkSync(elsewhere, join(dir, 'artifacts', '.tmp'));
    const r = await pipe(dir, ['run', 'spec.yaml', '--json']);
    expect(r.code).toBe(1);
    expect(parseSummary(r.stdout).stages[0].error).toMatch(/a stage's output folder .*would be written outside/);
    expect(readdirSync(elsewhere)).toEqual([]);
    expectNoInternals(r);
  });

  it('artifacts/ itself may be a link to a bigger disk: the project works through it', async () => {
    const { root, dir } = project();
    const disk = join(root, 'disk');
    mkdirSync(disk);
    symlinkSync(disk, join(dir, 'artifacts'));
    const r = await pipe(dir, ['run', 'spec.yaml', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(disk).filter((n) => /^[0-9a-f]{64}$/.test(n))).toHaveLength(2);
  });
});
