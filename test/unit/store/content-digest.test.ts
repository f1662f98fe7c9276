// Digests of data outside pipe: contents, not paths; stamped in experiments.db so that a re-run stats, not hashes.

import { appendFileSync, mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContentDigests, MISSING } from '../../../src/store/content-digest.js';
import { ExperimentStore } from '../../../src/store/db.js';
import { tempDir } from './helpers.js';

function dataFolder(): { root: string; data: string } {
  const root = tempDir('pipe-digest-');
  const data = join(root, 'wav');
  mkdirSync(join(data, 'sub'), { recursive: true });
  writeFileSync(join(data, '03a01Fa.wav'), 'first file');
  writeFileSync(join(data, '03a01Wa.wav'), 'second file');
  writeFileSync(join(data, 'sub', '08b02Na.wav'), 'third file');
  writeFileSync(join(data, '.DS_Store'), 'finder noise');
  return { root, data };
}

const fresh = (path: string, store?: ExperimentStore): string => new ContentDigests(store).digest(path);

describe('content digests', () => {
  it('a folder moved elsewhere keeps its digest; a file renamed inside it does not', () => {
    const { root, data } = dataFolder();
    const before = fresh(data);
    expect(before).toMatch(/^folder:[0-9a-f]{64}$/);
    renameSync(data, join(root, 'moved'));
    expect(fresh(join(root, 'moved'))).toBe(before);
    renameSync(join(root, 'moved', '03a01Fa.wav'), join(root, 'moved', '03a01Fb.wav'));
    expect(fresh(join(root, 'moved'))).not.toBe(before);
  });

  it('changing, adding or deleting one file changes the digest; a dot file does not', () => {
    const { data } = dataFolder();
    const before = fresh(data);
    writeFileSync(join(data, '.DS_Store'), 'other noise');
    expect(fresh(data)).toBe(before);
    appendFileSync(join(data, 'sub', '08b02Na.wav'), '!');
    const changed = fresh(data);
    expect(changed).not.toBe(before);
    writeFileSync(join(data, '16a01Ta.wav'), 'a new file');
    const added = fresh(data);
    expect(added).not.toBe(changed);
    rmSync(join(data, '16a01Ta.wav'));
    expect(fresh(data)).toBe(changed);
  });

  it('a file digests its bytes; a missing path is MISSING', () => {
    const { data } = dataFolder();
    expect(fresh(join(data, '03a01Fa.wav'))).toMatch(/^file:[0-9a-f]{64}$/);
    expect(fresh(join(data, 'nothing-here'))).toBe(MISSING);
  });

  it('stamps in experiments.db: a second digest hashes nothing, a touch rehashes one file and keeps the digest', () => {
    const { root, data } = dataFolder();
    const store = ExperimentStore.open(join(root, 'experiments.db'));
    try {
      const first = new ContentDigests(store);
      const digest = first.digest(data);
      expect(first.hashedFiles).toBe(3);

      const second = new ContentDigests(store);
      expect(second.digest(data)).toBe(digest);
      expect(second.hashedFiles).toBe(0);

      const later = new Date(Date.now() + 5000);
      utimesSync(join(data, '03a01Wa.wav'), later, later);
      const touched = new ContentDigests(store);
      expect(touched.digest(data)).toBe(digest);
      expect(touched.hashedFiles).toBe(1);

      writeFileSync(join(data, '03a01Fa.wav'), 'first file, edited');
      const edited = new ContentDigests(store);
      expect(edited.digest(data)).not.toBe(digest);
      expect(edited.hashedFiles).toBe(1);
    } finally {
      store.close();
    }
  });
});
