// Data contents in the key, through the CLI: changing, adding or deleting one WAV under ingest's root re-runs
// ingest and what follows; `touch` and moving the folder change nothing; the stamp table spares the rehash.

import Database from 'better-sqlite3';
import { readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, parseSummary, pipe } from '../helpers/cli.js';
import { writeEmodbLikeWavs } from '../helpers/wav-corpus.js';

const SPEC = `name: wavs
stages:
  ingest: { type: ingest, params: { format: emodb, root: wav, minSeconds: 0.1 } }
  normalize: { type: normalize, needs: [ingest], params: { sampleRate: 8000 } }
  split: { type: split, needs: [normalize], params: { val: 0.2, test: 0.2 } }
  chunk: { type: chunk, needs: [split], params: { length: 2000 } }
`;

function project(): { dir: string; names: string[] } {
  const dir = makeProject('pipe-data-');
  const names = writeEmodbLikeWavs(join(dir, 'wav'), 42, 8000);
  writeFileSync(join(dir, 'spec.yaml'), SPEC);
  return { dir, names };
}

async function statuses(dir: string, ...args: string[]): Promise<string[]> {
  const r = await pipe(dir, ['run', 'spec.yaml', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return parseSummary(r.stdout).stages.map((s) => s.status);
}

const ALL_RAN = ['ran', 'ran', 'ran', 'ran'];
const ALL_CACHED = ['cached', 'cached', 'cached', 'cached'];

describe("ingest's key holds the contents of its data folder", () => {
  it('touch keeps everything cached; replacing, adding or deleting one WAV re-runs ingest and what follows', async () => {
    const { dir, names } = project();
    expect(await statuses(dir)).toEqual(ALL_RAN);

    const later = new Date(Date.now() + 10_000);
    utimesSync(join(dir, 'wav', names[0]), later, later);
    expect(await statuses(dir)).toEqual(ALL_CACHED);

    // The same name, other bytes: a file replaced in place.
    writeEmodbLikeWavs(join(dir, 'other'), 2, 16000);
    renameSync(join(dir, 'other', names[1]), join(dir, 'wav', names[1]));
    expect(await statuses(dir)).toEqual(ALL_RAN);
    expect(await statuses(dir)).toEqual(ALL_CACHED);

    writeFileSync(join(dir, 'wav', '16b10Wa.wav'), readFileSync(join(dir, 'wav', names[2])));
    expect(await statuses(dir)).toEqual(ALL_RAN);

    rmSync(join(dir, 'wav', names[3]));
    expect(await statuses(dir)).toEqual(ALL_RAN);

    // Back to contents seen before: their artifacts are still there.
    rmSync(join(dir, 'wav', '16b10Wa.wav'));
    writeEmodbLikeWavs(join(dir, 'again'), 42, 8000);
    renameSync(join(dir, 'again', names[3]), join(dir, 'wav', names[3]));
    expect(await statuses(dir)).toEqual(ALL_CACHED);
  }, 120_000);

  it('the folder moved (and ingest.root changed with it) keeps every key', async () => {
    const { dir } = project();
    const first = await pipe(dir, ['run', 'spec.yaml', '--json']);
    expect(first.code, first.stderr).toBe(0);
    renameSync(join(dir, 'wav'), join(dir, 'moved'));
    const second = await pipe(dir, ['run', 'spec.yaml', '--json', '--set', 'ingest.root=moved']);
    expect(second.code, second.stderr).toBe(0);
    expect(parseSummary(second.stdout).stages.map((s) => s.status)).toEqual(ALL_CACHED);
    expect(parseSummary(second.stdout).stages.map((s) => s.key)).toEqual(parseSummary(first.stdout).stages.map((s) => s.key));
  }, 60_000);

  it('every WAV is stamped in experiments.db with its size, mtime, inode and sha256', async () => {
    const { dir, names } = project();
    expect(await statuses(dir)).toEqual(ALL_RAN);
    const db = new Database(join(dir, 'experiments.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT path, size, mtime_ms, ino, sha256 FROM content_stamps ORDER BY path').all() as { path: string; sha256: string }[];
      expect(rows.map((r) => r.path)).toEqual(names.map((n) => join(dir, 'wav', n)).sort());
      expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.sha256))).toBe(true);
    } finally {
      db.close();
    }
  }, 60_000);
});
