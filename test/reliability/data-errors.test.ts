// A data folder with several bad files fails ingest once, naming every bad file with a count, so that a user
// repairs them all before the next run instead of meeting them one run at a time.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, pipe } from '../helpers/cli.js';
import { expectNoInternals } from '../helpers/no-internals.js';
import { writeEmodbLikeWavs } from '../helpers/wav-corpus.js';

function project(strict: boolean): { dir: string; wav: string } {
  const dir = makeProject('pipe-data-');
  const wav = join(dir, 'wav');
  const good = writeEmodbLikeWavs(wav, 14);
  const bytes = readFileSync(join(wav, good[0]));
  writeFileSync(join(wav, '03a01Wb.wav'), '');
  writeFileSync(join(wav, '03a02Wb.wav'), bytes.subarray(0, bytes.length - 400));
  writeFileSync(join(wav, '03a04Wb.wav'), Buffer.concat([Buffer.from('RIFF\u0024\u0000\u0000\u0000WAVEjunk'), bytes.subarray(16, 64)]));
  writeFileSync(join(wav, '03a05Wb.wav'), 'this is text, not audio');
  writeFileSync(join(dir, 'spec.yaml'), `name: t\nstages:\n  ingest: { type: ingest, params: { format: emodb, root: wav, strict: ${strict} } }\n`);
  return { dir, wav };
}

describe('ingest names every bad file at once', () => {
  it('an empty, a truncated, a bad-header and a text file: one failure naming all four, with a count', async () => {
    const { dir } = project(false);
    const r = await pipe(dir, ['run', 'spec.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/stage ingest failed: .*wav stage ingest 4 of 18 \.wav files cannot be used:\n4 cannot be read as WAV:/);
    for (const file of ['03a01Wb.wav: the file is empty', '03a02Wb.wav: truncated', '03a04Wb.wav: ', '03a05Wb.wav: it does not start with a RIFF/WAVE header']) {
      expect(r.stderr).toContain(file);
    }
    expect(r.stderr).toMatch(/hint: repair or remove the damaged files/);
    expectNoInternals(r);
  });

  it('with strict: every misnamed file too, beyond any list limit, beside the damaged ones', async () => {
    const { dir, wav } = project(true);
    const misnamed = Array.from({ length: 12 }, (_, i) => `take-${i + 1}.wav`);
    const good = readFileSync(join(wav, '03a01Wa.wav'));
    for (const name of misnamed) writeFileSync(join(wav, name), good);
    const r = await pipe(dir, ['run', 'spec.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/16 of 30 \.wav files cannot be used:/);
    expect(r.stderr).toMatch(/\n12 are not named like EMO-DB/);
    for (const name of misnamed) expect(r.stderr).toContain(`  ${name}: `);
    expect(r.stderr).toMatch(/hint: .*set ingest\.strict=false to skip them/);
    expectNoInternals(r);
  });
});
