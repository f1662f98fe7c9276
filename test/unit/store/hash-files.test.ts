import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFile, hashFiles, mapLimited } from '../../../src/store/hash-files.js';
import { sha256, sleep, tempDir } from './helpers.js';

describe('hashFile', () => {
  it('matches sha256 of the whole content for empty, small and multi-block files', async () => {
    const dir = tempDir();
    // 4 MiB blocks: exactly one, two and a half, and a byte past a block boundary.
    for (const size of [0, 1, 4096, 4 * 1024 * 1024, 10 * 1024 * 1024 + 17, 4 * 1024 * 1024 + 1]) {
      const data = randomBytes(size);
      const path = join(dir, `f${size}`);
      writeFileSync(path, data);
      expect(await hashFile(path), `size ${size}`).toBe(sha256(data));
    }
  });

  it('hashFiles returns hash and size per file, in the order asked', async () => {
    const dir = tempDir();
    const texts = ['alpha', '', 'gamma'.repeat(1000), 'delta'];
    const paths = texts.map((t, i) => join(dir, `f${i}`));
    texts.forEach((t, i) => writeFileSync(paths[i], t));
    expect(await hashFiles(paths, { fsync: true })).toEqual(texts.map((t) => ({ sha256: sha256(t), size: t.length })));
  });

  it('a missing file rejects', async () => {
    await expect(hashFile(join(tempDir(), 'nope'))).rejects.toThrow(/ENOENT/);
  });
});

describe('mapLimited', () => {
  it('keeps the order of its inputs and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimited([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await sleep(n * 5);
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(most).toBe(2);
  });
});
